// The JSON Lines ItemReader (InputType JSONL): one JSON value per line, read a line at a time.
// SPDX-License-Identifier: MIT
#pragma once

#include <istream>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "asl/detail/items/item_source.hpp"
#include "asl/parse_json.hpp"

namespace asl::detail {

class JsonLinesSource final : public ItemSource {
 public:
  explicit JsonLinesSource(std::unique_ptr<std::istream> in) : in_(std::move(in)) {}

  std::optional<Error> next(Json& out, bool& end) override {
    while (read_line()) {
      ++line_number_;
      if (line_.size() > max_item_bytes) return item_too_large(line_number_);
      if (!line_.empty() && line_.back() == '\r') line_.pop_back();
      if (line_.find_first_not_of(" \t") == std::string::npos) continue;  // blank lines carry no item
      try {
        out = parse_json(line_);
      } catch (const std::exception& e) {
        return item_reader_failed(fmt::format("Line {} is not valid JSON: {}", line_number_, e.what()));
      }
      return std::nullopt;
    }
    end = true;
    return std::nullopt;
  }

 private:
  /// std::getline, but it stops keeping characters past max_item_bytes (the line is then
  /// refused whole): a file with no line break is not read into memory.
  bool read_line() {
    line_.clear();
    std::streambuf* sb = in_->rdbuf();
    if (sb == nullptr) return false;
    bool any = false;
    for (int c = sb->sbumpc(); c != std::char_traits<char>::eof(); c = sb->sbumpc()) {
      any = true;
      if (c == '\n') return true;
      if (line_.size() <= max_item_bytes) line_.push_back(static_cast<char>(c));
    }
    return any;
  }

  std::unique_ptr<std::istream> in_;
  std::string line_;
  std::size_t line_number_ = 0;
};

}  // namespace asl::detail
