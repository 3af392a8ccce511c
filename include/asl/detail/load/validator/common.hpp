// Validator shared helpers: JSON Pointer frames (Where), value text for messages, number bounds, AWS codes.
// SPDX-License-Identifier: MIT
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "asl/detail/json/pointer.hpp"
#include "asl/json.hpp"

namespace asl::detail::validator_impl {

// Member lookups by string_view: ordered_json compares each key with the looked-up one, and a
// string_view lets that start with the sizes (a `const char*` costs a strlen and a compare each).
using namespace std::string_view_literals;

inline std::string child(const std::string& pointer, std::string_view key) {
  return pointer + "/" + pointer_token(key);
}
inline std::string child(const std::string& pointer, std::size_t index) {
  return pointer + "/" + std::to_string(index);
}

/// Where the walk is in the document: a chain of frames on the walk's stack, one per step down.
/// The JSON Pointer text is built only when a diagnostic needs it, so a valid definition (the
/// common case) builds none. A Where refers to its parent and to its key: both must outlive it.
class Where {
 public:
  Where() = default;  ///< the document root (pointer "")
  Where(const Where& parent, std::string_view key) : parent_(&parent), key_(key) {}
  Where(const Where& parent, std::size_t index) : parent_(&parent), index_(index), is_index_(true) {}

  /// The JSON Pointer; with `from` (an enclosing frame), only the part below it.
  std::string str(const Where* from = nullptr) const {
    std::string out;
    append(out, from);
    return out;
  }

 private:
  void append(std::string& out, const Where* from) const {
    if (parent_ == nullptr || this == from) return;
    parent_->append(out, from);
    out += '/';
    if (is_index_) {
      out += std::to_string(index_);
    } else if (key_.find_first_of("~/") == std::string_view::npos) {
      out += key_;  // nothing to escape (the usual key): skip pointer_token's copy
    } else {
      out += pointer_token(key_);
    }
  }

  const Where* parent_ = nullptr;
  std::string_view key_;
  std::size_t index_ = 0;
  bool is_index_ = false;
};

// Same spelling as the string helpers above, so the walk reads the same. The result refers to
// `parent`: use it within the statement, or name it only for a parent that outlives it.
inline Where child(const Where& parent, std::string_view key) { return Where(parent, key); }
inline Where child(const Where& parent, std::size_t index) { return Where(parent, index); }

/// "a string", "an integer", ... for "must be X, got Y" messages.
inline std::string describe(const Json& v) {
  switch (v.type()) {
    case Json::value_t::null: return "null";
    case Json::value_t::boolean: return "a boolean";
    case Json::value_t::string: return "a string";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned: return "an integer";
    case Json::value_t::number_float: return "a number";
    case Json::value_t::object: return "an object";
    case Json::value_t::array: return "an array";
    default: return "a binary value";
  }
}

/// Value text for messages, shortened so a hostile 1 MB string does not flood the output.
inline std::string show(const Json& v) {
  std::string s = v.dump(-1, ' ', false, Json::error_handler_t::replace);
  if (s.size() > 80) s = s.substr(0, 77) + "...";
  return s;
}

inline std::string quoted_list(const std::string_view* names, std::size_t n, std::string_view conj = ", ") {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    if (names[i].empty()) break;
    if (i) out += conj;
    out += '"';
    out += names[i];
    out += '"';
  }
  return out;
}

/// Number of characters in UTF-8 text (state names are limited in characters, spec §2.1).
inline std::size_t utf8_length(std::string_view s) {
  std::size_t n = 0;
  for (const char c : s) n += (static_cast<unsigned char>(c) & 0xC0u) != 0x80u ? 1 : 0;
  return n;
}

/// Integral value test that also accepts 3.0 (JSON Schema counts it as an integer).
inline bool is_integral(const Json& v) {
  if (v.is_number_integer()) return true;  // includes unsigned
  if (!v.is_number_float()) return false;
  const double d = v.get<double>();
  return std::isfinite(d) && std::floor(d) == d;
}

inline std::string format_bound(double d) {
  if (std::isinf(d)) return "infinity";
  if (std::floor(d) == d && std::fabs(d) < 1e15) return fmt::format("{}", static_cast<std::int64_t>(d));
  return fmt::format("{}", d);
}

// AWS error codes of the diagnostics (Diagnostic::aws_code).
inline constexpr const char* schema = "SCHEMA_VALIDATION_FAILED";
inline constexpr const char* missing_target = "MISSING_TRANSITION_TARGET";

}  // namespace asl::detail::validator_impl
