// A small attention model, its exact gradients, two optimizers and the tasks it learns.
// Every layer is a *_forward / *_backward pair (llm.c); the backward accumulates (+=).
//
// Shapes, named once:  B batch, T seq_len, V vocab, C classes, D d_model, H heads,
//                      d d_head (D / H, or D without projections), L layers (1 or 2).
// Tokens are rows; a batch stacks its B sequences, so row b·T + t is position t of sequence b.
//
// The model, for one sequence x_0 … x_{T−1} with targets y_t on the scored positions:
//   H⁰ = E[x] + P                                   E: (V, D) token, P: (T, D) position embedding
//   layer l (0 … L−1), head h (0 … H−1):
//     Q = Hˡ W_Qᵀ,  K = Hˡ W_Kᵀ,  Vh = Hˡ W_Vᵀ       W_Q, W_K, W_V: (d, D);  Q, K, Vh: (T, d)
//     S = c · Q Kᵀ                                   (T, T); c = 1, 1/√d or a custom number
//     A_i = α-entmax(S_i over j ≤ i if causal,      (T, T); masked entries are exactly 0;
//                    over every j otherwise)         α = 1 softmax, 1 < α < 2 entmax, 2 sparsemax
//     O_h = A Vh                                     (T, d)
//   Hˡ⁺¹ = Hˡ + [O_0 … O_{H−1}] W_Oᵀ                 W_O: (D, H·d); the residual keeps Hˡ
//   Z = Hᴸ Uᵀ                                        U: (C, D); Z: (T, C) logits
//   loss = (1/N) Σ over the N scored (b, t) of −log softmax(Z_bt)[y_bt]   (mean cross-entropy)
//   accuracy = the share of scored (b, t) with argmax_c Z_bt,c = y_bt (the first maximum on ties)
// Options: tie makes W_K ≡ W_Q (one tensor, so S is a Gram matrix: c · uᵢ·uⱼ with u = W_Q h);
// projections none makes W_Q = W_K = W_V = I, so d = D and every head computes the same O
// (they still reach the output through their own columns of W_O). No layer norm, no MLP.
//
// The tasks, generated from a seed (make_batch). n is the task's size (task_config):
//   lookup     the seed's "vector database". n keys, n values; vocabulary V = n² + n:
//              token k·n + v (0 ≤ k, v < n) is the pair "key k → value v", token n² + k is
//              the query "key k?". T = n + 1: positions 0 … n−1 hold the n keys once each in a
//              random order (a uniform permutation), each with a value drawn uniformly from
//              0 … n−1 (values may repeat); position n holds a query for a uniformly drawn key.
//              Only position n is scored; its target is that key's value v, as class v of the
//              C = V classes (classes n … V−1 are never targets). One layer solves it.
//   previous   V tokens (n by default), T positions (n by default), every token uniform and
//              independent. Positions 1 … T−1 are scored; the target of t is x_{t−1}, as class
//              x_{t−1} of C = V. Meant with the causal mask.
//   cycle      V = T = n tokens: the sequence is a uniform random permutation of 0 … n−1.
//              Every position is scored; the target of t is the position j holding
//              x_j = (x_t + 1) mod n, the successor of t's token: C = T classes (positions).
//              Every position is a query and a key, and the targets form one cycle over the
//              positions. Meant without a mask (the successor may stand anywhere).
//   induction  V tokens, T positions (3 ≤ T ≤ V + 1; V = T = n by default): x_0 … x_{T−2} are
//              T − 1 distinct tokens drawn uniformly without replacement, p is uniform in
//              0 … T−3 and x_{T−1} = x_p ("A B … A"). Only position T−1 is scored; its target
//              is x_{p+1} ("→ B"), as a class of C = V. Causal. It needs two layers (one
//              to copy each token's predecessor into its position, one to match A and read
//              off B); one layer is allowed and learns little beyond chance.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "attn/types.hpp"

namespace attn {

enum class Task { lookup, previous, cycle, induction };
enum class Projections { learned, none };
enum class ScaleMode { one, inv_sqrt, custom };  // c = 1, 1/√d_head, or ModelConfig::scale
// The embeddings' init: small N(0, 1/D) gives rows of squared norm ≈ 1, so scores start near 0
// and attention near uniform; unit N(0, 1/2) gives H⁰ entries of variance 1, so q and k have
// unit-variance entries and q·k variance d: the setting of the 1/√d argument.
enum class Init { small, unit };

// "lookup", "previous", "cycle", "induction"; parse_task throws (naming "task") for others.
const char* task_name(Task task);
Task parse_task(const std::string& name);

struct ModelConfig {
  Index vocab = 16;    // V: token ids 0 … V−1
  Index seq_len = 16;  // T
  Index classes = 16;  // C: what U maps to (V tokens, or T positions for cycle)
  Index d_model = 16;  // D
  Index heads = 1;     // H; must divide D with learned projections
  Index layers = 1;    // L: 1 or 2
  bool tie = false;    // W_K ≡ W_Q (learned projections only)
  Projections projections = Projections::learned;
  bool causal = true;  // query t sees keys j ≤ t
  ScaleMode scale_mode = ScaleMode::inv_sqrt;
  double scale = 1.0;  // c when scale_mode is custom: finite and > 0
  double alpha = 1.0;  // 1 softmax, (1, 2) entmax, 2 sparsemax
  Init init = Init::small;

