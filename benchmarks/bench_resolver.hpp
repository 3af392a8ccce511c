// The benchmark contract's task resolver (../shared/bench/CONTRACT.md §3): noop, echo, flaky.
// SPDX-License-Identifier: MIT
#pragma once

#include <array>
#include <charconv>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <asl/task.hpp>

namespace asl_bench {

/// Resolves `arn:aws:lambda:<region>:<account>:function:<name>` for name in {noop, echo, flaky}.
/// `flaky` keeps a counter per (state, id) that reset() clears before each execution.
class BenchResolver final : public asl::TaskResolver {
 public:
  asl::TaskHandler resolve(const asl::ResolveRequest& req) const override {
    const std::string_view r = req.resource;
    const std::string_view prefix = "arn:aws:lambda:";
    const auto fn = r.find(":function:");
    if (r.substr(0, prefix.size()) != prefix || fn == std::string_view::npos) return {};
    const std::string_view name = r.substr(fn + 10);
    if (name == "noop")
      return [](const asl::Json&, asl::TaskContext&) -> asl::Result<asl::Json> {
        // Built member by member: nlohmann's initializer-list constructor builds a temporary
        // ["ok", true] array per member, and destroying it allocates a scratch stack. That was
        // ~1,500 instructions and 5 allocations per call, 17 % of map_fanout's execution,
        // which is the handler's cost, not the engine's. This is 2 allocations.
        asl::Json out(asl::Json::value_t::object);
        out.get_ref<asl::Json::object_t&>().emplace_back("ok", true);
        return out;
      };
    if (name == "echo")
      return [](const asl::Json& in, asl::TaskContext&) -> asl::Result<asl::Json> { return in; };
    if (name == "flaky") {
      // One counter table per Task state: resolve() runs once per state, so the state half of
      // the (state, id) key is fixed here and the handler keys by id alone.
      auto counters = std::make_shared<StateCounters>();
      {
        std::lock_guard<std::mutex> lock(registry_->mutex);
        registry_->states.push_back(counters);
      }
      return [counters](const asl::Json& in, asl::TaskContext&) -> asl::Result<asl::Json> {
        if (!in.is_object()) return bad_input();
        // One pass over the members instead of three ordered_map lookups.
        const asl::Json* id = nullptr;
        const asl::Json* failures_field = nullptr;
        bool has_attempts = false;
        for (const auto& [member, value] : in.get_ref<const asl::Json::object_t&>()) {
          const std::string_view key = member;
          if (key == "id") id = &value;
          else if (key == "failures") failures_field = &value;
          else if (key == "attempts") has_attempts = true;
        }
        if (id == nullptr) return bad_input();
        const std::int64_t failures =
            failures_field != nullptr && failures_field->is_number() ? failures_field->get<std::int64_t>() : 2;
        const std::int64_t n = counters->next(*id);
        if (n <= failures) return transient(n, *id);
        // The input plus "attempts", built at its final size: growing a copy would deep-copy
        // every member again (an ordered_json object's vector cannot move its elements).
        if (has_attempts) {
          asl::Json copy = in;
          copy["attempts"] = n;
          return copy;
        }
        asl::Json out = asl::Json::object();
        auto& members = out.get_ref<asl::Json::object_t&>();
        members.reserve(in.size() + 1);
        for (const auto& [k, v] : in.items()) members.emplace_back(k, v);
        members.emplace_back("attempts", n);
        return out;
      };
    }
    return {};
  }

  /// Called before every execution: flaky counters do not carry over (CONTRACT.md §2.3).
  void reset() {
    std::lock_guard<std::mutex> lock(registry_->mutex);
    for (const auto& state : registry_->states) state->clear();
  }

 private:
  static constexpr std::string_view transient_error = "Flaky.TransientError";

  /// The attempt counters of one Task state. Integer ids (the common case) are keyed by value;
  /// any other id by its JSON text, as the peer keys them. The two never collide: an integer's
  /// text only ever comes from an integer.
  class StateCounters {
   public:
    std::int64_t next(const asl::Json& id) {
      if (const auto i = integer_id(id)) {
        Shard& shard = shards_[static_cast<std::uint64_t>(*i) % shard_count];
        std::lock_guard<std::mutex> lock(shard.mutex);
        return ++shard.by_integer[*i];
      }
      Shard& shard = shards_[0];
      std::lock_guard<std::mutex> lock(shard.mutex);
      return ++shard.by_text[id.dump()];
    }
    void clear() {
      for (Shard& shard : shards_) {
        std::lock_guard<std::mutex> lock(shard.mutex);
        shard.by_integer.clear();
        shard.by_text.clear();
      }
    }

   private:
    // Sharded by id: Map iterations on several workers call this concurrently, and one mutex
    // made them queue on it (retry_catch on 2 workers was 1.3x slower than on 1).
    static constexpr std::size_t shard_count = 16;
    struct Shard {
      std::mutex mutex;
      std::unordered_map<std::int64_t, std::int64_t> by_integer;
      std::unordered_map<std::string, std::int64_t> by_text;
    };
    std::array<Shard, shard_count> shards_;
  };
  struct Registry {
    std::mutex mutex;
    std::vector<std::shared_ptr<StateCounters>> states;
  };

  static std::optional<std::int64_t> integer_id(const asl::Json& id) {
    if (id.is_number_integer() && !id.is_number_unsigned()) return id.get<std::int64_t>();
    if (id.is_number_unsigned() && id.get<std::uint64_t>() <= static_cast<std::uint64_t>(INT64_MAX))
      return static_cast<std::int64_t>(id.get<std::uint64_t>());
    return std::nullopt;
  }
  /// `attempt <n> for id <id> failed`, the peer's cause, written at its final size.
  static asl::Error transient(std::int64_t n, const asl::Json& id) {
    char digits[24];
    std::string cause;
    cause.reserve(40);
    cause.append("attempt ").append(decimal(digits, n)).append(" for id ");
    if (id.is_number_unsigned()) cause.append(decimal(digits, id.get<std::uint64_t>()));
    else if (id.is_number_integer()) cause.append(decimal(digits, id.get<std::int64_t>()));
    else cause.append(id.dump());  // the id's JSON text, as the peer prints it
    cause.append(" failed");
    return asl::Error(std::string(transient_error), std::move(cause));
  }
  template <class Int>
  static std::string_view decimal(char (&buf)[24], Int v) {
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    return {buf, static_cast<std::size_t>(r.ptr - buf)};
  }
  static asl::Error bad_input() {
    return asl::Error("Flaky.BadInput", "flaky needs an object input with an 'id' member");
  }
  std::shared_ptr<Registry> registry_ = std::make_shared<Registry>();
};

}  // namespace asl_bench
