// A training run of the model of attn/train.hpp: the loop the CLI's "train" mode, the page
// web/train.html (through the WASM binding) and the experiments share, so a seed gives the
// same run everywhere it is asked for.
//
// Run with seed s: init_params(config, s); step k (k = 0, 1, …) trains on
// make_batch(task, config, batch, 1000003·s + k); evaluate() measures loss and accuracy on
// eval_batches held-out batches of eval_size sequences with seeds 777000000 + 10·s + j
// (j = 0 … eval_batches − 1), which no training step uses. docs/experiments.md's table is
// this loop with the defaults below.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "attn/train.hpp"

namespace attn {

// What one run needs beyond the model. Defaults: docs/experiments.md's.
struct TrainSettings {
  Task task = Task::previous;
  ModelConfig model = task_config(Task::previous, 16);
  OptimizerKind optimizer = OptimizerKind::adam;
  double learning_rate = 0.005;
  Index batch = 32;
  std::uint64_t seed = 1;
  Index eval_batches = 4;
  Index eval_size = 128;
};

// The task's size n when a caller gives none: 8 pairs for lookup (V = 72), else 16.
Index default_task_size(Task task);

// Batch seeds (see the top): training step k of a run with seed s, and held-out batch j.
std::uint64_t train_batch_seed(std::uint64_t seed, long long step);
std::uint64_t eval_batch_seed(std::uint64_t seed, Index j);

struct Evaluation {
  double loss = 0;      // mean cross-entropy over every scored position of the held-out batches
  double accuracy = 0;  // share of them predicted right
};

// One attention map of one sequence, for a picture: the weights (T, T) of layer l, head h,
// the sequence's tokens and targets, and the norms of its query and key vectors by position
// (for a tied head the scores are uᵢ·uⱼ, and these norms say who can outscore whom).
template <typename T>
struct AttentionSample {
  Mat<T> weights;                     // (T, T)
  std::vector<std::int32_t> tokens;   // T
  std::vector<std::int32_t> targets;  // T; −1 where not scored
  // T: the position whose token answers row t's target (previous: t − 1; cycle: the target
  // itself; lookup, at the query: the pair with the asked key; induction, at the last
  // position: the token after the earlier A); −1 where the task scores nothing.
  std::vector<std::int32_t> answer_at;
  std::vector<T> query_norms, key_norms;  // T each: |q_i|, |k_i| of that head
  Mat<T> queries, keys;                   // (T, d): the head's q_i and k_i themselves (a picture in d dims)
};

template <typename T>
class Trainer {
 public:
  // Validates everything (naming the field: the model's fields, "learning_rate", "batch",
  // "eval_batches", "eval_size", and the task's own checks) before it allocates.
  explicit Trainer(const TrainSettings& settings);

  // One step on the next batch: returns that batch's loss and accuracy before the update.
  Evaluation step();
  // Held-out loss and accuracy of the current parameters.
  Evaluation evaluate() const;
  // The Frobenius norm of each tensor's gradient from the last step (0 before the first),
  // in params().tensors() order.
  std::vector<double> gradient_norms() const;
  // Layer `layer`, head `head` on held-out-style sequence `index` (seed 555000000 + 10·s + index).
  AttentionSample<T> sample(Index layer, Index head, std::uint64_t index) const;

  const TrainSettings& settings() const { return settings_; }
  const Params<T>& params() const { return params_; }
  // Replaces the parameters (shapes checked, naming the tensor); Adam's moments restart.
  void set_params(const Params<T>& params);
  long long steps() const { return steps_; }

 private:
  TrainSettings settings_;
  Params<T> params_, grads_;
  Optimizer<T> optimizer_;
  long long steps_ = 0;
};

}  // namespace attn