  Index d_head() const;        // D / H, or D without projections
  double score_scale() const;  // c
  // Throws attn::invalid_argument naming the field: vocab, seq_len, classes, d_model, heads,
  // layers, tie, scale, alpha (each within the limits below; d_model also when the parameters
  // with their gradients and Adam's moments pass kMaxTrainNumbers).
  void validate() const;
};

// Limits: small enough that no setting can freeze a page, large enough for anything a
// person trains live. kMaxTrainWork bounds one forward over a batch, in multiply-adds
// (train_work); the backward costs about twice as much. At the bound one training step
// (forward, backward, Adam) measured 0.015-0.08 s natively on the 2-core dev machine (float or
// double; softmax, entmax 1.5, sparsemax; 1 to 16 heads), so a few tenths at most in float
// WebAssembly: a live page, never a frozen one. kMaxTrainNumbers bounds memory the same way:
// the numbers a trainer holds (train_numbers), at most 64 MB in float and 128 MB in double.
constexpr Index kMaxVocab = 4096;  // also classes
constexpr Index kMaxSeqLen = 256;
constexpr Index kMaxDModel = 512;
constexpr Index kMaxHeads = 16;
constexpr Index kMaxBatch = 4096;
constexpr double kMaxTrainWork = double(Index(1) << 26);
constexpr double kMaxTrainNumbers = double(Index(1) << 24);

// One forward over `batch` sequences: B · (L · H · (3·T·D·d + T²·(2d + c)) + L·T·H·d·D + T·D·C)
// multiply-adds (projections, scores and A·V per head, W_O, U), c per attention entry to
// normalise it as attn/matrix.hpp counts (16 for softmax, 256 for entmax, which bisects).
double train_work(const ModelConfig& config, Index batch);

// The scalars in Params: V·D + T·D + C·D + L·(P·H·d·D + D·H·d), P = 3 projections (2 tied, 0 none).
double parameter_count(const ModelConfig& config);
// What training holds: 4 · parameter_count (params, gradients, Adam's m and v) plus forward's
// activations, B·T·(L·D + L·H·(3d + 2T) + L·H·d + D + 2C) (inputs, q, k, v, scores, weights,
// concat, output, logits, probs). validate() checks the first part (naming "d_model"),
// make_batch and forward the whole (naming "batch").
double train_numbers(const ModelConfig& config, Index batch);

// The config of task `task` at size n (n keys for lookup, else V = T = n; see the table at
// the top), with its natural mask (causal, except cycle) and layers (2 for induction); the
// other fields keep their defaults. Throws (naming "n") for n out of range.
ModelConfig task_config(Task task, Index n);

// ---------------------------------------------------------------- parameters

template <typename T>
struct HeadParams {
  Mat<T> w_q, w_k, w_v;  // (d, D) each; w_k empty when tied, all three empty without projections
};

template <typename T>
struct LayerParams {
  std::vector<HeadParams<T>> heads;  // H
  Mat<T> w_o;                        // (D, H·d)
};

// A tensor of Params with its name. Names: token_embedding, position_embedding,
// layer0.head0.W_Q, layer0.head0.W_K, layer0.head0.W_V, …, layer0.W_O, …, unembedding.
template <typename M>
struct NamedTensor {
  std::string name;
  M* tensor;
};

// Every tensor of the model (llm.c's ParameterTensors). Gradients and Adam's moments are
// Params too, so init, zeroing, optimizer steps and export are loops over tensors().
template <typename T>
struct Params {
  Mat<T> token_embedding;              // E (V, D)
  Mat<T> position_embedding;           // P (T, D)
  std::vector<LayerParams<T>> layers;  // L
  Mat<T> unembedding;                  // U (C, D)

