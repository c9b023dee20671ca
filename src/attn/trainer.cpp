#include "attn/trainer.hpp"

#include <cmath>

#include "attn/errors.hpp"

namespace attn {
namespace {

constexpr Index kMaxEvalBatches = 64;

void check_settings(const TrainSettings& s) {
  s.model.validate();
  if (!(std::isfinite(s.learning_rate) && s.learning_rate > 0))
    throw invalid_argument("learning_rate", detail::cat("is ", s.learning_rate, "; expected a finite number > 0"));
  if (s.batch < 1 || s.batch > kMaxBatch)
    throw invalid_argument("batch", detail::cat("is ", s.batch, "; expected 1 <= batch <= ", kMaxBatch));
  if (s.eval_batches < 1 || s.eval_batches > kMaxEvalBatches)
    throw invalid_argument("eval_batches",
                           detail::cat("is ", s.eval_batches, "; expected 1 <= eval_batches <= ", kMaxEvalBatches));
  if (s.eval_size < 1 || s.eval_size > kMaxBatch)
    throw invalid_argument("eval_size", detail::cat("is ", s.eval_size, "; expected 1 <= eval_size <= ", kMaxBatch));
  // make_batch checks the task against the config (vocab, seq_len, classes) and both sizes
  // against the work and memory bounds; one sequence of each is enough to ask it.
  (void)make_batch(s.task, s.model, s.batch, 0);
  (void)make_batch(s.task, s.model, s.eval_size, 0);
}

}  // namespace

Index default_task_size(Task task) { return task == Task::lookup ? 8 : 16; }

std::uint64_t train_batch_seed(std::uint64_t seed, long long step) {
  return 1000003ull * seed + static_cast<std::uint64_t>(step);
}

std::uint64_t eval_batch_seed(std::uint64_t seed, Index j) {
  return 777000000ull + 10 * seed + static_cast<std::uint64_t>(j);
}

namespace {

// Where row t's answer stands in sequence 0 of `b` (AttentionSample::answer_at).
std::int32_t answer_position(Task task, const ModelConfig& c, const Batch& b, Index t) {
  if (!b.scored(0, t)) return -1;
  const Index T = c.seq_len;
  switch (task) {
    case Task::previous:
      return static_cast<std::int32_t>(t - 1);
    case Task::cycle:
      return b.targets(0, t);
    case Task::lookup: {
      const Index n = T - 1, key = b.tokens(0, t) - n * n;
      for (Index j = 0; j < n; ++j)
        if (b.tokens(0, j) / n == key) return static_cast<std::int32_t>(j);
      return -1;
    }
    case Task::induction:
      for (Index j = 0; j + 1 < t; ++j)
        if (b.tokens(0, j) == b.tokens(0, t)) return static_cast<std::int32_t>(j + 1);
      return -1;
  }
  return -1;
}

}  // namespace

template <typename T>
Trainer<T>::Trainer(const TrainSettings& settings) : settings_(settings) {
  check_settings(settings_);
  params_ = init_params<T>(settings_.model, settings_.seed);
  grads_ = zero_params<T>(settings_.model);
  optimizer_.kind = settings_.optimizer;
  optimizer_.learning_rate = settings_.learning_rate;
}

template <typename T>
Evaluation Trainer<T>::step() {
  const Batch b =
      make_batch(settings_.task, settings_.model, settings_.batch, train_batch_seed(settings_.seed, steps_));
  const ForwardResult<T> r = train_step<T>(settings_.model, params_, grads_, optimizer_, b);
  ++steps_;
  return {r.loss, r.accuracy};
}

template <typename T>
Evaluation Trainer<T>::evaluate() const {
  double loss = 0, right = 0;
  Index scored = 0;
  for (Index j = 0; j < settings_.eval_batches; ++j) {
    const ForwardResult<T> r = forward<T>(
        settings_.model, params_,
        make_batch(settings_.task, settings_.model, settings_.eval_size, eval_batch_seed(settings_.seed, j)));
    loss += r.loss * static_cast<double>(r.scored);
    right += r.accuracy * static_cast<double>(r.scored);
    scored += r.scored;
  }
  return {loss / static_cast<double>(scored), right / static_cast<double>(scored)};
}

template <typename T>
std::vector<double> Trainer<T>::gradient_norms() const {
  std::vector<double> out;
  for (const auto& t : grads_.tensors()) out.push_back(static_cast<double>(t.tensor->norm()));
  return out;
}

template <typename T>
AttentionSample<T> Trainer<T>::sample(Index layer, Index head, std::uint64_t index) const {
  const ModelConfig& c = settings_.model;
  if (layer < 0 || layer >= c.layers)
    throw invalid_argument("layer", detail::cat("is ", layer, "; expected 0 <= layer < layers = ", c.layers));
  if (head < 0 || head >= c.heads)
    throw invalid_argument("head", detail::cat("is ", head, "; expected 0 <= head < heads = ", c.heads));
  const Batch b = make_batch(settings_.task, c, 1, 555000000ull + 10 * settings_.seed + index);
  const ForwardResult<T> r = forward<T>(c, params_, b);
  const HeadActivations<T>& h = r.layers[static_cast<size_t>(layer)].heads[static_cast<size_t>(head)];
  AttentionSample<T> s;
  s.weights = h.weights;
  s.queries = h.q;
  s.keys = h.k;
  for (Index t = 0; t < c.seq_len; ++t) {
    s.tokens.push_back(b.tokens(0, t));
    s.targets.push_back(b.scored(0, t) ? b.targets(0, t) : -1);
    s.answer_at.push_back(answer_position(settings_.task, c, b, t));
    s.query_norms.push_back(h.q.row(t).norm());
    s.key_norms.push_back(h.k.row(t).norm());
  }
  return s;
}

template <typename T>
void Trainer<T>::set_params(const Params<T>& params) {
  check_params<T>(settings_.model, params);
  params_ = params;
  optimizer_ = Optimizer<T>();
  optimizer_.kind = settings_.optimizer;
  optimizer_.learning_rate = settings_.learning_rate;
}

template class Trainer<float>;
template class Trainer<double>;

}  // namespace attn
