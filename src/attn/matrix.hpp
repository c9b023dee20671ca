// Many queries at once: A = softmax(scale · Q Kᵀ) row by row, O = A V.
//   Q: (m, d)   K: (n, d)   V: (n, dv), optional   A: (m, n)   O: (m, dv)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "attn/linear.hpp"
#include "attn/rope.hpp"
#include "attn/softmax.hpp"
#include "attn/types.hpp"

namespace attn {

// A fixed sparse pattern (Sparse Transformer, Longformer, BigBird without random blocks):
// key j is visible to query i iff (not causal or j <= i) and (|i - j| < window, or
// stride > 0 and |i - j| mod stride = 0, or i or j is a global token).
struct SparsePattern {
  Index window = 1;           // local band half-width w >= 1 (w = 1: the diagonal only)
  Index stride = 0;           // s >= 0; 0 = no strided keys
  std::vector<Index> global;  // token indices that see and are seen by every token
  bool causal = true;
};

struct Mask {
  enum class Kind { none, causal, window, top_k, sparse };
  Kind kind = Kind::none;
  Index size = 0;        // window width w (>= 1) or k (1..n); unused for none/causal/sparse
  SparsePattern sparse;  // used by Kind::sparse only

  static Mask none() { return {}; }
  // Query i sees keys j <= i.
  static Mask causal() { return of(Kind::causal, 0); }
  // Causal sliding window: query i sees keys i - w < j <= i (w >= 1).
  static Mask window(Index w) { return of(Kind::window, w); }
  // Per row, only the k largest logits survive (ties broken by lower key index).
  static Mask top_k(Index k) { return of(Kind::top_k, k); }
  // A sparse pattern; checked by attention_matrix (w >= 1, s >= 0, globals in range).
  static Mask sparse_pattern(SparsePattern p) {
    Mask m = of(Kind::sparse, 0);
    m.sparse = std::move(p);
    return m;
  }

  // "none", "causal", "window:3", "topk:2" (also the CLI/URL spelling).
  std::string to_string() const;
  // Throws attn::invalid_argument for malformed text; sizes (w >= 1, 1 <= k <= n) are
  // checked by attention_matrix, which knows n, so every way of making a mask reports alike.
  static Mask parse(const std::string& text);

 private:
  static Mask of(Kind k, Index size) {
    Mask m;
    m.kind = k;
    m.size = size;
    return m;
  }
};

struct MatrixOptions {
  double scale = 1.0;
  bool normalize_keys = false;
  Mask mask;
  // Beyond softmax, as in attn::AttendOptions, row by row over the keys the mask leaves.
  // rope: query i sits at rope.query_positions[i] (default i), key j at positions[j] (default j).
  double alpha = 1.0;
  std::optional<double> sink = std::nullopt;
  std::optional<Rope> rope = std::nullopt;
  Kernel kernel = Kernel::softmax;
  Index features = 64;
  std::uint64_t seed = 1;

  bool plain() const { return alpha == 1 && !sink && !rope && kernel == Kernel::softmax; }
};

template <typename T>
struct MatrixResult {
  Mat<T> logits;   // (m, n); masked entries hold the raw logit (the UI greys them)
  Mat<T> weights;  // (m, n); masked entries are exactly 0
  Mat<T> output;   // (m, dv); empty when no values were given
  Vec<T> entropy;  // (m) entropy of each row, in nats
  // A row whose keys are all masked (e.g. window past the last key) has all-zero
  // weights, a zero output row and zero entropy: it attends to nothing. Never NaN.
  Eigen::Matrix<bool, Eigen::Dynamic, 1> empty_row;  // (m)
  // (m, n) true where the mask hides key j from query i (the UI greys these cells).
  Eigen::Array<bool, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> masked;
  // Query-key scores (dot products) actually computed: m · n except under a sparse mask,
  // whose hidden scores are skipped (their logits hold 0, not a computed value).
  Index scores_computed = 0;
  double computed_fraction() const {
    return weights.size() == 0 ? 0.0 : static_cast<double>(scores_computed) / static_cast<double>(weights.size());
  }
  Vec<T> sink_weight;      // (m) the sink's share per row (0 without a sink; 1 for an empty row with one)
  Mat<T> rotated_queries;  // (m, d) with rope, else empty
  Mat<T> rotated_keys;     // (n, d) with rope (after normalisation), else empty
};

// Whether query i may see key j under the mask (top_k is decided per row from logits).
bool mask_allows(const Mask& mask, Index i, Index j);

// Throws attn::invalid_argument ("window", "stride" or "global") unless the pattern is
// usable for m queries and n keys: w >= 1, s >= 0, each global index in 0..max(m, n) - 1.
void validate_sparse(const SparsePattern& p, Index m, Index n);

// The most entries (m · n) one attention matrix may have: 4096 x 4096. Beyond it the
// logits and weights alone need 256 MB (double) and more than a page can hold; the size is
// checked before anything is allocated, with an error that names it.
constexpr Index kMaxMatrixEntries = Index(1) << 24;

// The most work one attention matrix may take, m · n · (d + dv + c): the logits Q Kᵀ and the
// output A V (multiply-adds), and c per entry to normalise its row: 16 for softmax (an exp),
// 16 + d under a sparse pattern (it gathers the visible keys), 256 when entmax (alpha > 1)
// or top-k sorts or bisects the row. About half a second natively at the limit (docs/cli.md,
// "Limits"); checked with the size, before anything is allocated. self, cross and mla check
// their own larger sums first, under the names their callers wrote.
constexpr double kMaxAttentionWork = double(Index(1) << 30);
Index attention_entry_work(const MatrixOptions& opt, Index d);  // c above, for keys of dimension d

template <typename T>
MatrixResult<T> attention_matrix(MatCRef<T> queries, MatCRef<T> keys, MatCRef<T> values, const MatrixOptions& opt = {});

}  // namespace attn
