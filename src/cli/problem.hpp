// The CLI's JSON schema: one problem in, one result out (see docs/cli.md).
#pragma once

#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

namespace attn::cli {

// Solves one problem. Throws attn::invalid_argument for anything wrong with it
// (unknown mode or field, wrong type, bad shape, or a core error).
nlohmann::json solve(const nlohmann::json& problem);

// Limits checked before any parsing or work (docs/cli.md).
constexpr int kMaxDepth = 64;                // nesting of arrays and objects in the problem
constexpr std::size_t kMaxErrorBytes = 400;  // of the message in the one stderr line

// Throws attn::invalid_argument unless text nests arrays/objects at most kMaxDepth deep.
// Runs before the parser, whose recursion would otherwise overflow the stack.
void check_depth(const std::string& text);

// The whole CLI minus I/O: checks the depth, parses, solves, returns the pretty-printed
// result. Throws attn::invalid_argument for every problem a user can cause (invalid
// JSON and running out of memory included). The fuzz target calls exactly this.
std::string run(const std::string& text);

// A message as the CLI prints it: ASCII only, no line breaks, at most kMaxErrorBytes
// of the original (then "... (N bytes)").
std::string error_line(const std::string& message);

}  // namespace attn::cli
