// Unit tests of the iterative JSON writer: nlohmann's compact text, any depth, never a throw.
// SPDX-License-Identifier: MIT
#include "asl/detail/json/writer.hpp"

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "asl/detail/durable/records.hpp"
#include "support/catch.hpp"
#include "support/json_identical.hpp"

namespace {

using asl::Json;
using asl::detail::json_to_text;
using asl::testing::identical;

/// nlohmann's compact text with invalid UTF-8 replaced: what the writer promises to match.
std::string nlohmann_text(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

/// Random documents, reproducibly. Numbers are made as nlohmann's parser makes them (non-negative
/// integers unsigned, negative ones signed), so that a parsed-back document is identical().
class RandomJson {
 public:
  explicit RandomJson(std::uint64_t seed) : rng_(seed) {}

  Json value(int depth) {
    switch (pick(depth > 0 ? 10 : 7)) {
      case 0: return nullptr;
      case 1: return pick(2) == 0;
      case 2: return Json(static_cast<std::uint64_t>(rng_() >> pick(64)));
      case 3: return Json(-static_cast<std::int64_t>(rng_() >> (1 + pick(63))) - 1);
      case 4: return Json(number());
      case 5:
      case 6: return Json(string());
      case 7:
      case 8: {
        Json a = Json::array();
        for (std::size_t n = pick(6); n > 0; --n) a.push_back(value(depth - 1));
        return a;
      }
      default: {
        Json o = Json::object();
        for (std::size_t n = pick(6); n > 0; --n) o[string()] = value(depth - 1);
        return o;
      }
    }
  }

  /// Finite doubles: random bit patterns (any magnitude, subnormals) and short decimals.
  double number() {
    if (pick(2) == 0) {
      for (;;) {
        const std::uint64_t bits = rng_();
        double d;
        std::memcpy(&d, &bits, sizeof d);
        if (std::isfinite(d)) return d;
      }
    }
    const double scale[] = {1, 10, 100, 1000, 1e-3, 1e-7, 1e15, 1e16, 1e21};
    return static_cast<double>(static_cast<std::int64_t>(pick(2000001)) - 1000000) / scale[pick(9)];
  }

  /// Valid UTF-8: ASCII (controls, quotes and backslashes included) and 2-, 3- and 4-byte
  /// characters; long enough sometimes to take the 8-bytes-at-a-time path.
  std::string string() {
    std::string s;
    const std::size_t n = pick(4) == 0 ? pick(64) : pick(8);
    for (std::size_t i = 0; i < n; ++i) {
      switch (pick(8)) {
        case 0: s += static_cast<char>(pick(0x80)); break;
        case 1: s += "\xC3\xA9"; break;          // é
        case 2: s += "\xE2\x82\xAC"; break;      // €
        case 3: s += "\xF0\x9F\x98\x80"; break;  // U+1F600
        case 4: s += "\"\\"; break;
        default: s += static_cast<char>('a' + pick(26)); break;
      }
    }
    return s;
  }

  std::size_t pick(std::size_t n) { return static_cast<std::size_t>(rng_() % n); }

 private:
  std::mt19937_64 rng_;
};

/// Depth of a document, without recursion (the deep tests' documents would overflow the stack).
std::size_t depth_of(const Json& j) {
  std::size_t depth = 0;
  const Json* v = &j;
  while (v->is_structured() && !v->empty()) {
    ++depth;
    v = v->is_array() ? &v->front() : &v->begin().value();
  }
  return depth;
}

}  // namespace

TEST_CASE("json writer: random documents read back identical", "[json_writer]") {
  RandomJson random(20240601);
  std::size_t differ = 0;
  for (int i = 0; i < 2000; ++i) {
    const Json j = random.value(static_cast<int>(random.pick(6)));
    const std::string text = json_to_text(j);
    INFO("text: " << text);
    const Json back = Json::parse(text);
    CHECK(identical(back, j));
    if (text != nlohmann_text(j)) ++differ;  // only where Grisu2 is not optimal: see below
  }
  CHECK(differ < 20);
}

TEST_CASE("json writer: doubles are nlohmann's layout of the shortest digits", "[json_writer]") {
  const std::vector<std::pair<double, std::string>> cases = {
      {0.1, "0.1"},
      {1e300, "1e+300"},
      {-0.0, "-0.0"},
      {0.0, "0.0"},
      {5e-324, "5e-324"},
      {1.0, "1.0"},
      {-2.5, "-2.5"},
      {1e14, "100000000000000.0"},
      {1e15, "1e+15"},
      {123456789012345.6, "123456789012345.6"},
      {1234567890123456.7, "1.2345678901234568e+15"},  // nlohmann: ...567e+15, see below
      {0.0001, "0.0001"},
      {0.00001, "1e-05"},
      {0.00012345, "0.00012345"},
      {1.7976931348623157e308, "1.7976931348623157e+308"},
      {2.2250738585072014e-308, "2.2250738585072014e-308"},
      {-1.5e-7, "-1.5e-07"},
  };
  for (const auto& [d, expected] : cases) {
    INFO("expected: " << expected);
    CHECK(json_to_text(Json(d)) == expected);
    CHECK(std::strtod(nlohmann_text(Json(d)).c_str(), nullptr) == d);
    const Json back = Json::parse(json_to_text(Json(d)));
    CHECK(identical(back, Json(d)));
  }
  // Random doubles: nlohmann's text, except where Grisu2 is not optimal: it gave more digits than
  // needed, or of two shortest texts not the one closest to the exact value (as for
  // 1234567890123456.7 above). Then ours is no longer, and names the same double.
  RandomJson random(7);
  for (int i = 0; i < 20000; ++i) {
    const double d = random.number();
    const std::string ours = json_to_text(Json(d));
    const std::string theirs = nlohmann_text(Json(d));
    if (ours != theirs) {
      INFO("ours: " << ours << " nlohmann: " << theirs);
      CHECK(ours.size() <= theirs.size());
      CHECK(std::strtod(ours.c_str(), nullptr) == std::strtod(theirs.c_str(), nullptr));
    }
    const Json back = Json::parse(ours);
    REQUIRE(back.is_number_float());
    const double x = back.get<double>();
    CHECK(std::memcmp(&x, &d, sizeof d) == 0);
  }
}

TEST_CASE("json writer: NaN and infinities are written as null", "[json_writer]") {
  CHECK(json_to_text(Json(std::numeric_limits<double>::quiet_NaN())) == "null");
  CHECK(json_to_text(Json(std::numeric_limits<double>::infinity())) == "null");
  CHECK(json_to_text(Json(-std::numeric_limits<double>::infinity())) == "null");
  CHECK(json_to_text(Json::array({std::nan(""), 1})) == "[null,1]");
}

TEST_CASE("json writer: integers are exact", "[json_writer]") {
  CHECK(json_to_text(Json(std::numeric_limits<std::int64_t>::min())) == "-9223372036854775808");
  CHECK(json_to_text(Json(std::numeric_limits<std::int64_t>::max())) == "9223372036854775807");
  CHECK(json_to_text(Json(std::numeric_limits<std::uint64_t>::max())) == "18446744073709551615");
  CHECK(json_to_text(Json(0)) == "0");
  CHECK(json_to_text(Json(0u)) == "0");
  CHECK(json_to_text(Json(-1)) == "-1");
  CHECK(json_to_text(Json(9)) == "9");
  CHECK(json_to_text(Json(10)) == "10");
  CHECK(json_to_text(Json(99)) == "99");
  CHECK(json_to_text(Json(100)) == "100");
  CHECK(json_to_text(Json(-99)) == "-99");
  for (std::int64_t v = -1000; v <= 1000; ++v) {
    CHECK(json_to_text(Json(v)) == std::to_string(v));
    if (v >= 0) CHECK(json_to_text(Json(static_cast<std::uint64_t>(v))) == std::to_string(v));
  }
}

TEST_CASE("json writer: strings are escaped as nlohmann escapes them", "[json_writer]") {
  std::string all_ascii;
  for (int c = 0; c < 0x80; ++c) all_ascii += static_cast<char>(c);
  CHECK(json_to_text(Json(all_ascii)) == nlohmann_text(Json(all_ascii)));
  CHECK(json_to_text(Json("a\"b\\c\b\f\n\r\t")) == R"("a\"b\\c\b\f\n\r\t")");
  CHECK(json_to_text(Json(std::string("\x00\x01\x1f\x7f", 4))) == "\"\\u0000\\u0001\\u001f\x7f\"");
  CHECK(json_to_text(Json("")) == "\"\"");
  // Every position of an escape relative to the 8-byte blocks, in strings of many lengths.
  for (std::size_t n = 0; n < 40; ++n) {
    for (std::size_t at = 0; at < n; ++at) {
      for (const char special : {'"', '\\', '\n', '\x01'}) {
        std::string s(n, 'x');
        s[at] = special;
        CHECK(json_to_text(Json(s)) == nlohmann_text(Json(s)));
      }
      std::string u(n, 'x');
      u.replace(at, 1, "\xE2\x82\xAC");
      CHECK(json_to_text(Json(u)) == nlohmann_text(Json(u)));
    }
  }
  // Valid UTF-8 passes through, including the edges of each range.
  const std::string valid = "\xC2\x80 \xDF\xBF \xE0\xA0\x80 \xED\x9F\xBF \xEE\x80\x80 \xEF\xBF\xBF "
                            "\xF0\x90\x80\x80 \xF4\x8F\xBF\xBF";
  CHECK(json_to_text(Json(valid)) == "\"" + valid + "\"");
  // Object keys take the same path.
  const Json o = {{"k\"ey\n", 1}, {"\xE2\x82\xAC", 2}};
  CHECK(json_to_text(o) == nlohmann_text(o));
}

TEST_CASE("json writer: invalid UTF-8 becomes U+FFFD, as nlohmann's replace handler does", "[json_writer]") {
  const std::vector<std::string> cases = {
      "\x80",              // lone continuation byte
      "a\xFFz",            // never a UTF-8 byte
      "\xC0\xAF",          // overlong '/'
      "\xC3",              // truncated at the end
      "\xE2\x82",          // truncated 3-byte sequence at the end
      "\xE2\x82z",         // truncated, then ASCII: one U+FFFD, then the 'z'
      "\xE2\x82\xE2\x82\xAC",  // truncated, then a whole euro sign
      "\xE0\x80\x80",      // overlong 3-byte form
      "\xED\xA0\x80",      // UTF-16 surrogate
      "\xF4\x90\x80\x80",  // above U+10FFFF
      "\xF5\x80\x80\x80",  // F5: never a lead byte
      "\xF0\x9F\x98",      // truncated 4-byte sequence
      "\xF0\x9F\x98\"",    // truncated, then a quote to escape
      "abcdefgh\xFFijklmnop",
  };
  for (const auto& s : cases) {
    INFO("bytes: " << s);
    const std::string text = json_to_text(Json(s));
    CHECK(text == nlohmann_text(Json(s)));
    CHECK_NOTHROW(Json::parse(text));
  }
  CHECK(json_to_text(Json("a\xFFz")) == "\"a\xEF\xBF\xBDz\"");
  CHECK(json_to_text(Json("\xE2\x82z")) == "\"\xEF\xBF\xBDz\"");
  CHECK(json_to_text(Json("\xE0\x80\x80")) == "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");
  // Random bytes: same text as nlohmann's replace handler, and always valid UTF-8.
  std::mt19937_64 rng(99);
  for (int i = 0; i < 5000; ++i) {
    std::string s(static_cast<std::size_t>(rng() % 40), '\0');
    for (auto& c : s) {
      const auto r = rng();
      // Mostly high bytes, so that sequences are often almost valid.
      c = static_cast<char>(r % 4 == 0 ? 'a' + static_cast<int>(r % 26) : 0x80 + static_cast<int>((r >> 8) % 0x80));
    }
    INFO("case " << i);
    const std::string text = json_to_text(Json(s));
    CHECK(text == nlohmann_text(Json(s)));
    CHECK_NOTHROW(Json::parse(text));
  }
}

TEST_CASE("json writer: empty containers, literals, binary, discarded", "[json_writer]") {
  CHECK(json_to_text(Json::object()) == "{}");
  CHECK(json_to_text(Json::array()) == "[]");
  CHECK(json_to_text(Json::parse(R"([[],{},[[]],{"a":{}},{"b":[]}])")) == R"([[],{},[[]],{"a":{}},{"b":[]}])");
  CHECK(json_to_text(Json(nullptr)) == "null");
  CHECK(json_to_text(Json(true)) == "true");
  CHECK(json_to_text(Json(false)) == "false");
  // Key order is kept (ordered_json).
  CHECK(json_to_text(Json::parse(R"({"z":1,"a":[1,2.5,"x"],"m":null})")) == R"({"z":1,"a":[1,2.5,"x"],"m":null})");
  const Json bin = Json::binary({1, 2, 255});
  CHECK(json_to_text(bin) == nlohmann_text(bin));
  const Json bin_sub = Json::binary({7}, 42);
  CHECK(json_to_text(bin_sub) == nlohmann_text(bin_sub));
  CHECK(json_to_text(Json::binary({})) == nlohmann_text(Json::binary({})));
  CHECK(json_to_text(Json(Json::value_t::discarded)) == "null");
}

TEST_CASE("json writer: appends, and one writer serves many documents", "[json_writer]") {
  asl::detail::JsonTextWriter w;
  std::string out = "prefix:";
  w.write(Json::parse(R"({"a":[1,2]})"), out);
  CHECK(out == R"(prefix:{"a":[1,2]})");
  out.clear();
  w.write(Json("x"), out);
  CHECK(out == R"("x")");
  // A big document after a small one, and the small one again: no stale bytes.
  Json big = Json::array();
  for (int i = 0; i < 5000; ++i) big.push_back({{"id", i}, {"s", std::string(static_cast<std::size_t>(i % 50), 'q')}});
  out.clear();
  w.write(big, out);
  CHECK(out == big.dump());
  out.clear();
  w.write(Json(1), out);
  CHECK(out == "1");
  // The journal's entry point gives the same text.
  CHECK(asl::detail::durable::json_text(big) == big.dump());
  CHECK(asl::detail::durable::json_text(Json("\xFF")) == "\"\xEF\xBF\xBD\"");
}

TEST_CASE("json writer: 100,000 levels deep, without recursion", "[json_writer]") {
  constexpr std::size_t depth = 100000;
  SECTION("arrays") {
    Json root = Json::array();
    Json* cur = &root;
    for (std::size_t i = 1; i < depth; ++i) {
      cur->push_back(Json::array());
      cur = &cur->back();
    }
    const std::string text = json_to_text(root);
    CHECK(text == std::string(depth, '[') + std::string(depth, ']'));
    const Json back = Json::parse(text);
    CHECK(depth_of(back) == depth - 1);  // the innermost array is empty
  }
  SECTION("objects") {
    Json root = Json::object();
    Json* cur = &root;
    for (std::size_t i = 1; i < depth; ++i) cur = &((*cur)["k"] = Json::object());
    (*cur)["k"] = 1;
    const std::string text = json_to_text(root);
    std::string expected;
    for (std::size_t i = 0; i < depth; ++i) expected += "{\"k\":";
    expected += "1";
    expected += std::string(depth, '}');
    CHECK(text == expected);
    const Json back = Json::parse(text);
    CHECK(depth_of(back) == depth);
  }
  SECTION("mixed, with siblings after the deep part") {
    Json root = Json::array();
    Json* cur = &root;
    for (std::size_t i = 0; i < depth; ++i) {
      cur->push_back(i % 2 == 0 ? Json::object() : Json::array());
      cur->push_back(static_cast<std::uint64_t>(i));
      Json& child = (*cur)[0];
      cur = child.is_object() ? &(child["v"] = Json::array()) : &child;
    }
    const std::string text = json_to_text(root);
    const Json back = Json::parse(text);
    CHECK(json_to_text(back) == text);
  }
}
