// libFuzzer target over attn::read_tensors as .npy (format forced, so every input reaches the
// .npy parser); the promises it checks are in tensors_fuzz.hpp. scripts/fuzz.sh npy runs it;
// fuzz_replay.cpp replays tests/fuzz/tensors and tests/fuzz/crashes/npy in every native build.
#include "tensors_fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return attn_fuzz::read_and_check(data, size, attn::TensorFormat::npy);
}
