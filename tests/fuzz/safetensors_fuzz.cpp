// libFuzzer target over attn::read_tensors with format detection: safetensors mostly, and the
// JSON reader (its header parser's sibling) and .npy when the bytes say so. The promises it
// checks are in tensors_fuzz.hpp. scripts/fuzz.sh safetensors runs it; fuzz_replay.cpp replays
// tests/fuzz/tensors and tests/fuzz/crashes/safetensors in every native build.
#include "tensors_fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return attn_fuzz::read_and_check(data, size, attn::TensorFormat::detect);
}
