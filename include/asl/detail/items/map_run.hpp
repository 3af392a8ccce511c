// MapRun: what a Distributed Map with an ItemReader, ItemBatcher or ResultWriter keeps while it
// runs: the item feed, the writer, and the inputs of the children still running.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

#include <fmt/format.h>

#include "asl/detail/items/item_source.hpp"
#include "asl/detail/items/result_writer.hpp"
#include "asl/detail/json/writer.hpp"
#include "asl/result.hpp"

namespace asl::detail {

/// ItemSelector applied to each item before batching (AWS selects, then batches).
class SelectingSource final : public ItemSource {
 public:
  using Select = std::function<Result<Json>(Json item, std::size_t index)>;
  SelectingSource(std::unique_ptr<ItemSource> inner, Select select)
      : inner_(std::move(inner)), select_(std::move(select)) {}

  std::optional<Error> next(Json& out, bool& end) override {
    Json item;
    if (auto e = inner_->next(item, end)) return e;
    if (end) return std::nullopt;
    auto r = select_(std::move(item), index_++);
    if (!r) return std::move(r).error();
    out = std::move(*r);
    return std::nullopt;
  }

 private:
  std::unique_ptr<ItemSource> inner_;
  Select select_;
  std::size_t index_ = 0;
};

/// How many journal frame ids a Map Run's children take: its item count is known only when its
/// feed ends, and the block is recorded when the run begins, so it takes as many as a child's
/// slot can number. Ids are 64-bit: an execution would need four billion Map Runs to run out.
inline constexpr std::uint32_t map_run_child_ids = 0xffffffffu;

/// Guarded by the Map's join lock.
struct MapRun {
  std::unique_ptr<ItemSource> feed;
  bool exhausted = false;
  std::unique_ptr<ResultWriterSink> writer;        ///< exporting ResultWriter
  std::optional<WriterTransformation> reshape;     ///< WriterConfig alone: the output array reshaped
  std::string arn, run_id;                          ///< the Map Run's ARN and its UUID part
  std::string child_machine_arn;                    ///< `<stateMachineArn>/<Label>` (C4)
  std::string execution_prefix;                     ///< children's execution ARNs start with this

  /// A running child's input and start, for its record (only with a writer).
  struct Running {
    std::string input, start;
  };
  std::unordered_map<std::size_t, Running> running;

  /// A child execution's name: a UUID derived from the Map Run and the child's index.
  std::string child_name(std::size_t i) const {
    const std::size_t h = std::hash<std::string>{}(run_id) ^ (i * 0x9e3779b97f4a7c15ULL);
    return fmt::format("{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}", static_cast<std::uint32_t>(h >> 32),
                       static_cast<std::uint32_t>(h >> 16) & 0xffffU, static_cast<std::uint32_t>(i >> 12) & 0xfffU,
                       static_cast<std::uint32_t>(i) & 0xfffU, static_cast<std::uint64_t>(i) & 0xffffffffffffULL);
  }

  void begin(std::size_t slot, const Json& input, std::string now) {
    if (writer) running.emplace(slot, Running{json_to_text(input), std::move(now)});
  }

  ChildRecord record(std::size_t slot, std::string now) {
    ChildRecord c;
    auto it = running.find(slot);
    if (it != running.end()) {
      c.input = std::move(it->second.input);
      c.start_date = std::move(it->second.start);
      running.erase(it);
    }
    c.name = child_name(slot);
    c.execution_arn = execution_prefix + c.name;
    c.state_machine_arn = child_machine_arn;
    c.stop_date = std::move(now);
    return c;
  }
};

}  // namespace asl::detail
