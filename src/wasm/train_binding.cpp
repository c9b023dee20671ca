// WebAssembly binding for the trainer (attn/trainer.hpp), in float as the page trains.
// The same rules as binding.cpp (no math here; errors through attn_last_error; JS owns every
// buffer it passes), plus one kind of state: a trainer lives between calls, so the binding
// keeps a table of them and JS holds an integer handle (web/js/core/trainer.js).
//
// Settings travel as one array of doubles, in this order (TRAIN_FIELDS in trainer.js):
//   0 task (0 lookup, 1 previous, 2 cycle, 3 induction)   1 size n (0: the task's default)
//   2 d_model  3 heads  4 layers  5 tie  6 projections (0 learned, 1 none)
//   7 causal (−1: the task's own mask, 0 none, 1 causal)
//   8 scale mode (0 one, 1 1/√d, 2 custom)  9 scale  10 alpha  11 init (0 small, 1 unit)
//   12 optimizer (0 sgd, 1 adam)  13 learning rate  14 batch  15 seed (a whole number < 2^53)
//   16 eval batches  17 eval size
#include <cmath>
#include <memory>
#include <vector>

#include "attn/errors.hpp"
#include "attn/trainer.hpp"
#include "guard.hpp"

namespace {

using attn::Index;
using Trainer = attn::Trainer<float>;

std::vector<std::unique_ptr<Trainer>> g_trainers;  // handle h is g_trainers[h − 1]

constexpr int kTrainFields = 18;

Index whole(const char* name, double v, double lo, double hi) {
  if (!(v == std::floor(v) && v >= lo && v <= hi))
    throw attn::invalid_argument(name, attn::detail::cat("is ", v, "; expected a whole number from ", lo, " to ", hi));
  return static_cast<Index>(v);
}

template <typename Enum>
Enum choice(const char* name, double v, std::initializer_list<Enum> options) {
  const Index i = whole(name, v, 0, static_cast<double>(options.size() - 1));
  return *(options.begin() + i);
}

attn::TrainSettings settings_of(const double* f, int count) {
  if (count != kTrainFields)
    throw attn::invalid_argument(
        "settings", attn::detail::cat("has ", count, " numbers; expected ", kTrainFields, " (internal binding error)"));
  attn::TrainSettings s;
  s.task = choice("task", f[0], {attn::Task::lookup, attn::Task::previous, attn::Task::cycle, attn::Task::induction});
  const Index n = f[1] == 0 ? attn::default_task_size(s.task) : whole("size", f[1], 1, 4096);
  s.model = attn::task_config(s.task, n);
  s.model.d_model = whole("d_model", f[2], 1, attn::kMaxDModel);
  s.model.heads = whole("heads", f[3], 1, attn::kMaxHeads);
  s.model.layers = whole("layers", f[4], 1, 2);
  s.model.tie = choice("tie", f[5], {false, true});
  s.model.projections = choice("projections", f[6], {attn::Projections::learned, attn::Projections::none});
  if (f[7] != -1) s.model.causal = choice("mask", f[7], {false, true});
  s.model.scale_mode =
      choice("scale", f[8], {attn::ScaleMode::one, attn::ScaleMode::inv_sqrt, attn::ScaleMode::custom});
  s.model.scale = f[9];
  s.model.alpha = f[10];
  s.model.init = choice("init", f[11], {attn::Init::small, attn::Init::unit});
  s.optimizer = choice("optimizer", f[12], {attn::OptimizerKind::sgd, attn::OptimizerKind::adam});
  s.learning_rate = f[13];
  s.batch = whole("batch", f[14], 1, attn::kMaxBatch);
  s.seed = static_cast<std::uint64_t>(whole("seed", f[15], 0, 9007199254740992.0));
  s.eval_batches = whole("eval_batches", f[16], 1, 64);
  s.eval_size = whole("eval_size", f[17], 1, attn::kMaxBatch);
  return s;
}

Trainer& trainer(int handle) {
  if (handle < 1 || handle > static_cast<int>(g_trainers.size()) || !g_trainers[static_cast<size_t>(handle - 1)])
    throw attn::invalid_argument("trainer", attn::detail::cat("handle ", handle, " is not a live trainer (freed?)"));
  return *g_trainers[static_cast<size_t>(handle - 1)];
}

}  // namespace

