// Load-time parsing of ASL definition text into asl::Json, reporting JSON-level faults as Diagnostics.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "asl/detail/json/pointer.hpp"
#include "asl/detail/json/reader.hpp"
#include "asl/detail/json/release.hpp"
#include "asl/detail/load/definition_limits.hpp"
#include "asl/error.hpp"
#include "asl/json.hpp"

namespace asl::detail {

/// Hard limits applied while parsing untrusted definition text.
struct ParseLimits {
  std::size_t max_depth = 512;  ///< deepest allowed nesting of objects/arrays (the root is depth 1)
};

namespace definition_parser_impl {

// Diagnostic ids of the JSON/document group (the full table is at the top of validator.hpp).
inline constexpr const char* id_malformed = "asl.definition.001";
inline constexpr const char* id_not_object = "asl.definition.002";
inline constexpr const char* id_duplicate_key = "asl.definition.003";
// asl.definition.004 (too deep): definition_too_deep() in definition_limits.hpp
inline constexpr const char* id_bad_utf8 = "asl.definition.005";


/// 1-based line and column (in characters, not bytes) of the byte at `offset`.
struct LineColumn {
  std::size_t line = 1;
  std::size_t column = 1;
};

inline LineColumn line_column(std::string_view text, std::size_t offset) {
  LineColumn lc;
  if (offset > text.size()) offset = text.size();
  for (std::size_t i = 0; i < offset; ++i) {
    const auto b = static_cast<unsigned char>(text[i]);
    if (b == '\n') {
      ++lc.line;
      lc.column = 1;
    } else if ((b & 0xC0u) != 0x80u) {  // count lead bytes only: one per character
      ++lc.column;
    }
  }
  return lc;
}

/// Offset of the first byte that is not part of well-formed UTF-8 (RFC 3629: no overlong forms,
/// no surrogates, nothing above U+10FFFF), or nullopt. nlohmann only checks inside strings and
/// reports stray bytes elsewhere as "invalid literal"; a dedicated pass gives one clear message.
inline std::optional<std::size_t> first_invalid_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  std::size_t i = 0;
  while (i < s.size()) {
    if (p[i] < 0x80) {
      ++i;
      continue;
    }
    const std::size_t len = utf8_sequence_length(p + i, s.size() - i);
    if (len == 0) return i;
    i += len;
  }
  return std::nullopt;
}

/// `s` with every byte that is not part of well-formed UTF-8 written as `<0xNN>`. nlohmann's
/// parse errors quote the bytes last read ("last read: '\xDE'"), which can stop inside a
/// multi-byte character; a Diagnostic message must stay valid UTF-8.
inline std::string escape_invalid_utf8(std::string_view s) {
  std::string out;
  while (const auto bad = first_invalid_utf8(s)) {
    out.append(s.substr(0, *bad));
    out += fmt::format("<0x{:02X}>", static_cast<unsigned>(static_cast<unsigned char>(s[*bad])));
    s.remove_prefix(*bad + 1);
  }
  out.append(s);
  return out;
}

/// Builds an asl::Json from nlohmann's SAX events. Unlike nlohmann's own DOM builder it
/// (1) refuses nesting deeper than the limit before any recursion can happen anywhere,
/// (2) detects duplicate keys inside one object, which a DOM parser silently collapses to the
///     last value (spec §2.1: duplicate state names must be caught; statelint cannot), and
/// (3) appends keys in O(1) instead of ordered_map's linear lookup, so a hostile object with
///     100k keys parses in linear time.
class DomBuilder final : public nlohmann::json_sax<Json> {
 public:
  DomBuilder(std::string_view text, std::vector<Diagnostic>& out, const ParseLimits& limits)
      : text_(text), out_(out), limits_(limits) {}

  bool null() override { return put(Json(nullptr)); }
  bool boolean(bool v) override { return put(Json(v)); }
  bool number_integer(number_integer_t v) override { return put(Json(v)); }
  bool number_unsigned(number_unsigned_t v) override { return put(Json(v)); }
  bool number_float(number_float_t v, const string_t&) override { return put(Json(v)); }
  bool string(string_t& v) override { return put(Json(std::move(v))); }
  bool binary(binary_t& v) override { return put(Json::binary(std::move(v))); }

  bool start_object(std::size_t) override { return open(Json::object()); }
  bool start_array(std::size_t) override { return open(Json::array()); }
  bool end_object() override { return close(); }
  bool end_array() override { return close(); }

  bool key(string_t& k) override {
    Frame& f = frames_.back();
    f.key = k;
    if (!f.keys.insert(k).second) {
      out_.push_back(Diagnostic{id_duplicate_key, pointer_to(k),
                                fmt::format("duplicate key \"{}\" in one JSON object: each field (and each state name) "
                                            "may appear only once; a second copy would silently replace the first",
                                            k),
                                "SCHEMA_VALIDATION_FAILED"});
      failed_ = true;
      f.discard_next = true;
    }
    return true;
  }

  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& ex) override {
    // nlohmann's position is the 1-based count of bytes read, i.e. the offending byte.
    const LineColumn lc = line_column(text_, position == 0 ? 0 : position - 1);
    std::string detail = ex.what();
    // Keep nlohmann's explanation ("syntax error while parsing object key - unexpected '}'; ...")
    // but report the location once, in our own line/column (characters, not bytes).
    if (const auto col = detail.find("column "); col != std::string::npos) {
      if (const auto sep = detail.find(": ", col); sep != std::string::npos) detail.erase(0, sep + 2);
    } else if (const auto bracket = detail.find("] "); bracket != std::string::npos) {
      detail.erase(0, bracket + 2);  // "[json.exception.out_of_range.406] number overflow ..."
    }
    out_.push_back(Diagnostic{id_malformed, "",
                              fmt::format("malformed JSON at line {}, column {}: {}", lc.line, lc.column,
                                          escape_invalid_utf8(detail)),
                              "INVALID_JSON_DESCRIPTION"});
    failed_ = true;
    return false;
  }

