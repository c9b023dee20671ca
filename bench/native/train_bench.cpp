// Training steps per second of attn::Trainer<T> (src/attn/trainer.hpp) at the page's
// defaults (web/train.html: task "cycle", n = 16, so V = T = C = 16; d_model 16, 1 head,
// d_head 16, scale 1/√d, softmax, no mask; Adam lr 0.005; batch 32), and where one step's
// time goes (make_batch, forward, zero + backward, Adam).
//
// One source, two builds, so the split can be compared like for like:
//   native  build/bench/bench/train_bench            (cmake --preset bench; -O3 -march=native)
//   WASM    build/wasm-bench/train_bench.js           (em++ with the core's own flags, see
//           bench/run.sh; run with node)
// bench/node/train.mjs runs both and puts them next to core.trainer() and TensorFlow.js.
//
//   train_bench [--reps 7] [--steps 200] [--warm 20]
// prints one JSON object. Each repetition starts a fresh run (seed 1), takes `warm` steps,
// then times `steps` steps: Adam's bias correction costs O(t) per step (β^t by repeated
// products), so every measurement covers the same steps of a run. Benchmark, not a test.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <cmath>
#include <optional>

#include "attn/entmax.hpp"
#include "attn/train.hpp"
#include "attn/trainer.hpp"

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

attn::TrainSettings page_defaults() {
  attn::TrainSettings s;
  s.task = attn::Task::cycle;
  s.model = attn::task_config(attn::Task::cycle, attn::default_task_size(attn::Task::cycle));
  return s;  // Adam, lr 0.005, batch 32, seed 1: TrainSettings' defaults
}

volatile double g_sink = 0;  // keeps the losses alive

// Trainer<T>::step() as the page calls it (through the binding): steps per second.
template <typename T>
std::vector<double> trainer_steps_per_second(int reps, int steps, int warm, double& first_loss, double& last_loss) {
  std::vector<double> out;
  for (int r = 0; r < reps; ++r) {
    attn::Trainer<T> t(page_defaults());
    double loss = 0;
    for (int k = 0; k < warm; ++k) {
      loss = t.step().loss;
      if (r == 0 && k == 0) first_loss = loss;
    }
    const auto t0 = Clock::now();
    for (int k = 0; k < steps; ++k) loss += t.step().loss;
    out.push_back(steps / seconds_since(t0));
    last_loss = t.evaluate().loss;
    g_sink = g_sink + loss;
  }
  return out;
}

// The same steps taken apart (what Trainer::step and train_step do, in order), timed per phase.
struct Split {
  std::vector<double> batch, forward, backward, adam, total;  // seconds per step, per repetition
};

template <typename T>
Split split(int reps, int steps, int warm) {
  Split s;
  const attn::TrainSettings st = page_defaults();
  for (int r = 0; r < reps; ++r) {
    attn::Params<T> params = attn::init_params<T>(st.model, st.seed);
    attn::Params<T> grads = attn::zero_params<T>(st.model);
    attn::Optimizer<T> opt;
    opt.kind = st.optimizer;
    opt.learning_rate = st.learning_rate;
    double tb = 0, tf = 0, tbw = 0, ta = 0;
    for (int k = 0; k < warm + steps; ++k) {
      const auto t0 = Clock::now();
      const attn::Batch b = attn::make_batch(st.task, st.model, st.batch, attn::train_batch_seed(st.seed, k));
      const auto t1 = Clock::now();
      const attn::ForwardResult<T> fw = attn::forward<T>(st.model, params, b);
      const auto t2 = Clock::now();
      grads.set_zero();
      attn::backward<T>(st.model, params, b, fw, grads);
      const auto t3 = Clock::now();
      opt.step(params, grads);
      const auto t4 = Clock::now();
      g_sink = g_sink + fw.loss;
      if (k < warm) continue;
      using D = std::chrono::duration<double>;
      tb += D(t1 - t0).count();
      tf += D(t2 - t1).count();
      tbw += D(t3 - t2).count();
      ta += D(t4 - t3).count();
    }
    s.batch.push_back(tb / steps);
    s.forward.push_back(tf / steps);
    s.backward.push_back(tbw / steps);
    s.adam.push_back(ta / steps);
    s.total.push_back((tb + tf + tbw + ta) / steps);
  }
  return s;
}

// Inside forward: three pieces of one step's forward at these sizes (B·T = 512 rows, T = D = d = C = 16),
// rebuilt here from the same calls and loops, each timed alone (ms per step, median over
// repetitions of `steps` iterations). Not the step itself: an estimate of where forward goes.
//   softmax_rows  512 × attn::entmax_into<T>(row, α = 1) (softmax_into: exp per entry in T, plus
//                 the statistics it always computes: entropy, log, exp)
//   ce_exp        the cross-entropy's loops (crossentropy_forward): per row max, Σ exp in double,
//                 log, then exp in double again for probs: 2 · 512 · 16 double exp + 512 log
//   matmuls       the forward's Eigen products: Q, K, V = X Wᵀ; per sequence S = c Q Kᵀ, O = A V;
//                 X + O W_Oᵀ; Z = H Uᵀ
struct Pieces {
  std::vector<double> softmax_rows, ce_exp, matmuls;
};

