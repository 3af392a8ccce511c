// The benchmark contract's task resolver (../shared/bench/CONTRACT.md §3): noop, echo, flaky.
// SPDX-License-Identifier: MIT
#pragma once

#include <unordered_map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

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
        return asl::Json{{"ok", true}};
      };
    if (name == "echo")
      return [](const asl::Json& in, asl::TaskContext&) -> asl::Result<asl::Json> { return in; };
    if (name == "flaky") {
      auto counters = counters_;
      return [counters](const asl::Json& in, asl::TaskContext& ctx) -> asl::Result<asl::Json> {
        if (!in.is_object()) return bad_input();
        const auto id = in.find("id");
        if (id == in.end()) return bad_input();
        const auto f = in.find("failures");
        const std::int64_t failures = f != in.end() && f->is_number() ? f->get<std::int64_t>() : 2;
        // The id's JSON text keys the counter and appears in the cause (as the peer's does);
        // integers, the common case, skip nlohmann's serializer.
        const std::string id_text = id->is_number_unsigned() ? std::to_string(id->get<std::uint64_t>())
                                    : id->is_number_integer() ? std::to_string(id->get<std::int64_t>())
                                                              : id->dump();
        std::string key;
        key.reserve(ctx.state_name.size() + 1 + id_text.size());
        key.append(ctx.state_name).append(1, '\x1f').append(id_text);
        std::int64_t n;
        {
          std::lock_guard<std::mutex> lock(counters->mutex);
          n = ++counters->by_key[std::move(key)];
        }
        if (n <= failures)
          return asl::Error("Flaky.TransientError", "attempt " + std::to_string(n) + " for id " + id_text + " failed");
        // The input plus "attempts", built at its final size: growing a copy would deep-copy
        // every member again (an ordered_json object's vector cannot move its elements).
        if (in.contains("attempts")) {
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
    std::lock_guard<std::mutex> lock(counters_->mutex);
    counters_->by_key.clear();
  }

 private:
  struct Counters {
    std::mutex mutex;
    std::unordered_map<std::string, std::int64_t> by_key;
  };
  static asl::Error bad_input() {
    return asl::Error("Flaky.BadInput", "flaky needs an object input with an 'id' member");
  }
  std::shared_ptr<Counters> counters_ = std::make_shared<Counters>();
};

}  // namespace asl_bench
