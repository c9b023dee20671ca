// attn/trainer.hpp: the shared training loop is exactly make_batch + train_step with the
// documented seeds, evaluation is exactly forward over the held-out batches, samples are
// what forward computes, and errors name the field.
#include <cmath>
#include <functional>
#include <string>

#include <catch2/catch.hpp>

#include "attn/errors.hpp"
#include "attn/trainer.hpp"

using attn::Index;
using attn::Params;
using attn::Task;
using attn::Trainer;
using attn::TrainSettings;

namespace {

TrainSettings settings(Task task, bool tie = false) {
  TrainSettings s;
  s.task = task;
  s.model = attn::task_config(task, attn::default_task_size(task));
  s.model.tie = tie;
  return s;
}

template <typename T>
double max_diff(const Params<T>& a, const Params<T>& b) {
  double m = 0;
  const auto ta = a.tensors(), tb = b.tensors();
  REQUIRE(ta.size() == tb.size());
  for (size_t i = 0; i < ta.size(); ++i)
    m = std::max(m, static_cast<double>((*ta[i].tensor - *tb[i].tensor).cwiseAbs().maxCoeff()));
  return m;
}

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const attn::invalid_argument& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("trainer: steps are make_batch + train_step with the documented seeds", "[trainer]") {
  for (Task task : {Task::lookup, Task::previous, Task::cycle, Task::induction}) {
    const TrainSettings s = settings(task);
    Trainer<double> trainer(s);
    Params<double> p = attn::init_params<double>(s.model, s.seed);
    Params<double> g = attn::zero_params<double>(s.model);
    attn::Optimizer<double> opt;
    CHECK(max_diff(trainer.params(), p) == 0);
    for (long long k = 0; k < 5; ++k) {
      const attn::Evaluation e = trainer.step();
      const attn::ForwardResult<double> r = attn::train_step<double>(
          s.model, p, g, opt, attn::make_batch(task, s.model, s.batch, 1000003ull * s.seed + k));
      CHECK(e.loss == r.loss);
      CHECK(e.accuracy == r.accuracy);
    }
    CHECK(trainer.steps() == 5);
    CHECK(max_diff(trainer.params(), p) == 0);
    const std::vector<double> norms = trainer.gradient_norms();
    const auto gt = g.tensors();
    REQUIRE(norms.size() == gt.size());
    for (size_t i = 0; i < norms.size(); ++i) CHECK(norms[i] == gt[i].tensor->norm());
  }
}

TEST_CASE("trainer: evaluate is the scored-weighted mean over the held-out batches", "[trainer]") {
  TrainSettings s = settings(Task::previous);
  s.eval_batches = 3;
  s.eval_size = 16;
  Trainer<double> trainer(s);
  trainer.step();
  double loss = 0, right = 0, n = 0;
  for (Index j = 0; j < 3; ++j) {
    const auto r = attn::forward<double>(s.model, trainer.params(),
                                         attn::make_batch(s.task, s.model, 16, 777000000ull + 10 * s.seed + j));
    loss += r.loss * r.scored;
    right += r.accuracy * r.scored;
    n += r.scored;
  }
  const attn::Evaluation e = trainer.evaluate();
  CHECK(e.loss == Approx(loss / n).epsilon(1e-15));
  CHECK(e.accuracy == Approx(right / n).epsilon(1e-15));
}

TEST_CASE("trainer: the same seed gives the same run, another seed another", "[trainer]") {
  TrainSettings s = settings(Task::cycle);
  Trainer<float> a(s), b(s);
  s.seed = 2;
  Trainer<float> c(s);
  for (int k = 0; k < 4; ++k) {
    const auto ea = a.step(), eb = b.step(), ec = c.step();
    CHECK(ea.loss == eb.loss);
    CHECK(ea.loss != ec.loss);
  }
  CHECK(max_diff(a.params(), b.params()) == 0);
}

TEST_CASE("trainer: a sample is forward's weights for one sequence, with its norms", "[trainer]") {
  TrainSettings s = settings(Task::previous);
  s.model.heads = 2;
  s.model.layers = 2;
  Trainer<double> trainer(s);
  for (int k = 0; k < 3; ++k) trainer.step();
  const auto sample = trainer.sample(1, 1, 4);
  const auto b = attn::make_batch(s.task, s.model, 1, 555000000ull + 10 * s.seed + 4);
  const auto r = attn::forward<double>(s.model, trainer.params(), b);
  const auto& h = r.layers[1].heads[1];
  CHECK((sample.weights - h.weights).cwiseAbs().maxCoeff() == 0);
  CHECK((sample.queries - h.q).cwiseAbs().maxCoeff() == 0);
  CHECK((sample.keys - h.k).cwiseAbs().maxCoeff() == 0);
  const Index T = s.model.seq_len;
  REQUIRE(sample.tokens.size() == static_cast<size_t>(T));
  for (Index t = 0; t < T; ++t) {
    CHECK(sample.tokens[t] == b.tokens(0, t));
    CHECK(sample.targets[t] == (t == 0 ? -1 : b.tokens(0, t - 1)));  // previous: the token before
    CHECK(sample.answer_at[t] == (t == 0 ? -1 : t - 1));
    CHECK(sample.query_norms[t] == h.q.row(t).norm());
    CHECK(sample.key_norms[t] == h.k.row(t).norm());
    CHECK(sample.weights.row(t).sum() == Approx(1).epsilon(1e-12));
    for (Index j = t + 1; j < T; ++j) CHECK(sample.weights(t, j) == 0);  // causal
  }
  CHECK_THAT(message_of([&] { trainer.sample(2, 0, 0); }), Catch::Contains("layer: is 2"));
  CHECK_THAT(message_of([&] { trainer.sample(0, 2, 0); }), Catch::Contains("head: is 2"));
}

TEST_CASE("trainer: a sample's answer_at is where each task's answer stands", "[trainer]") {
  for (Task task : {Task::lookup, Task::cycle, Task::induction}) {
    const TrainSettings s = settings(task);
    const Trainer<double> trainer(s);
    for (std::uint64_t index = 0; index < 5; ++index) {
      const auto sample = trainer.sample(0, 0, index);
      const Index T = s.model.seq_len;
      int answered = 0;
      for (Index t = 0; t < T; ++t) {
        const std::int32_t j = sample.answer_at[t];
        if (sample.targets[t] < 0) {
          CHECK(j == -1);
          continue;
        }
        REQUIRE(j >= 0);
        REQUIRE(j < T);
        ++answered;
        const Index n = T - 1;
        if (task == Task::lookup) CHECK(sample.tokens[j] % n == sample.targets[t]);      // the pair's value
        if (task == Task::cycle) CHECK(sample.tokens[j] == (sample.tokens[t] + 1) % T);  // the successor
        if (task == Task::induction) CHECK(sample.tokens[j] == sample.targets[t]);       // B after the earlier A
      }
      CHECK(answered >= 1);
    }
  }
}

TEST_CASE("trainer: set_params checks shapes and keeps training from them", "[trainer]") {
  const TrainSettings s = settings(Task::lookup);
  Trainer<double> a(s);
  TrainSettings other = s;
  other.seed = 9;
  Trainer<double> b(other);
  b.set_params(a.params());
  CHECK(max_diff(a.params(), b.params()) == 0);
  TrainSettings wider = s;
  wider.model.d_model = 8;
  const Trainer<double> c(wider);
  CHECK_THAT(message_of([&] { a.set_params(c.params()); }), Catch::Contains("token_embedding"));
}

TEST_CASE("trainer: bad settings name the field before any work", "[trainer]") {
  TrainSettings s = settings(Task::previous);
  s.learning_rate = -1;
  CHECK_THAT(message_of([&] { Trainer<float> t(s); }), Catch::StartsWith("learning_rate: is -1"));
  s = settings(Task::previous);
  s.batch = 0;
  CHECK_THAT(message_of([&] { Trainer<float> t(s); }), Catch::StartsWith("batch: is 0"));
  s = settings(Task::previous);
  s.eval_batches = 1000;
  CHECK_THAT(message_of([&] { Trainer<float> t(s); }), Catch::StartsWith("eval_batches: is 1000"));
  s = settings(Task::cycle);
  s.model.seq_len = 8;  // cycle needs V = T = C
  CHECK_THAT(message_of([&] { Trainer<float> t(s); }), Catch::Contains("seq_len"));
  s = settings(Task::previous);
  s.batch = 4096;
  s.model.d_model = 512;
  CHECK_THAT(message_of([&] { Trainer<float> t(s); }), Catch::StartsWith("batch:"));
}

TEST_CASE("trainer: with the defaults, previous is learned in a few hundred steps", "[trainer]") {
  Trainer<float> trainer(settings(Task::previous));
  const double before = trainer.evaluate().accuracy;
  for (int k = 0; k < 400; ++k) trainer.step();
  const attn::Evaluation after = trainer.evaluate();
  CHECK(before < 0.2);
  CHECK(after.accuracy >= 0.95);
}
