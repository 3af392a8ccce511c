// ItemSource: where a Distributed Map's items come from, pulled one at a time as the Map's
// window drains, so a reader never holds more of a file than the item it is on.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "asl/error.hpp"
#include "asl/json.hpp"

namespace asl::detail {

/// States.ItemReaderFailed with `cause`: how every reader failure reaches the Map Run.
inline Error item_reader_failed(std::string cause) {
  return Error(std::string(errors::item_reader_failed), std::move(cause));
}

/// The largest item a reader reads (AWS: an item of up to 8 MB may be read, then shrunk by
/// ItemSelector below the 256 KiB input quota). A longer CSV record or JSON line fails the Map
/// Run instead of growing without bound: an unclosed quote would otherwise take in the whole file.
inline constexpr std::size_t max_item_bytes = 8 * 1024 * 1024;

inline Error item_too_large(std::size_t item_number) {
  return item_reader_failed("Item " + std::to_string(item_number) + " is larger than the maximum item size of " +
                            std::to_string(max_item_bytes) + " bytes.");
}

/// A pull-based item stream. Not thread-safe: the Map's join lock serialises the pulls.
class ItemSource {
 public:
  ItemSource() = default;
  virtual ~ItemSource() = default;
  ItemSource(const ItemSource&) = delete;
  ItemSource& operator=(const ItemSource&) = delete;

  /// Sets `out` to the next item, or `end` to true when there is none; or returns the failure
  /// (after which the source is not pulled again).
  virtual std::optional<Error> next(Json& out, bool& end) = 0;
};

/// The items of a JSON array already in memory (the state input's items, or a JSON file's).
class ArraySource final : public ItemSource {
 public:
  explicit ArraySource(Json items) : items_(std::move(items)) {}
  std::optional<Error> next(Json& out, bool& end) override {
    if (at_ >= items_.size()) {
      end = true;
      return std::nullopt;
    }
    out = std::move(items_[at_++]);  // each item is handed out once
    return std::nullopt;
  }

 private:
  Json items_;
  std::size_t at_ = 0;
};

/// At most `limit` items of `inner` (ReaderConfig.MaxItems; 0 = no limit).
class LimitedSource final : public ItemSource {
 public:
  LimitedSource(std::unique_ptr<ItemSource> inner, std::size_t limit) : inner_(std::move(inner)), left_(limit) {}
  std::optional<Error> next(Json& out, bool& end) override {
    if (left_ == 0) {
      end = true;
      return std::nullopt;
    }
    --left_;
    return inner_->next(out, end);
  }

 private:
  std::unique_ptr<ItemSource> inner_;
  std::size_t left_;
};

}  // namespace asl::detail
