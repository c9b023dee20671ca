// The CLI's JSON schema: one problem in, one result out (see docs/cli.md).
#pragma once

#include <nlohmann/json.hpp>

namespace attn::cli {

// Solves one problem. Throws attn::invalid_argument for anything wrong with it
// (unknown mode or field, wrong type, bad shape, or a core error).
nlohmann::json solve(const nlohmann::json& problem);

}  // namespace attn::cli
