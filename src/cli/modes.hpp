// Modes that live in their own files, each solving one problem object of its mode (docs/cli.md).
// solve() in problem.cpp dispatches to them by "mode".
#pragma once

#include <nlohmann/json.hpp>

namespace attn::cli {

// "view": the query's view, one query and its keys in the plane (q, strongest other direction).
nlohmann::json solve_view(const nlohmann::json& problem);
// "joint": the joint map of queries and keys (AttentionViz).
nlohmann::json solve_joint(const nlohmann::json& problem);

}  // namespace attn::cli
