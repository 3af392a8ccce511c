// Helpers shared by the fuzz targets: splitting the input, bounded JSON parsing, a byte reader.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <asl/json.hpp>

namespace asl_fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

/// Splits at the first '\n': {first line, everything after it} ("" when there is no newline).
inline std::pair<std::string_view, std::string_view> split_line(std::string_view s) {
  const auto nl = s.find('\n');
  if (nl == std::string_view::npos) return {s, std::string_view()};
  return {s.substr(0, nl), s.substr(nl + 1)};
}

/// Deepest array/object nesting of JSON-ish text (brackets inside strings do not count).
inline std::size_t nesting_depth(std::string_view s) {
  std::size_t depth = 0, deepest = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > deepest) deepest = depth;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

/// Parses a JSON document without exceptions. Documents nested deeper than `max_depth` are
/// refused: nlohmann's copy, dump and comparison recurse, and the engine only ever sees
/// documents that went through a size-limited API (the definition parser limits depth to 512).
inline std::optional<asl::Json> parse_json(std::string_view text, std::size_t max_depth = 64) {
  if (text.empty() || nesting_depth(text) > max_depth) return std::nullopt;
  asl::Json j = asl::Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return std::nullopt;
  return j;
}

/// Whether `s` is well-formed UTF-8 (what nlohmann's dump() insists on).
inline bool valid_utf8(std::string_view s) {
  try {
    (void)asl::Json(std::string(s)).dump();
    return true;
  } catch (const asl::Json::type_error&) {
    return false;
  }
}

/// A fixed document with a bit of everything, used when the input's document does not parse.
inline const asl::Json& default_document() {
  static const asl::Json doc = asl::Json::parse(R"({
    "a": 1, "b": "text", "c": 2.5, "d": null, "e": true, "f": -7, "s": "{\"k\":[1,2]}",
    "t": "2024-02-29T12:30:00Z", "big": 18446744073709551615, "neg": -9223372036854775808,
    "items": [1, "two", {"id": 3, "price": 9.5, "tags": ["x", "y"]}, [4, 5], null, false],
    "store": {"book": [{"category": "ref", "author": "Nigel", "price": 8.95, "isbn": "0-553"},
                       {"category": "fiction", "author": "Evelyn", "price": 12.99}],
              "bicycle": {"color": "red", "price": 19.95}},
    "nested": {"x": {"y": {"z": [0, 1, 2]}}, "empty": {}, "list": []},
    "unicode": "h\u00e9llo \ud83d\ude00", "key with space": 1, "dot.key": 2, "quote'key": 3
  })");
  return doc;
}

/// A context object ($$) shaped like the engine's.
inline asl::Json make_context(const asl::Json& input) {
  return asl::Json{
      {"Execution",
       {{"Id", "arn:aws:states:us-east-1:123456789012:execution:SM:fuzz"},
        {"Input", input},
        {"Name", "fuzz"},
        {"RoleArn", "arn:aws:iam::123456789012:role/fuzz"},
        {"StartTime", "2024-01-01T00:00:00.000Z"}}},
      {"State", {{"EnteredTime", "2024-01-01T00:00:00.000Z"}, {"Name", "S0"}, {"RetryCount", 0}}},
      {"StateMachine", {{"Id", "arn:aws:states:us-east-1:123456789012:stateMachine:SM"}, {"Name", "SM"}}},
      {"Task", {{"Token", "token-1"}}},
      {"Map", {{"Item", {{"Index", 1}, {"Value", {{"id", 7}}}}}}}};
}

/// Reports a broken invariant and aborts (libFuzzer and the replay driver both see a crash).
[[noreturn]] inline void invariant_failed(const char* what, const std::string& detail = {}) {
  std::fprintf(stderr, "fuzz invariant broken: %s\n%s\n", what, detail.c_str());
  std::abort();
}

#define ASL_FUZZ_CHECK(cond, detail)                                   \
  do {                                                                 \
    if (!(cond)) ::asl_fuzz::invariant_failed(#cond, (detail));        \
  } while (false)

/// A tiny FuzzedDataProvider: takes decisions from the input bytes, and zeros once they run out
/// (so every input, including the empty one, gives a well-formed result: the smallest choice).
class ByteReader {
 public:
  ByteReader(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}

  std::size_t remaining() const { return size_ - pos_; }
  std::uint8_t byte() { return pos_ < size_ ? data_[pos_++] : 0; }
  std::uint32_t u32() {
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v = (v << 8) | byte();
    return v;
  }
  /// A value in [lo, hi] (inclusive); lo when the bytes are gone.
  std::int64_t range(std::int64_t lo, std::int64_t hi) {
    if (hi <= lo) return lo;
    const std::uint64_t span = static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo) + 1;  // 0: all
    std::uint64_t v = byte();
    if (span == 0 || span > 256) {
      for (int i = 0; i < 7; ++i) v = (v << 8) | byte();
    }
    if (span != 0) v %= span;
    return static_cast<std::int64_t>(static_cast<std::uint64_t>(lo) + v);  // wraps, no signed overflow
  }
  std::size_t index(std::size_t n) { return n == 0 ? 0 : static_cast<std::size_t>(range(0, static_cast<std::int64_t>(n) - 1)); }
  bool flag() { return (byte() & 1) != 0; }
  /// True with probability about num/den; false once the bytes are gone (optional parts off).
  bool chance(unsigned num, unsigned den) { return static_cast<unsigned>(range(0, den - 1)) >= den - num; }
  template <class T, std::size_t N>
  const T& pick(const T (&options)[N]) {
    return options[index(N)];
  }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

}  // namespace asl_fuzz
