// Fuzz target: payload templates (asl::detail::PayloadTemplate). Input: the first line is the
// template (a JSON value, usually an object with `.$` keys), the rest the JSON input (a fixed
// document when it does not parse).
// SPDX-License-Identifier: MIT
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <asl/detail/jsonpath/payload_template.hpp>

#include "fuzz_common.hpp"

using asl::Json;
using asl::detail::PayloadTemplate;
using asl::detail::TemplateError;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto [tmpl_text, doc_text] = asl_fuzz::split_line(asl_fuzz::as_text(data, size));
  const auto tmpl = asl_fuzz::parse_json(tmpl_text);
  if (!tmpl) return 0;
  const auto parsed = asl_fuzz::parse_json(doc_text);
  const Json& input = parsed ? *parsed : asl_fuzz::default_document();
  const Json context = asl_fuzz::make_context(input);

  std::vector<TemplateError> problems;
  const PayloadTemplate checked = PayloadTemplate::compile(*tmpl, &problems);
  for (const auto& p : problems) {
    ASL_FUZZ_CHECK(!p.message.empty(), p.pointer);
    ASL_FUZZ_CHECK(asl_fuzz::valid_utf8(p.message), p.message);
  }
  const PayloadTemplate lenient = PayloadTemplate::compile(*tmpl);
  ASL_FUZZ_CHECK(checked.uses_context() == lenient.uses_context(), std::string(tmpl_text));

  const asl::Result<Json> r = lenient.evaluate(input, &context);
  if (r.ok()) {
    (void)r.value().dump();
    if (problems.empty()) {
      // A template without problems gives an object for an object template, the same literal
      // for a template without `.$` keys, and the same value every time.
      if (tmpl->is_object()) ASL_FUZZ_CHECK(r.value().is_object(), r.value().dump());
      const asl::Result<Json> again = checked.evaluate(input, &context);
      ASL_FUZZ_CHECK(again.ok(), std::string(tmpl_text));
    }
  } else {
    const asl::Error& e = r.error();
    ASL_FUZZ_CHECK(e.name.has_value() && !e.name->empty(), std::string(tmpl_text));
    ASL_FUZZ_CHECK(e.cause.has_value() && asl_fuzz::valid_utf8(*e.cause), e.cause.value_or(""));
  }

  // Without a context object: `$$` paths fail cleanly.
  const asl::Result<Json> r2 = lenient.evaluate(input, nullptr);
  if (!lenient.uses_context()) ASL_FUZZ_CHECK(r2.ok() == r.ok(), std::string(tmpl_text));
  return 0;
}