  bool failed() const { return failed_; }
  Json& root() { return root_; }

 private:
  struct Frame {
    Json* node = nullptr;
    std::string token;  ///< this container's JSON Pointer token inside its parent
    std::unordered_set<std::string> keys;
    std::string key;  ///< the key whose value comes next (objects only)
    bool discard_next = false;
  };

  /// Where the next value goes: the root, the end of the enclosing array, or a new member of
  /// the enclosing object (a throw-away slot for a duplicate key's value).
  Json* slot() {
    if (frames_.empty()) return &root_;
    Frame& f = frames_.back();
    if (f.node->is_array()) {
      f.node->get_ref<Json::array_t&>().emplace_back();
      return &f.node->get_ref<Json::array_t&>().back();
    }
    if (f.discard_next) {
      f.discard_next = false;
      graveyard_.push_back(std::make_unique<Json>());
      return graveyard_.back().get();
    }
    // ordered_map is a std::vector of pairs; appending directly skips its linear key search,
    // which is safe because the key set above already proved the key is new.
    return &append_member(*f.node, f.key, Json());
  }

  std::string child_token() const {
    if (frames_.empty()) return {};
    const Frame& f = frames_.back();
    if (f.node->is_array()) return std::to_string(f.node->size());
    return pointer_token(f.key);
  }

  bool put(Json&& v) {
    *slot() = std::move(v);
    return true;
  }

  bool open(Json&& container) {
    if (frames_.size() + 1 > limits_.max_depth) {
      // Stop at once: nothing deeper is read, so 100k nested '[' cost nothing but a scan.
      out_.push_back(definition_too_deep(
          frames_.empty() ? std::string() : current_pointer() + "/" + child_token(), limits_.max_depth));
      failed_ = true;
      return false;
    }
    Frame f;
    f.token = child_token();
    Json* node = slot();
    *node = std::move(container);
    f.node = node;
    frames_.push_back(std::move(f));
    return true;
  }

  bool close() {
    frames_.pop_back();
    return true;
  }

  std::string current_pointer() const {
    std::string p;
    for (std::size_t i = 1; i < frames_.size(); ++i) p += "/" + frames_[i].token;
    return p;
  }

  std::string pointer_to(std::string_view key) const { return current_pointer() + "/" + pointer_token(key); }

  std::string_view text_;
  std::vector<Diagnostic>& out_;
  const ParseLimits& limits_;
  Json root_;
  std::vector<Frame> frames_;
  std::vector<std::unique_ptr<Json>> graveyard_;
  bool failed_ = false;
};

}  // namespace definition_parser_impl

/// Parses definition text. Returns the document, or nullopt after appending at least one
/// Diagnostic to `out` (malformed JSON with line and column, invalid UTF-8, nesting deeper than
/// `limits.max_depth`, duplicate keys in an object, or a document that is not a JSON object).
/// Every duplicate key is reported, not only the first. Never recurses on the input's depth.
inline std::optional<Json> parse_definition_text(std::string_view text, std::vector<asl::Diagnostic>& out,
                                                 const ParseLimits& limits = {}) {
  namespace impl = definition_parser_impl;

  // AWS answers an empty or blank definition with this schema error rather than a JSON error
  // (spec §14.1, recorded case EMPTY_STRING).
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    out.push_back(Diagnostic{impl::id_not_object, "", "Definition must be a valid JSON object: the text is empty",
                             "SCHEMA_VALIDATION_FAILED"});
    return std::nullopt;
  }

  // Nearly every definition is well-formed: the fast reader builds it in one pass. It accepts only
  // valid UTF-8 and gives up on duplicate keys and too deep nesting, so everything the checks
  // below report is still found by the careful path, which also words the JSON errors.
  if (auto doc = read_json_fast(text, limits.max_depth); doc && doc->is_object()) return doc;

  if (const auto bad = impl::first_invalid_utf8(text)) {
    const auto lc = impl::line_column(text, *bad);
    out.push_back(
        Diagnostic{impl::id_bad_utf8, "",
                   fmt::format("invalid UTF-8 at line {}, column {} (byte offset {}, byte 0x{:02X}): JSON text "
                               "must be valid UTF-8",
                               lc.line, lc.column, *bad, static_cast<unsigned>(static_cast<unsigned char>(text[*bad]))),
                   "INVALID_JSON_DESCRIPTION"});
    return std::nullopt;
  }

  impl::DomBuilder builder(text, out, limits);
  const bool ok = Json::sax_parse(text.begin(), text.end(), &builder, Json::input_format_t::json,
                                  /*strict=*/true, /*ignore_comments=*/false);
  if (!ok || builder.failed()) {
    if (!builder.failed()) {  // defensive: nlohmann refused without calling parse_error
      out.push_back(Diagnostic{impl::id_malformed, "", "malformed JSON", "INVALID_JSON_DESCRIPTION"});
    }
    return std::nullopt;
  }

  Json& root = builder.root();
  if (!root.is_object()) {
    out.push_back(
        Diagnostic{impl::id_not_object, "",
                   fmt::format("Definition must be a valid JSON object, got {}: a state "
                               "machine is an object with \"StartAt\" and \"States\"",
                               root.is_null() ? std::string("null")
                                              : (root.is_array() ? "an " : "a ") + std::string(root.type_name())),
                   "SCHEMA_VALIDATION_FAILED"});
    return std::nullopt;
  }
  return std::move(root);
}

}  // namespace asl::detail