  // The tensors the config uses (the empty W_K of a tied model and the empty projections
  // of a model without them are skipped), always in the order of the names above.
  std::vector<NamedTensor<Mat<T>>> tensors();
  std::vector<NamedTensor<const Mat<T>>> tensors() const;
  Index count() const;  // scalars over all tensors
  void set_zero();
};

// Zeros of the config's shapes (a gradient buffer). Validates the config.
template <typename T>
Params<T> zero_params(const ModelConfig& config);

// Seeded init with the core's SplitMix64 and Marsaglia normals (attn/layout.hpp), drawn in
// tensors() order, row by row, in double and then rounded to T: bit-identical for a seed in
// every build. E, P ~ N(0, 1/D) (Init::small) or N(0, 1/2) (Init::unit); W_Q, W_K, W_V, U ~ N(0, 1/D)
// (fan-in: a unit-variance input gives unit-variance outputs); W_O ~ N(0, 1/(H·d)).
template <typename T>
Params<T> init_params(const ModelConfig& config, std::uint64_t seed);

// Throws (naming the tensor, e.g. "layer0.head1.W_V") unless params has the config's shapes.
template <typename T>
void check_params(const ModelConfig& config, const Params<T>& params);

// ---------------------------------------------------------------- batches

struct Batch {
  Mat<std::int32_t> tokens;   // (B, T) token ids
  Mat<std::int32_t> targets;  // (B, T) class ids; −1 where not scored
  Mat<std::int32_t> scored;   // (B, T) 1 where the loss scores the position, else 0
  Index size() const { return tokens.rows(); }
};

// `batch` sequences of the task, from the seed alone (same seed, same bits, every build).
// Throws naming the field when the config does not fit the task (vocab, seq_len, classes as
// the table above requires), "batch" outside 1 … kMaxBatch or past kMaxTrainWork or
// kMaxTrainNumbers.
Batch make_batch(Task task, const ModelConfig& config, Index batch, std::uint64_t seed);

// ---------------------------------------------------------------- forward and backward

template <typename T>
struct HeadActivations {
  Mat<T> q, k, v;  // (B·T, d)
  Mat<T> scores;   // (B·T, T): S, row b·T + i against the T keys of sequence b (masked ones too)
  Mat<T> weights;  // (B·T, T): A, exactly 0 where masked
};

template <typename T>
struct LayerActivations {
  Mat<T> input;                           // Hˡ (B·T, D)
  std::vector<HeadActivations<T>> heads;  // H
  Mat<T> concat;                          // [O_0 … O_{H−1}] (B·T, H·d)
};

template <typename T>
struct ForwardResult {
  double loss = 0;                          // mean cross-entropy over the scored positions (summed in double)
  double accuracy = 0;                      // share of scored positions predicted right
  Index scored = 0;                         // N
  std::vector<LayerActivations<T>> layers;  // L: everything backward needs, and what a page plots
  Mat<T> output;                            // Hᴸ (B·T, D)
  Mat<T> logits;                            // Z (B·T, C)
  Mat<T> probs;                             // softmax(Z) (B·T, C), every position
};

// Throws naming the field for a bad config, params (the tensor's name) or batch ("tokens",
// "targets", "scored": ids in range, at least one scored position, T columns; "batch" past
// the work or memory bound), and "params" if training has diverged (a non-finite score or logit).
template <typename T>
ForwardResult<T> forward(const ModelConfig& config, const Params<T>& params, const Batch& batch);

// grads += ∂loss/∂params for the batch forward ran on (grads: zero_params(config) or a
// buffer of the same shapes; accumulating lets callers sum over several batches).
template <typename T>
void backward(const ModelConfig& config, const Params<T>& params, const Batch& batch, const ForwardResult<T>& fwd,
              Params<T>& grads);

// ∂w/∂z of one α-entmax row, applied to an upstream gradient: with s_i = w_i^(2−α) on the
// support (w_i > 0) and 0 off it, dz = s ⊙ dw − s (sᵀdw) / Σs. α = 1 gives softmax's
// w ⊙ (dw − wᵀdw), α = 2 sparsemax's dw − mean(dw) on the support. w, dw, dz: (n).
template <typename T>
void entmax_backward(VecCRef<T> w, VecCRef<T> dw, double alpha, VecRef<T> dz);

// ---------------------------------------------------------------- optimizers

enum class OptimizerKind { sgd, adam };

template <typename T>
struct Optimizer {
  OptimizerKind kind = OptimizerKind::adam;
  double learning_rate = 0.005;                       // the default of docs/experiments.md (d_model 16, batch 32)
  double beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8;  // Adam only
  long long steps = 0;
  Params<T> m, v;  // Adam's first and second moments, zeros of params' shapes at the first step
  double beta1_power = 1, beta2_power = 1;  // β1ᵗ, β2ᵗ after `steps` steps (one product per step)

  // SGD: θ −= lr · g. Adam: m = β1 m + (1−β1) g, v = β2 v + (1−β2) g², θ −= lr · m̂ / (√v̂ + ε)
  // with m̂ = m / (1 − β1ᵗ), v̂ = v / (1 − β2ᵗ) (βᵗ by repeated products: no libm pow).
  // Throws naming learning_rate, beta1, beta2, epsilon or the tensor whose shape differs.
  void step(Params<T>& params, const Params<T>& grads);
};

// One training step on one batch: zero grads, forward, backward, optimizer step. Returns
// the forward (its loss and accuracy are before the step).
template <typename T>
ForwardResult<T> train_step(const ModelConfig& config, Params<T>& params, Params<T>& grads, Optimizer<T>& optimizer,
                            const Batch& batch);

}  // namespace attn
