// Fuzz target: deep and wide JSON at every entry point (parse_json, an execution's input, a task's result, States.StringToJson). Input: a shape program, see below.
// SPDX-License-Identifier: MIT
//
// The bytes are not JSON: they describe one, so that a few bytes reach any depth. Byte 0 scales
// every count (1 to 4,096); then each pair (op, n) appends to the document:
//   op % 5 == 0: open n * scale arrays        op % 5 == 1: open n * scale objects (key "k")
//   op % 5 == 2: n * scale scalars (wide)     op % 5 == 3: close n levels
//   op % 5 == 4: a string holding an escaped nested document of n * scale levels
// and everything still open is closed at the end. Text is capped at 4 MiB. Every entry point
// must answer with a value or an error: a crash, a sanitizer report or a stack overflow is a bug.
// The work runs on a thread with a deliberately small stack, so any recursion that follows the
// data's depth (rather than the engine's limit) overflows here first.
#include <pthread.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <asl/asl.hpp>
#include <asl/detail/json/depth.hpp>

#include "fuzz_common.hpp"

using asl::Json;

namespace {

constexpr std::size_t max_text = 4u << 20;

std::string shape(const std::uint8_t* data, std::size_t size) {
  std::string out;
  std::string closers;  // what closes each open level, innermost last
  if (size == 0) return "null";
  const std::size_t scale = 1u + (static_cast<std::size_t>(data[0]) * data[0]) / 16u;
  bool need_comma = false;
  auto value_start = [&] {
    if (!closers.empty() && closers.back() == '}') {
      if (need_comma) out += ',';
      out += "\"k\":";
    } else if (need_comma) {
      out += ',';
    }
  };
  for (std::size_t i = 1; i + 1 < size && out.size() < max_text; i += 2) {
    const std::size_t n = data[i + 1] % 64u;
    switch (data[i] % 5u) {
      case 0:
      case 1: {
        const bool object = data[i] % 5u == 1;
        for (std::size_t k = 0; k < n * scale && out.size() < max_text; ++k) {
          value_start();
          out += object ? '{' : '[';
          closers += object ? '}' : ']';
          need_comma = false;
        }
        break;
      }
      case 2:
        for (std::size_t k = 0; k < n * scale && out.size() < max_text; ++k) {
          value_start();
          out += (k % 3 == 0) ? "1" : (k % 3 == 1) ? "\"s\"" : "true";
          need_comma = true;
        }
        break;
      case 3:
        for (std::size_t k = 0; k < n && !closers.empty(); ++k) {
          out += closers.back();
          closers.pop_back();
          need_comma = true;
        }
        break;
      default: {
        value_start();
        const std::size_t levels = std::min(n * scale, max_text / 4);
        out += '"';
        out += std::string(levels, '[');
        out += std::string(levels, ']');
        out += '"';
        need_comma = true;
      }
    }
  }
  if (out.empty()) out = "0";
  while (!closers.empty()) {
    out += closers.back();
    closers.pop_back();
  }
  return out;
}

struct Work {
  const std::uint8_t* data;
  std::size_t size;
};

const asl::StateMachine& machine() {
  // Every stage that copies, compares, sizes or serializes a document: templates, a task that
  // echoes its input, StringToJson of every string, a Map over arrays, Choice, Catch.
  static const asl::StateMachine sm = [] {
    asl::HandlerRegistry tasks;
    tasks.add("arn:aws:lambda:us-east-1:123456789012:function:echo", [](const Json& in) { return in; });
    return asl::StateMachine::parse(R"J({"StartAt":"Shape","States":{
      "Shape":{"Type":"Pass","Parameters":{"doc.$":"$.value","text.$":"States.JsonToString($.value)"},
               "ResultPath":"$.shape","Next":"Echo"},
      "Echo":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:echo","ResultPath":"$.echo",
              "Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.error","Next":"Done"}],"Next":"Parse"},
      "Parse":{"Type":"Pass","Parameters":{"back.$":"States.StringToJson($.shape.text)","same.$":"$.shape.doc"},
               "ResultPath":"$.parsed","Next":"IsArray"},
      "IsArray":{"Type":"Choice","Choices":[{"Variable":"$.items","IsPresent":true,"Next":"Fan"}],"Default":"Done"},
      "Fan":{"Type":"Map","ItemsPath":"$.items","ResultPath":"$.fanned","Next":"Done",
             "ItemProcessor":{"StartAt":"Item","States":{"Item":{"Type":"Pass","Parameters":{"i.$":"$"},"End":true}}},
             "Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.error","Next":"Done"}]},
      "Done":{"Type":"Pass","End":true}}})J",
                                   tasks);
  }();
  return sm;
}

void* run(void* arg) {
  const Work& w = *static_cast<const Work*>(arg);
  const std::string text = shape(w.data, w.size);
  // 1. The public reader: a value within the limit, or one of its two errors.
  Json doc;
  try {
    doc = asl::parse_json(text);
    ASL_FUZZ_CHECK(asl::detail::json_depth(doc) <= asl::default_max_json_depth, "parse_json returned a deep value");
    ASL_FUZZ_CHECK(asl::parse_json(doc.dump()) == doc, "parse_json(dump) differs");
  } catch (const asl::JsonDepthError&) {
    doc = Json{{"deep", true}};
  } catch (const Json::parse_error&) {
    doc = Json{{"malformed", true}};
  }
  // 2. An execution whose input is the document (items: the document when it is an array).
  Json input = Json{{"value", std::move(doc)}};
  if (input["value"].is_array()) input["items"] = input["value"];
  asl::EngineOptions o;
  o.inline_execution = true;
  o.virtual_time = true;
  o.payload_limit = 0;  // sizes are not the point: depth is
  asl::Engine engine(o);
  const auto r = engine.run(machine(), std::move(input));
  ASL_FUZZ_CHECK(r.status == asl::Status::succeeded || r.status == asl::Status::failed,
                 std::string("unexpected status ") + std::string(asl::to_string(r.status)));
  if (r.status == asl::Status::succeeded)
    ASL_FUZZ_CHECK(asl::detail::json_depth(r.output) <= asl::default_max_json_depth, "a deep output");
  // 3. The unparsed text as an execution input string, read by States.StringToJson.
  const auto s = engine.run(machine(), Json{{"value", text}});
  ASL_FUZZ_CHECK(s.status == asl::Status::succeeded || s.status == asl::Status::failed, "unexpected status");
  return nullptr;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // 512 KiB: the engine's own recursion at its depth limit needs a fraction of that in an
  // optimised build; sanitizers make frames several times larger, so they get 4 MiB.
#if defined(__SANITIZE_ADDRESS__)
  constexpr std::size_t stack = 4u << 20;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
  constexpr std::size_t stack = 4u << 20;
#else
  constexpr std::size_t stack = 512u << 10;
#endif
#else
  constexpr std::size_t stack = 512u << 10;
#endif
  Work w{data, size};
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, stack);
  pthread_t t;
  if (pthread_create(&t, &attr, run, &w) != 0) {
    std::fprintf(stderr, "fuzz_deep_json: cannot start a thread\n");
    std::abort();
  }
  pthread_join(t, nullptr);
  pthread_attr_destroy(&attr);
  return 0;
}
