// The CLI's shared reading and writing helpers: the Fields reader every mode uses, the
// bounded quoting of user values in messages, whole numbers, the result-size cap and the
// JSON writers for Eigen rows and lists (moved from problem.cpp so every mode file shares them).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "attn/errors.hpp"
#include "attn/types.hpp"

namespace attn::cli {

using nlohmann::json;

// A JSON value as a message quotes it: a bounded prefix, never the whole value (a
// 10 MB string or a deeply nested array stays one short line). Recursion is bounded
// by the parse depth limit and stops as soon as the budget is spent.
inline void quote_into(std::string& out, const json& v, std::size_t budget) {
  if (out.size() >= budget) return;
  if (v.is_string()) {
    out += detail::quoted(v.get_ref<const std::string&>(), 32);
  } else if (v.is_array() || v.is_object()) {
    out += v.is_array() ? '[' : '{';
    bool first = true;
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (out.size() >= budget) {
        out += "...";
        break;
      }
      if (!first) out += ", ";
      first = false;
      if (v.is_object()) out += detail::quoted(it.key(), 32) + ": ";
      quote_into(out, *it, budget);
    }
    out += v.is_array() ? ']' : '}';
  } else {
    out += v.dump();  // number, true, false, null: short
  }
}

inline std::string quote(const json& v) {
  std::string out;
  quote_into(out, v, 48);
  if (out.size() > 96) out = out.substr(0, 96) + "...";
  return out;
}

// A field name as the user wrote it; quoted (bounded, escaped) unless it is a plain identifier.
inline std::string field_name(const std::string& key) {
  const bool plain =
      !key.empty() && key.size() <= 32 &&
      key.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == std::string::npos;
  return plain ? key : detail::quoted(key, 32);
}

// The CLI answers in one JSON document; beyond this many numbers building and printing
// it takes seconds and gigabytes, so larger requests are refused before any work.
constexpr double kMaxResultNumbers = 1 << 21;  // 2,097,152 (docs/cli.md)

// what: "is ...: the weights are m · n" (the message goes on " = N numbers; ...").
inline void check_result_size(const char* field, double numbers, const std::string& what) {
  if (numbers > kMaxResultNumbers)
    throw invalid_argument(field, detail::cat(what, " = ", numbers, " numbers; the CLI returns at most ",
                                              kMaxResultNumbers, " (see docs/cli.md)"));
}

// A whole number as JSON holds it: an integer, or a double without a fraction (JSON does not
// tell 2 from 2.0, so both are accepted everywhere). Beyond ±2^53 (where doubles skip
// integers) there is no whole number: nullopt, and the caller quotes the value as written
// (18446744073709551615, not the -1 it becomes as a signed integer).
constexpr double kMaxWhole = 9007199254740992.0;  // 2^53
inline std::optional<Index> whole_number(const json& v) {
  if (v.is_number_unsigned()) {
    const std::uint64_t u = v.get<std::uint64_t>();
    if (static_cast<double>(u) <= kMaxWhole) return static_cast<Index>(u);
  } else if (v.is_number_integer()) {
    const std::int64_t i = v.get<std::int64_t>();
    if (std::abs(static_cast<double>(i)) <= kMaxWhole) return static_cast<Index>(i);
  } else if (v.is_number_float()) {
    const double d = v.get<double>();
    if (d == std::floor(d) && std::abs(d) <= kMaxWhole) return static_cast<Index>(d);
  }
  return std::nullopt;
}

// The whole number `v` of field `name` (what: "" or e.g. "entry 3 "), or an error quoting it.
inline Index whole(const char* name, const json& v, const std::string& what = "") {
  if (!v.is_number()) throw invalid_argument(name, detail::cat(what, "is ", quote(v), "; expected a number"));
  if (const std::optional<Index> w = whole_number(v)) return *w;
  throw invalid_argument(name, detail::cat(what, "is ", quote(v), "; expected a whole number (at most 2^53 in size)"));
}