extern "C" {

// A new trainer from the settings above; its handle (>= 1) goes to *handle.
int attn_trainer_new(const double* settings, int count, int* handle) {
  return attn_wasm::guarded([&] {
    auto t = std::make_unique<Trainer>(settings_of(settings, count));
    for (size_t i = 0; i < g_trainers.size(); ++i)
      if (!g_trainers[i]) {
        g_trainers[i] = std::move(t);
        *handle = static_cast<int>(i + 1);
        return;
      }
    g_trainers.push_back(std::move(t));
    *handle = static_cast<int>(g_trainers.size());
  });
}

int attn_trainer_free(int handle) {
  return attn_wasm::guarded([&] {
    trainer(handle);
    g_trainers[static_cast<size_t>(handle - 1)].reset();
  });
}

// The model's sizes: T, V, C, D, H, d, L, tensors, parameters, then steps so far.
int attn_trainer_info(int handle, double* out) {
  return attn_wasm::guarded([&] {
    const Trainer& t = trainer(handle);
    const attn::ModelConfig& c = t.settings().model;
    const double v[] = {double(c.seq_len),
                        double(c.vocab),
                        double(c.classes),
                        double(c.d_model),
                        double(c.heads),
                        double(c.d_head()),
                        double(c.layers),
                        double(t.params().tensors().size()),
                        double(t.params().count()),
                        double(t.steps())};
    for (double x : v) *out++ = x;
  });
}

// `steps` training steps; each step's batch loss and accuracy (before its update) into loss[k],
// accuracy[k]. Stops at the first error (a diverged run): the steps before it are kept, and
// *done says how many ran.
int attn_trainer_step(int handle, int steps, double* loss, double* accuracy, int* done) {
  *done = 0;
  return attn_wasm::guarded([&] {
    Trainer& t = trainer(handle);
    for (int k = 0; k < steps; ++k) {
      const attn::Evaluation e = t.step();
      loss[k] = e.loss;
      accuracy[k] = e.accuracy;
      *done = k + 1;
    }
  });
}

// Held-out loss and accuracy: out[0], out[1].
int attn_trainer_evaluate(int handle, double* out) {
  return attn_wasm::guarded([&] {
    const attn::Evaluation e = trainer(handle).evaluate();
    out[0] = e.loss;
    out[1] = e.accuracy;
  });
}

// Each tensor's gradient norm from the last step, in tensor order (capacity: info's tensors).
int attn_trainer_gradient_norms(int handle, double* out, int capacity) {
  return attn_wasm::guarded([&] {
    const std::vector<double> n = trainer(handle).gradient_norms();
    if (static_cast<int>(n.size()) > capacity)
      throw attn::invalid_argument("gradient_norms", "buffer too small (internal binding error)");
    for (double x : n) *out++ = x;
  });
}

// Tensor i's name (NUL-terminated, at most `capacity` bytes with the NUL), rows and cols.
int attn_trainer_tensor_info(int handle, int i, char* name, int capacity, int* shape) {
  return attn_wasm::guarded([&] {
    const auto ts = trainer(handle).params().tensors();
    if (i < 0 || i >= static_cast<int>(ts.size()))
      throw attn::invalid_argument("tensor", attn::detail::cat("is ", i, "; expected 0 <= tensor < ", ts.size()));
    const std::string& n = ts[static_cast<size_t>(i)].name;
    if (static_cast<int>(n.size()) >= capacity)
      throw attn::invalid_argument("tensor", "name buffer too small (internal binding error)");
    for (char ch : n) *name++ = ch;
    *name = '\0';
    shape[0] = static_cast<int>(ts[static_cast<size_t>(i)].tensor->rows());
    shape[1] = static_cast<int>(ts[static_cast<size_t>(i)].tensor->cols());
  });
}

// Tensor i's numbers, row-major (capacity: rows · cols from tensor_info).
int attn_trainer_tensor(int handle, int i, float* out, int capacity) {
  return attn_wasm::guarded([&] {
    const auto ts = trainer(handle).params().tensors();
    if (i < 0 || i >= static_cast<int>(ts.size()))
      throw attn::invalid_argument("tensor", attn::detail::cat("is ", i, "; expected 0 <= tensor < ", ts.size()));
    const attn::Mat<float>& m = *ts[static_cast<size_t>(i)].tensor;
    if (m.size() > capacity) throw attn::invalid_argument("tensor", "buffer too small (internal binding error)");
    for (Index r = 0; r < m.rows(); ++r)
      for (Index c = 0; c < m.cols(); ++c) *out++ = m(r, c);
  });
}

// One head's attention on sample sequence `index`: weights (T·T), tokens, targets and answer_at
// (T each, −1 where unscored), |q_i|, |k_i| (T each), and the head's queries and keys (T·d each).
int attn_trainer_sample(int handle, int layer, int head, int index, float* weights, int* tokens, int* targets,
                        int* answer_at, float* query_norms, float* key_norms, float* queries, float* keys) {
  return attn_wasm::guarded([&] {
    if (index < 0) throw attn::invalid_argument("sample", attn::detail::cat("is ", index, "; expected >= 0"));
    const attn::AttentionSample<float> s = trainer(handle).sample(layer, head, static_cast<std::uint64_t>(index));
    for (Index r = 0; r < s.weights.rows(); ++r)
      for (Index c = 0; c < s.weights.cols(); ++c) *weights++ = s.weights(r, c);
    for (size_t t = 0; t < s.tokens.size(); ++t) {
      tokens[t] = s.tokens[t];
      targets[t] = s.targets[t];
      answer_at[t] = s.answer_at[t];
      query_norms[t] = s.query_norms[t];
      key_norms[t] = s.key_norms[t];
    }
    for (Index i = 0; i < s.queries.size(); ++i) queries[i] = s.queries.data()[i];
    for (Index i = 0; i < s.keys.size(); ++i) keys[i] = s.keys.data()[i];
  });
}

}  // extern "C"
