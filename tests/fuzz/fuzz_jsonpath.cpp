// Fuzz target: JSONPath parsing and evaluation (asl::detail::jsonpath). Input: the first line is
// the path, the rest a JSON document (a fixed document when the rest does not parse).
// SPDX-License-Identifier: MIT
#include <cstddef>
#include <cstdint>
#include <string>

#include <asl/detail/jsonpath/path.hpp>

#include "fuzz_common.hpp"

namespace jp = asl::detail::jsonpath;
using asl::Json;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto [path_text, doc_text] = asl_fuzz::split_line(asl_fuzz::as_text(data, size));
  const auto parsed = asl_fuzz::parse_json(doc_text);
  const Json& doc = parsed ? *parsed : asl_fuzz::default_document();

  jp::Path path;
  try {
    path = jp::Path::parse(path_text);
  } catch (const jp::SyntaxError& e) {
    ASL_FUZZ_CHECK(e.what()[0] != '\0', "empty SyntaxError message");
    return 0;
  }
  ASL_FUZZ_CHECK(path.text() == path_text, path.text());
  ASL_FUZZ_CHECK(!path.is_reference() || path.definite(), path.text());
  // Texts built from a valid UTF-8 path stay valid UTF-8 (definitions are checked for UTF-8).
  const bool text_ok = asl_fuzz::valid_utf8(path_text);
  if (text_ok) ASL_FUZZ_CHECK(asl_fuzz::valid_utf8(path.normalized()), path.normalized());

  const Json context = asl_fuzz::make_context(doc);
  const Json& root = path.root() == jp::Root::context ? context : doc;

  // select (copying) and find must agree on definite paths.
  Json out;
  std::string miss;
  const bool found = path.select(root, out, &miss);
  if (found) (void)out.dump();
  else if (text_ok) ASL_FUZZ_CHECK(asl_fuzz::valid_utf8(miss), miss);
  if (path.definite()) {
    std::string miss2;
    const Json* node = path.find(root, &miss2);
    ASL_FUZZ_CHECK((node != nullptr) == found, path.text());
    if (node != nullptr) ASL_FUZZ_CHECK(*node == out, path.text());
    else ASL_FUZZ_CHECK(miss2 == miss, path.text() + ": " + miss + " vs " + miss2);
  } else {
    std::string miss2;
    ASL_FUZZ_CHECK(path.find(root, &miss2) == nullptr, path.text());
  }

  // select on an rvalue (moves the node out of a copy) gives the same value.
  {
    Json copy = root;
    Json moved;
    const bool found2 = path.select(std::move(copy), moved);
    ASL_FUZZ_CHECK(found2 == found, path.text());
    if (found2) ASL_FUZZ_CHECK(moved == out, path.text());
  }

  // assign (ResultPath): when it applies, the value is then found at the path.
  {
    Json target = doc;
    const Json value = Json{{"assigned", true}};
    if (path.assign(target, value)) {
      ASL_FUZZ_CHECK(path.root() == jp::Root::input && path.definite(), path.text());
      const Json* at = path.find(target);
      ASL_FUZZ_CHECK(at != nullptr && *at == value, path.text() + " -> " + target.dump());
    } else {
      ASL_FUZZ_CHECK(target == doc, "a failed assign changed the document: " + path.text());
    }
  }
  return 0;
}
