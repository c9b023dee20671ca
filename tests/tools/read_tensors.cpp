// attention_read_tensors FILE [detect|npy|safetensors|json]: reads FILE with attn::read_tensors
// and prints the tensors as JSON, for tests/python/test_tensors_numpy.py to compare with numpy:
//   [{"name": "q", "shape": [2, 3], "dtype": "float32", "heads": [1, 2, 3], "data": [...]}]
// "heads" is heads_shape's (H, T, d), or null where the shape is not attention heads.
// A bad file prints the error's message on stderr and exits with 2. Test-only: printf is fine.
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "attn/errors.hpp"
#include "attn/tensors.hpp"

namespace {
std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}
}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::fprintf(stderr, "usage: attention_read_tensors FILE [detect|npy|safetensors|json]\n");
    return 64;
  }
  std::ifstream in(argv[1], std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "attention_read_tensors: cannot open %s\n", argv[1]);
    return 66;
  }
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::string name = argv[1];
  const std::size_t slash = name.find_last_of('/');
  if (slash != std::string::npos) name = name.substr(slash + 1);
  try {
    const attn::TensorFormat format = argc == 3 ? attn::parse_tensor_format(argv[2]) : attn::TensorFormat::detect;
    const auto tensors =
        attn::read_tensors(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size(), name, format);
    std::string out = "[";
    for (std::size_t i = 0; i < tensors.size(); ++i) {
      const attn::Tensor& t = tensors[i];
      out += i ? ",\n {" : "{";
      out += "\"name\": " + json_string(t.name) + ", \"shape\": [";
      for (std::size_t k = 0; k < t.shape.size(); ++k) out += (k ? ", " : "") + std::to_string(t.shape[k]);
      out += "], \"dtype\": " + json_string(t.dtype) + ", \"heads\": ";
      try {
        const attn::HeadsShape h = attn::heads_shape(t, name);
        out += "[" + std::to_string(h.heads) + ", " + std::to_string(h.tokens) + ", " + std::to_string(h.dim) + "]";
      } catch (const attn::invalid_argument&) {
        out += "null";
      }
      out += ", \"data\": [";
      for (std::size_t k = 0; k < t.data.size(); ++k) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%s%.9g", k ? ", " : "", static_cast<double>(t.data[k]));
        out += buf;
      }
      out += "]}";
    }
    out += "]\n";
    std::fputs(out.c_str(), stdout);
    return 0;
  } catch (const attn::invalid_argument& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 2;
  }
}
