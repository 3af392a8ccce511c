// The CSV ItemReader (InputType CSV): records split as RFC 4180 says, read through a fixed
// buffer, each row an object of strings keyed by the header, as AWS builds them.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <istream>
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "asl/detail/items/item_source.hpp"

namespace asl::detail {

/// Splits a stream into CSV records: `delimiter` between fields, `"` quoting (a quoted field
/// may hold delimiters, line breaks and `""` for a quote), records ending at LF or CRLF.
/// Reads 64 KiB at a time; holds only the record it is on.
class CsvRecordReader {
 public:
  CsvRecordReader(std::unique_ptr<std::istream> in, char delimiter) : in_(std::move(in)), delimiter_(delimiter) {}

  /// The next record's fields into `fields` (reused), skipping blank lines; false at the end,
  /// or when the record is longer than max_item_bytes (too_long() then says so).
  bool next(std::vector<std::string>& fields) {
    for (;;) {
      fields.clear();
      if (!peek()) return false;
      std::string field;
      bool any = false;  // the record has a delimiter or a character (a blank line has neither)
      record_bytes_ = 0;
      for (;;) {
        if (too_long_) return false;
        int c = get();
        if (c < 0 || c == '\n') break;
        if (c == '\r' && peek_char() == '\n') continue;
        any = true;
        if (c == '"' && field.empty() && !quoted_start_) {
          quoted_start_ = true;
          read_quoted(field);
          continue;
        }
        if (c == static_cast<unsigned char>(delimiter_)) {
          fields.push_back(std::move(field));
          field.clear();
          quoted_start_ = false;
          continue;
        }
        field.push_back(static_cast<char>(c));
      }
      quoted_start_ = false;
      if (!any) continue;
      fields.push_back(std::move(field));
      return true;
    }
  }

 private:
  void read_quoted(std::string& field) {
    for (;;) {
      if (too_long_) return;
      int c = get();
      if (c < 0) return;  // an unclosed quote runs to the end of the file
      if (c == '"') {
        if (peek_char() == '"') {
          get();
          field.push_back('"');
          continue;
        }
        return;  // whatever follows up to the delimiter is appended as written
      }
      field.push_back(static_cast<char>(c));
    }
  }

  bool peek() { return at_ < size_ || fill(); }
  int peek_char() { return peek() ? static_cast<unsigned char>(buf_[at_]) : -1; }
  int get() {
    if (!peek()) return -1;
    if (++record_bytes_ > max_item_bytes) too_long_ = true;
    return static_cast<unsigned char>(buf_[at_++]);
  }

 public:
  bool too_long() const { return too_long_; }

 private:
  bool fill() {
    if (!in_ || !*in_) return false;
    in_->read(buf_.data(), static_cast<std::streamsize>(buf_.size()));
    size_ = static_cast<std::size_t>(in_->gcount());
    at_ = 0;
    return size_ > 0;
  }

  std::unique_ptr<std::istream> in_;
  char delimiter_;
  std::string buf_ = std::string(64 * 1024, '\0');
  std::size_t at_ = 0, size_ = 0;
  std::size_t record_bytes_ = 0;
  bool quoted_start_ = false;
  bool too_long_ = false;
};

/// CSVDelimiter's names (ReaderConfig) to the character; COMMA when absent.
inline char csv_delimiter(const std::string& name) {
  if (name == "PIPE") return '|';
  if (name == "SEMICOLON") return ';';
  if (name == "SPACE") return ' ';
  if (name == "TAB") return '\t';
  return ',';
}

/// Rows as items: every value a string, header cells used verbatim as keys, extra fields
/// dropped, missing ones "" (all AWS-recorded, LocalStack test_base_scenarios).
class CsvItemSource final : public ItemSource {
 public:
  /// `headers` given (CSVHeaderLocation GIVEN), or nullopt to read them from the first row.
  CsvItemSource(std::unique_ptr<std::istream> in, char delimiter, std::optional<std::vector<std::string>> headers)
      : reader_(std::move(in), delimiter), headers_(std::move(headers)) {}

  std::optional<Error> next(Json& out, bool& end) override {
    if (!headers_) {
      std::vector<std::string> first;
      if (!reader_.next(first)) {
        if (reader_.too_long()) return item_too_large(0);
        end = true;
        return std::nullopt;
      }
      headers_ = std::move(first);
    }
    if (!checked_) {
      checked_ = true;
      std::unordered_set<std::string> seen;
      for (const auto& h : *headers_)
        if (!seen.insert(h).second) return item_reader_failed("CSV headers cannot contain duplicates.");
    }
    if (!reader_.next(fields_)) {
      if (reader_.too_long()) return item_too_large(items_ + 1);
      end = true;
      return std::nullopt;
    }
    ++items_;
    out = Json::object();
    auto& obj = out.get_ref<Json::object_t&>();
    obj.reserve(headers_->size());
    for (std::size_t i = 0; i < headers_->size(); ++i)
      obj.emplace_back((*headers_)[i], i < fields_.size() ? Json(std::move(fields_[i])) : Json(std::string()));
    return std::nullopt;
  }

 private:
  CsvRecordReader reader_;
  std::optional<std::vector<std::string>> headers_;
  std::vector<std::string> fields_;
  std::size_t items_ = 0;
  bool checked_ = false;
};

}  // namespace asl::detail
