// The CLI's "train" and "grad" modes: JSON in, JSON out, over attn/trainer.hpp (double).
#include "cli/train.hpp"

#include <string>
#include <vector>

#include "attn/trainer.hpp"
#include "cli/fields.hpp"

namespace attn::cli {
namespace {

// The fields both modes read to make a model (docs/cli.md).
const std::set<std::string> kModelFields = {"task",        "size", "layers", "heads", "d_model", "tie",
                                            "projections", "mask", "scale",  "alpha", "init"};

std::set<std::string> with_model(std::set<std::string> more) {
  more.insert(kModelFields.begin(), kModelFields.end());
  return more;
}

// One of `names` (the first is the default), or an error listing them.
std::string choice(const Fields& f, const char* field, std::initializer_list<const char*> names) {
  const std::string v = f.text(field, *names.begin());
  for (const char* n : names)
    if (v == n) return v;
  std::string list;
  for (const char* n : names) list += (list.empty() ? "" : ", ") + detail::quoted(n);
  throw invalid_argument(field, detail::cat("is ", detail::quoted(v), "; expected one of ", list));
}

// The task's config at its size, with the model fields applied. Every field has a default
// that makes the task learnable untied (docs/experiments.md).
ModelConfig model_of(const Fields& f, Task& task) {
  if (!f.has("task"))
    throw invalid_argument("task", "is missing; expected \"lookup\", \"previous\", \"cycle\" or \"induction\"");
  task = parse_task(f.text("task", ""));
  ModelConfig c = task_config(task, f.integer("size", default_task_size(task)));
  c.d_model = f.integer("d_model", c.d_model);
  c.heads = f.integer("heads", c.heads);
  c.layers = f.integer("layers", c.layers);
  c.tie = f.boolean("tie", false);
  c.projections = choice(f, "projections", {"learned", "none"}) == "none" ? Projections::none : Projections::learned;
  if (f.has("mask")) c.causal = choice(f, "mask", {"causal", "none"}) == "causal";
  if (f.has("scale") && f.at("scale").is_number()) {
    c.scale_mode = ScaleMode::custom;
    c.scale = f.number("scale", 1);
  } else {
    choice(f, "scale", {"1/sqrt(d)"});
    c.scale_mode = ScaleMode::inv_sqrt;
  }
  c.alpha = f.number("alpha", 1);
  c.init = choice(f, "init", {"small", "unit"}) == "unit" ? Init::unit : Init::small;
  c.validate();
  return c;
}

json params_json(const Params<double>& p) {
  json out = json::object();
  for (const auto& t : p.tensors()) out[t.name] = rows(*t.tensor);
  return out;
}

// params: {name: [[..], ..]} with exactly the config's tensors and shapes.
Params<double> params_of(const Fields& f, const ModelConfig& c) {
  Params<double> p = zero_params<double>(c);
  const json& v = f.at("params");
  if (!v.is_object())
    throw invalid_argument("params", detail::cat("is ", quote(v), "; expected an object {tensor name: [[..], ..]}"));
  std::set<std::string> names;
  for (const auto& t : p.tensors()) names.insert(t.name);
  const Fields tensors(v, "params", names);  // an unknown name is an error naming it
  for (auto& t : p.tensors()) {
    if (!tensors.has(t.name.c_str()))
      throw invalid_argument(t.name, detail::cat("is missing from params; this model has ", names.size(), " tensors"));
    const Mat<double> m = tensors.matrix(t.name.c_str());
    if (m.rows() != t.tensor->rows() || m.cols() != t.tensor->cols())
      throw invalid_argument(t.name, detail::cat("is ", m.rows(), " x ", m.cols(), "; expected ", t.tensor->rows(),
                                                 " x ", t.tensor->cols(), " for this model"));
    if (!m.allFinite()) throw invalid_argument(t.name, "has a non-finite number; expected finite numbers");
    *t.tensor = m;
  }
  return p;
}

// Token ids, targets and the scored mask as whole numbers (rows() writes doubles).
json id_rows(const Mat<std::int32_t>& m) {
  json out = json::array();
  for (Index i = 0; i < m.rows(); ++i) {
    json row = json::array();
    for (Index j = 0; j < m.cols(); ++j) row.push_back(m(i, j));
    out.push_back(row);
  }
  return out;
}

constexpr Index kMaxSteps = 1000000;

}  // namespace

json solve_train(const json& problem) {
  const Fields f(problem, "train",
                 with_model({"optimizer", "lr", "batch", "steps", "seed", "eval_every", "eval_batches", "eval_size"}));
  TrainSettings s;
  s.model = model_of(f, s.task);
  s.optimizer = choice(f, "optimizer", {"adam", "sgd"}) == "sgd" ? OptimizerKind::sgd : OptimizerKind::adam;
  s.learning_rate = f.number("lr", s.learning_rate);
  s.batch = f.integer("batch", s.batch);
  s.seed = seed_of(f);
  s.eval_batches = f.integer("eval_batches", s.eval_batches);
  s.eval_size = f.integer("eval_size", s.eval_size);
  // docs/experiments.md's step counts: each task reaches ≥ 95 % with them untied.
  const Index fallback = s.task == Task::cycle       ? 4000
                         : s.task == Task::induction ? 2000
                         : s.task == Task::lookup    ? 1500
                                                     : 1000;
  const Index steps = f.integer("steps", fallback);
  if (steps < 0 || steps > kMaxSteps)
    throw invalid_argument("steps", detail::cat("is ", steps, "; expected 0 <= steps <= ", kMaxSteps));
  const Index every = f.integer("eval_every", 100);
  if (every < 1) throw invalid_argument("eval_every", detail::cat("is ", every, "; expected a whole number >= 1"));
  check_result_size("steps", double(steps / every + 2) * 3, "curve points");
  Trainer<double> trainer(s);
  check_result_size("d_model", trainer.params().count(), "parameters");
  json step = json::array(), loss = json::array(), accuracy = json::array();
  auto evaluate = [&] {
    const Evaluation e = trainer.evaluate();
    step.push_back(trainer.steps());
    loss.push_back(e.loss);
    accuracy.push_back(e.accuracy);
  };
  evaluate();
  for (Index k = 1; k <= steps; ++k) {
    trainer.step();
    if (k % every == 0 || k == steps) evaluate();
  }
  return {{"mode", "train"}, {"task", task_name(s.task)}, {"step", step},
          {"loss", loss},    {"accuracy", accuracy},      {"params", params_json(trainer.params())}};
}

json solve_grad(const json& problem) {
  const Fields f(problem, "grad", with_model({"params", "batch", "seed"}));
  Task task;
  const ModelConfig c = model_of(f, task);
  const Params<double> p = params_of(f, c);
  const Batch b = make_batch(task, c, f.integer("batch", 32), seed_of(f));
  const ForwardResult<double> r = forward<double>(c, p, b);
  Params<double> g = zero_params<double>(c);
  backward<double>(c, p, b, r, g);
  // The batch too, so the loss can be rebuilt elsewhere (tests/python/test_train_torch.py does).
  return {{"mode", "grad"},
          {"loss", r.loss},
          {"accuracy", r.accuracy},
          {"grads", params_json(g)},
          {"tokens", id_rows(b.tokens)},
          {"targets", id_rows(b.targets)},
          {"scored", id_rows(b.scored)}};
}

}  // namespace attn::cli
