// The JSON ItemReader (InputType JSON): the file is one JSON array (or holds one at
// ItemsPointer) whose elements are the items.
// SPDX-License-Identifier: MIT
#pragma once

#include <istream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "asl/detail/items/item_source.hpp"
#include "asl/parse_json.hpp"

namespace asl::detail {

/// The items of a JSON ItemReader's document: the array at `items_pointer` (a JSON Pointer;
/// empty: the document itself), with AWS's causes when the pointer names nothing or the value
/// is not an array. TestState applies the same rule to its `mapItemReaderData`.
inline std::optional<Error> items_at_pointer(Json& doc, const std::string& items_pointer) {
  if (!items_pointer.empty()) {
    try {
      doc = std::move(doc.at(Json::json_pointer(items_pointer)));
    } catch (const std::exception&) {
      return item_reader_failed("The ItemsPointer " + items_pointer + " does not point to a value in the file.");
    }
  }
  // AWS-recorded cause for a file that is not an array (reference durability-dmap-testing.md C1).
  if (!doc.is_array()) return item_reader_failed("Attempting to map over non-iterable node.");
  return std::nullopt;
}

/// The array is parsed whole: unlike CSV and JSON Lines, a JSON document has no item
/// boundaries a reader can find without parsing it (a file of a million items is read at once;
/// write it as JSONL to stream it).
inline std::optional<Error> open_json_items(std::istream& in, const std::string& items_pointer,
                                            std::unique_ptr<ItemSource>& out) {
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  Json doc;
  try {
    doc = parse_json(text);
  } catch (const std::exception& e) {
    return item_reader_failed(std::string("The file is not valid JSON: ") + e.what());
  }
  text = std::string();
  if (auto e = items_at_pointer(doc, items_pointer)) return e;
  out = std::make_unique<ArraySource>(std::move(doc));
  return std::nullopt;
}

}  // namespace asl::detail