// Reads fields of one problem object, checking types and rejecting fields the mode does not use.
class Fields {
 public:
  Fields(const json& obj, std::string mode, std::set<std::string> allowed) : obj_(obj), mode_(std::move(mode)) {
    allowed.insert("mode");
    for (const auto& item : obj.items())
      if (!allowed.count(item.key()))
        throw invalid_argument(field_name(item.key()), detail::cat("is not a field of mode \"", mode_, "\""));
  }

  bool has(const char* name) const { return obj_.contains(name) && !obj_.at(name).is_null(); }

  const json& at(const char* name) const {
    if (!has(name)) throw invalid_argument(name, detail::cat("is missing; mode \"", mode_, "\" needs it"));
    return obj_.at(name);
  }

  double number(const char* name, double fallback) const {
    if (!has(name)) return fallback;
    const json& v = obj_.at(name);
    if (!v.is_number()) throw invalid_argument(name, detail::cat("is ", quote(v), "; expected a number"));
    return v.get<double>();
  }

  Index integer(const char* name, Index fallback) const { return has(name) ? whole(name, obj_.at(name)) : fallback; }

  bool boolean(const char* name, bool fallback) const {
    if (!has(name)) return fallback;
    const json& v = obj_.at(name);
    if (!v.is_boolean()) throw invalid_argument(name, detail::cat("is ", quote(v), "; expected true or false"));
    return v.get<bool>();
  }

  std::string text(const char* name, const std::string& fallback) const {
    if (!has(name)) return fallback;
    const json& v = obj_.at(name);
    if (!v.is_string()) throw invalid_argument(name, detail::cat("is ", quote(v), "; expected a string"));
    return v.get<std::string>();
  }

  // [[..], ..] -> (rows, cols); every row the same length.
  Mat<double> matrix(const char* name) const {
    const json& v = at(name);
    if (!v.is_array() || v.empty())
      throw invalid_argument(name, "must be a non-empty array of rows, e.g. [[1, 0], [0, 1]]");
    Mat<double> m;
    for (size_t i = 0; i < v.size(); ++i) {
      const Vec<double> row = numbers(name, v[i], detail::cat("row ", i));
      if (i == 0) m.resize(static_cast<Index>(v.size()), row.size());
      if (row.size() != m.cols())
        throw invalid_argument(name, detail::cat("row ", i, " has ", row.size(), " numbers; row 0 has ", m.cols()));
      m.row(static_cast<Index>(i)) = row.transpose();
    }
    return m;
  }

  Vec<double> vector(const char* name) const { return numbers(name, at(name), "the value"); }

 private:
  static Vec<double> numbers(const char* name, const json& v, const std::string& what) {
    if (!v.is_array())
      throw invalid_argument(name, detail::cat(what, " is ", quote(v), "; expected an array of numbers"));
    Vec<double> out(static_cast<Index>(v.size()));
    for (size_t j = 0; j < v.size(); ++j) {
      if (!v[j].is_number())
        throw invalid_argument(name, detail::cat(what, " has ", quote(v[j]), " at ", j, "; expected a number"));
      out(static_cast<Index>(j)) = v[j].get<double>();
    }
    return out;
  }

  const json& obj_;
  std::string mode_;
};

template <typename Derived>
json rows(const Eigen::MatrixBase<Derived>& m) {
  json out = json::array();
  for (Index i = 0; i < m.rows(); ++i) {
    json row = json::array();
    for (Index j = 0; j < m.cols(); ++j) row.push_back(static_cast<double>(m(i, j)));
    out.push_back(row);
  }
  return out;
}

template <typename Derived>
json list(const Eigen::MatrixBase<Derived>& v) {
  json out = json::array();
  for (Index i = 0; i < v.size(); ++i) out.push_back(static_cast<double>(v(i)));
  return out;
}

}  // namespace attn::cli
