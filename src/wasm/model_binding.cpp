// WebAssembly binding for "Your own tensors": the tensor readers (attn/tensors.hpp), the
// query's view and the joint map (attn/view.hpp). The same rules as binding.cpp (no math here:
// shapes in, one core call, results copied out; errors through attn_last_error). In the full
// module only (the element's lean module leaves them out).
//
// Views and maps run in double in the core; the page's numbers are float32, so the inputs are
// widened on the way in and the results narrowed on the way out (a copy, not math).
//
// Reading has a result of sizes only the core knows, so it takes two steps: attn_read_tensors
// parses and keeps the tensors (the one piece of state here), attn_tensor_info and
// attn_tensor_data hand each one out, attn_tensors_release frees them.
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "attn/errors.hpp"
#include "attn/tensors.hpp"
#include "attn/view.hpp"
#include "guard.hpp"

namespace {

using attn::Index;

std::vector<attn::Tensor> g_read;  // the tensors of the last attn_read_tensors, until released

attn::Mat<double> widen(const float* data, int rows, int cols) {
  attn::Mat<double> m(rows, cols);
  for (Index i = 0; i < m.size(); ++i) m.data()[i] = data[i];
  return m;
}

template <typename Matrix>
void narrow(const Matrix& m, float* out) {
  for (Index i = 0; i < m.rows(); ++i)
    for (Index j = 0; j < m.cols(); ++j) *out++ = static_cast<float>(m(i, j));
}

const attn::Tensor& read_tensor(int i) {
  if (i < 0 || i >= static_cast<int>(g_read.size()))
    throw attn::invalid_argument(
        "tensor", attn::detail::cat("is ", i, "; expected 0 <= tensor < ", g_read.size(), " (internal binding error)"));
  return g_read[static_cast<size_t>(i)];
}

}  // namespace

extern "C" {

// Parses `size` bytes named `name` (format: 0 detect, 1 npy, 2 safetensors, 3 json); *count
// gets the number of tensors, kept until attn_tensors_release.
int attn_read_tensors(const std::uint8_t* bytes, int size, const char* name, int format, int* count) {
  return attn_wasm::guarded([&] {
    g_read.clear();
    static const attn::TensorFormat formats[] = {attn::TensorFormat::detect, attn::TensorFormat::npy,
                                                 attn::TensorFormat::safetensors, attn::TensorFormat::json};
    if (format < 0 || format > 3)
      throw attn::invalid_argument("format",
                                   attn::detail::cat("code ", format, " is unknown (internal binding error)"));
    g_read = attn::read_tensors(bytes, static_cast<std::size_t>(size), name, formats[format]);
    *count = static_cast<int>(g_read.size());
  });
}

// Tensor i's name and dtype (NUL-terminated, at most `capacity` bytes each), its rank and shape
// (up to 8 dims, as doubles: a dimension may pass 2^31), and its element count.
int attn_tensor_info(int i, char* name, char* dtype, int capacity, int* rank, double* shape, double* elements) {
  return attn_wasm::guarded([&] {
    const attn::Tensor& t = read_tensor(i);
    for (const std::string* s : {&t.name, &t.dtype}) {
      char* out = s == &t.name ? name : dtype;
      const std::size_t n = std::min(s->size(), static_cast<std::size_t>(capacity - 1));
      for (std::size_t k = 0; k < n; ++k) out[k] = (*s)[k];
      out[n] = '\0';
    }
    *rank = static_cast<int>(t.shape.size());
    for (std::size_t k = 0; k < t.shape.size() && k < 8; ++k) shape[k] = static_cast<double>(t.shape[k]);
    *elements = static_cast<double>(t.data.size());
  });
}

// Tensor i's numbers, row-major, into out (capacity floats).
int attn_tensor_data(int i, float* out, int capacity) {
  return attn_wasm::guarded([&] {
    const attn::Tensor& t = read_tensor(i);
    if (t.data.size() > static_cast<std::size_t>(capacity))
      throw attn::invalid_argument("tensor", "buffer too small (internal binding error)");
    for (float v : t.data) *out++ = v;
  });
}

int attn_tensors_release() {
  return attn_wasm::guarded([] { std::vector<attn::Tensor>().swap(g_read); });
}

// The query's view. Outputs: basis (2·d), x, y, logits, weights, captured (n each), output
// (dv; nothing when nv = 0), stats (6 doubles: explained, query_norm, log_sum_exp, residual,
// sink_weight, method 0 plane / 1 lanczos / 2 fallback).
int attn_query_view(const float* q, int d, const float* K, int n, const float* V, int nv, int dv, double scale,
                    int normalize, double alpha, int has_sink, double sink, float* basis, float* x, float* y,
                    float* logits, float* weights, float* captured, float* output, double* stats) {
  return attn_wasm::guarded([&] {
    attn::ViewOptions opt;
    opt.scale = scale;
    opt.normalize_keys = normalize != 0;
    opt.alpha = alpha;
    if (has_sink) opt.sink = sink;
    const attn::Vec<double> query = widen(q, d, 1);
    const attn::QueryView v = attn::query_view(query, widen(K, n, d), widen(V, nv, nv > 0 ? dv : 0), opt);
    narrow(v.basis, basis);
    for (auto [src, dst] :
         {std::pair{&v.x, x}, {&v.y, y}, {&v.logits, logits}, {&v.weights, weights}, {&v.captured, captured}})
      narrow(*src, dst);
    if (nv > 0) narrow(v.output, output);
    const std::string method = v.method;
    stats[0] = v.explained;
    stats[1] = v.query_norm;
    stats[2] = v.stats.log_sum_exp;
    stats[3] = v.residual;
    stats[4] = v.stats.sink_weight;
    stats[5] = method == "plane" ? 0 : method == "lanczos" ? 1 : 2;
  });
}

// The joint map. Outputs: queries (m·2), keys (n·2), shift (d), stats (5 doubles: ratio,
// correlation full, correlation map, explained, pairs).
int attn_joint_map(const float* Q, int m, const float* K, int n, int d, float* queries, float* keys, float* shift,
                   double* stats) {
  return attn_wasm::guarded([&] {
    const attn::JointMap j = attn::joint_map(widen(Q, m, d), widen(K, n, d));
    narrow(j.queries, queries);
    narrow(j.keys, keys);
    narrow(j.shift, shift);
    stats[0] = j.ratio;
    stats[1] = j.correlation_full;
    stats[2] = j.correlation_map;
    stats[3] = j.explained;
    stats[4] = static_cast<double>(j.pairs);
  });
}

}  // extern "C"