template <typename T>
Pieces pieces(int reps, int steps) {
  using M = attn::Mat<T>;
  const attn::Index R = 512, S = 16, Dm = 16;
  std::uint32_t st = 7;
  auto uni = [&st]() {
    st ^= st << 13;
    st ^= st >> 17;
    st ^= st << 5;
    return static_cast<T>((st >> 8) * (1.0 / 16777216.0) * 2.0 - 1.0);
  };
  M x(R, Dm), wq(Dm, Dm), wk(Dm, Dm), wv(Dm, Dm), wo(Dm, Dm), u(S, Dm), logits(R, S), probs(R, S);
  for (M* m : {&x, &wq, &wk, &wv, &wo, &u, &logits})
    for (attn::Index i = 0; i < m->size(); ++i) m->data()[i] = uni();
  M q(R, Dm), k(R, Dm), v(R, Dm), sc(R, S), o(R, Dm), h(R, Dm), z(R, S);
  attn::Vec<T> zr(S), wr(S);
  Pieces p;
  for (int r = 0; r < reps; ++r) {
    auto t0 = Clock::now();
    for (int it = 0; it < steps; ++it)
      for (attn::Index row = 0; row < R; ++row) {
        zr = logits.row(row).transpose();
        attn::entmax_into<T>(zr, 1.0, std::nullopt, wr);
        g_sink = g_sink + static_cast<double>(wr(0));
      }
    p.softmax_rows.push_back(1e3 * seconds_since(t0) / steps);

    t0 = Clock::now();
    for (int it = 0; it < steps; ++it) {
      double total = 0;
      for (attn::Index row = 0; row < R; ++row) {
        const T m = logits.row(row).maxCoeff();
        double sum = 0;
        for (attn::Index j = 0; j < S; ++j) sum += std::exp(static_cast<double>(logits(row, j) - m));
        const double lse = static_cast<double>(m) + std::log(sum);
        for (attn::Index j = 0; j < S; ++j)
          probs(row, j) = static_cast<T>(std::exp(static_cast<double>(logits(row, j)) - lse));
        total += lse;
      }
      g_sink = g_sink + total + static_cast<double>(probs(0, 0));
    }
    p.ce_exp.push_back(1e3 * seconds_since(t0) / steps);

    t0 = Clock::now();
    const T c = static_cast<T>(0.25);
    for (int it = 0; it < steps; ++it) {
      q.noalias() = x * wq.transpose();
      k.noalias() = x * wk.transpose();
      v.noalias() = x * wv.transpose();
      for (attn::Index b = 0; b < R / S; ++b) {
        const auto rows = Eigen::seqN(b * S, S);
        sc(rows, Eigen::all).noalias() = c * (q(rows, Eigen::all) * k(rows, Eigen::all).transpose());
        o(rows, Eigen::all).noalias() = sc(rows, Eigen::all) * v(rows, Eigen::all);
      }
      h = x;
      h.noalias() += o * wo.transpose();
      z.noalias() = h * u.transpose();
      g_sink = g_sink + static_cast<double>(z(0, 0));
    }
    p.matmuls.push_back(1e3 * seconds_since(t0) / steps);
  }
  return p;
}

void print_list(const char* name, const std::vector<double>& v, bool last = false) {
  std::printf("    \"%s\": [", name);
  for (size_t i = 0; i < v.size(); ++i) std::printf("%s%.9g", i ? ", " : "", v[i]);
  std::printf("]%s\n", last ? "" : ",");
}

template <typename T>
void report(const char* type, int reps, int steps, int warm, bool last) {
  double first = 0, final_loss = 0;
  const std::vector<double> sps = trainer_steps_per_second<T>(reps, steps, warm, first, final_loss);
  const Split s = split<T>(reps, steps, warm);
  std::printf("  \"%s\": {\n", type);
  std::printf("    \"steps_per_second\": %.9g,\n", median(sps));
  print_list("steps_per_second_reps", sps);
  std::printf("    \"first_loss\": %.9g, \"eval_loss_after\": %.9g,\n", first, final_loss);
  std::printf(
      "    \"split_ms\": {\"make_batch\": %.9g, \"forward\": %.9g, \"backward\": %.9g, \"adam\": %.9g, \"total\": "
      "%.9g}\n",
      1e3 * median(s.batch), 1e3 * median(s.forward), 1e3 * median(s.backward), 1e3 * median(s.adam),
      1e3 * median(s.total));
  const Pieces pc = pieces<T>(reps, steps);
  std::printf("    ,\"forward_pieces_ms\": {\"softmax_rows\": %.9g, \"ce_exp\": %.9g, \"matmuls\": %.9g}\n",
              median(pc.softmax_rows), median(pc.ce_exp), median(pc.matmuls));
  std::printf("  }%s\n", last ? "" : ",");
}

int arg(int argc, char** argv, const char* name, int dflt) {
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], name) == 0) return std::atoi(argv[i + 1]);
  return dflt;
}

}  // namespace

int main(int argc, char** argv) {
  const int reps = arg(argc, argv, "--reps", 7), steps = arg(argc, argv, "--steps", 200),
            warm = arg(argc, argv, "--warm", 20);
#ifdef __EMSCRIPTEN__
  const char* build = "wasm";
#else
  const char* build = "native";
#endif
  std::printf("{\n  \"build\": \"%s\", \"reps\": %d, \"steps\": %d, \"warm\": %d,\n", build, reps, steps, warm);
  report<float>("float", reps, steps, warm, false);
  report<double>("double", reps, steps, warm, true);
  std::printf("}\n");
  return 0;
}
