// ItemBatcher: groups a Map's items into child inputs {"BatchInput": ..., "Items": [...]} by
// MaxItemsPerBatch and MaxInputBytesPerBatch, pulling items only as batches are asked for.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <utility>

#include "asl/detail/items/item_source.hpp"
#include "asl/detail/json/writer.hpp"

namespace asl::detail {

struct BatchLimits {
  std::size_t max_items = 0;  ///< 0 = no item limit
  /// Serialized bytes of a child's input. AWS caps a batch at 256 KiB even without
  /// MaxInputBytesPerBatch (spec §3.9.5), so that is the default.
  std::size_t max_bytes = 256 * 1024;
  std::optional<Json> batch_input;  ///< BatchInput, evaluated once per Map Run
};

class BatchingSource final : public ItemSource {
 public:
  BatchingSource(std::unique_ptr<ItemSource> inner, BatchLimits limits)
      : inner_(std::move(inner)), limits_(std::move(limits)) {
    // {"Items":[]} plus ,"BatchInput":<text> when there is one.
    overhead_ = 12 + (limits_.batch_input ? 14 + json_to_text(*limits_.batch_input).size() : 0);
  }

  std::optional<Error> next(Json& out, bool& end) override {
    Json items = Json::array();
    std::size_t bytes = overhead_;
    for (;;) {
      if (limits_.max_items && items.size() >= limits_.max_items) break;
      if (!held_) {
        if (done_) break;
        Json item;
        bool e = false;
        if (auto err = inner_->next(item, e)) return err;
        if (e) {
          done_ = true;
          break;
        }
        held_size_ = json_to_text(item).size();
        held_ = std::move(item);
      }
      const std::size_t more = held_size_ + (items.empty() ? 0 : 1);
      // An item too large for any batch still goes, alone: its child then fails on the size,
      // as an oversized item would without batching.
      if (!items.empty() && bytes + more > limits_.max_bytes) break;
      bytes += more;
      items.push_back(std::move(*held_));
      held_.reset();
    }
    if (items.empty()) {
      end = true;
      return std::nullopt;
    }
    out = Json::object();
    if (limits_.batch_input) out["BatchInput"] = *limits_.batch_input;
    out["Items"] = std::move(items);
    return std::nullopt;
  }

 private:
  std::unique_ptr<ItemSource> inner_;
  BatchLimits limits_;
  std::size_t overhead_ = 0;
  std::optional<Json> held_;  ///< the item that did not fit the last batch
  std::size_t held_size_ = 0;
  bool done_ = false;
};

}  // namespace asl::detail
