// Execution history as AWS's GetExecutionHistory returns it: one event in AWS's JSON shape, and HistoryRecorder, an observer that collects an execution's events into {"events":[...]}.
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "asl/detail/json/writer.hpp"
#include "asl/history.hpp"
#include "asl/json.hpp"

namespace asl {

/// What the AWS shape needs beyond the events themselves.
struct HistoryFormat {
  /// `executionStartedEventDetails.roleArn`; the same role `$$.Execution.RoleArn` names.
  std::string role_arn = "arn:aws:iam::123456789012:role/asl-local-execution";
  /// `taskScheduledEventDetails.region` when the resource's ARN names none (asl's `$$.Execution.Id`
  /// says us-east-1 too).
  std::string region = "us-east-1";
  /// AWS cuts `input`/`output` longer than this (256 KiB, its payload quota) and says so in
  /// `inputDetails`/`outputDetails.truncated`. asl may run without the payload limit, so a
  /// history can hold larger documents than an AWS execution ever could.
  std::size_t max_payload_bytes = 256 * 1024;
};

namespace detail::history {

/// `v` as compact JSON text, appended to `out`: the shared iterative writer (a state's input or
/// output is data the engine did not write, and nlohmann's dump() recurses once per level of
/// it; invalid UTF-8 becomes U+FFFD instead of throwing in the middle of an observer).
inline void append_json(std::string& out, const Json& v) { asl::detail::write_json_text(v, out); }

/// Sets `text` and `<text>Details{truncated}` the way AWS reports a payload: JSON text, cut at
/// the payload quota (on a UTF-8 character boundary) when longer.
inline void set_payload(Json& details, const char* text_key, const char* details_key, const Json* value,
                        std::size_t max_bytes) {
  std::string text;
  if (value != nullptr) append_json(text, *value);
  bool truncated = false;
  if (max_bytes != 0 && text.size() > max_bytes) {
    std::size_t cut = max_bytes;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    text.resize(cut);
    truncated = true;
  }
  details[text_key] = std::move(text);
  details[details_key] = Json{{"truncated", truncated}};
}

/// A member of the engine's details, or nullptr.
inline const Json* member(const Json* details, const char* key) {
  if (details == nullptr || !details->is_object()) return nullptr;
  auto it = details->find(key);
  return it == details->end() ? nullptr : &*it;
}

inline void copy_member(Json& to, const Json* details, const char* key) {
  if (const Json* v = member(details, key)) to[key] = *v;
}

/// resourceType / resource / region of a Task event. A service integration's ARN
/// (`arn:aws:states:::lambda:invoke.waitForTaskToken`) splits into its service and its action
/// ("lambda", "invoke.waitForTaskToken"), as AWS logs them. Any other resource (a handler name
/// that asl resolves) has no AWS counterpart: it is logged whole, under resourceType "asl".
inline void task_resource(Json& to, const Json* details, const HistoryFormat& format, bool with_region) {
  const Json* r = member(details, "resource");
  const std::string resource = r != nullptr && r->is_string() ? r->get<std::string>() : std::string();
  std::string type = "asl", name = resource, region;
  std::vector<std::string_view> parts;
  std::string_view rest(resource);
  for (std::size_t colon; parts.size() < 6 && (colon = rest.find(':')) != std::string_view::npos;) {
    parts.push_back(rest.substr(0, colon));
    rest.remove_prefix(colon + 1);
  }
  if (parts.size() == 6 && parts[0] == "arn" && parts[2] == "states") {
    type = std::string(parts[5]);
    name = std::string(rest);
    region = std::string(parts[3]);
  } else if (parts.size() >= 4 && parts[0] == "arn") {
    region = std::string(parts[3]);
  }
  to["resourceType"] = type;
  to["resource"] = name;
  if (with_region) to["region"] = region.empty() ? format.region : region;
}

inline void error_cause(Json& to, const Json* details) {
  copy_member(to, details, "error");
  copy_member(to, details, "cause");
}

inline bool ends_with(std::string_view s, std::string_view tail) {
  return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
}

/// "MapIterationStarted" -> "mapIterationStartedEventDetails".
inline std::string details_key(std::string_view type) {
  std::string key(type);
  key[0] = static_cast<char>(key[0] - 'A' + 'a');
  return key + "EventDetails";
}

}  // namespace detail::history

/// `e` as one element of GetExecutionHistory's `events`: `timestamp`, `type`, `id`,
/// `previousEventId` and the event's `<x>EventDetails` with AWS's fields. `input`/`output` are
/// JSON text, as AWS returns them. `timestamp` is epoch seconds with millisecond precision (a
/// number): the wire form of the Step Functions API (the awsJson1_0 protocol's timestamps; the
/// AWS CLI and SDKs turn it into a date when they print it).
inline Json history_event_json(const HistoryEvent& e, const HistoryFormat& format = {}) {
  namespace h = detail::history;
  const Json* d = e.details;
  const std::string_view type = to_string(e.type);
  Json out = Json::object();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(e.timestamp.time_since_epoch()).count();
  out["timestamp"] = static_cast<double>(ms) / 1000.0;
  out["type"] = std::string(type);
  out["id"] = e.id;
  out["previousEventId"] = e.previous_id;
  Json x = Json::object();
  std::string key;
  switch (e.type) {
    case EventType::ExecutionStarted:
      h::set_payload(x, "input", "inputDetails", h::member(d, "input"), format.max_payload_bytes);
      x["roleArn"] = format.role_arn;
      break;
    case EventType::ExecutionSucceeded:
      h::set_payload(x, "output", "outputDetails", h::member(d, "output"), format.max_payload_bytes);
      break;
    case EventType::ExecutionFailed:
    case EventType::ExecutionTimedOut:
    case EventType::ExecutionAborted:
    case EventType::LambdaFunctionFailed:
    case EventType::LambdaFunctionTimedOut: h::error_cause(x, d); break;
    case EventType::ExecutionRedriven: h::copy_member(x, d, "redriveCount"); break;
    case EventType::EvaluationFailed:
      h::copy_member(x, d, "cause");
      h::copy_member(x, d, "error");
      h::copy_member(x, d, "location");
      h::copy_member(x, d, "state");
      break;
    case EventType::MapStateStarted: h::copy_member(x, d, "length"); break;
    case EventType::MapIterationStarted:
    case EventType::MapIterationSucceeded:
    case EventType::MapIterationFailed:
    case EventType::MapIterationAborted:
      h::copy_member(x, d, "name");
      h::copy_member(x, d, "index");
      break;
    case EventType::MapRunStarted: h::copy_member(x, d, "mapRunArn"); break;
    case EventType::MapRunFailed: h::error_cause(x, d); break;
    case EventType::MapRunRedriven:
      h::copy_member(x, d, "mapRunArn");
      h::copy_member(x, d, "redriveCount");
      break;
    case EventType::TaskScheduled:
      h::task_resource(x, d, format, true);
      if (const Json* p = h::member(d, "parameters")) {
        std::string text;
        h::append_json(text, *p);
        x["parameters"] = std::move(text);
      }
      h::copy_member(x, d, "timeoutInSeconds");
      h::copy_member(x, d, "heartbeatInSeconds");
      break;
    case EventType::TaskStarted: h::task_resource(x, d, format, false); break;
    case EventType::TaskSubmitted:
    case EventType::TaskSucceeded:
      h::task_resource(x, d, format, false);
      h::set_payload(x, "output", "outputDetails", h::member(d, "output"), format.max_payload_bytes);
      break;
    case EventType::TaskFailed:
    case EventType::TaskTimedOut:
      h::task_resource(x, d, format, false);
      h::error_cause(x, d);
      break;
    case EventType::LambdaFunctionScheduled:
      h::copy_member(x, d, "resource");
      // AWS names the Lambda's payload `input` here (a service integration's is `parameters`).
      h::set_payload(x, "input", "inputDetails", h::member(d, "parameters"), format.max_payload_bytes);
      h::copy_member(x, d, "timeoutInSeconds");
      break;
    case EventType::LambdaFunctionSucceeded:
      h::set_payload(x, "output", "outputDetails", h::member(d, "output"), format.max_payload_bytes);
      break;
    default:
      if (h::ends_with(type, "StateEntered")) {
        h::copy_member(x, d, "name");
        h::set_payload(x, "input", "inputDetails", h::member(d, "input"), format.max_payload_bytes);
        key = "stateEnteredEventDetails";
      } else if (h::ends_with(type, "StateExited")) {
        h::copy_member(x, d, "name");
        h::set_payload(x, "output", "outputDetails", h::member(d, "output"), format.max_payload_bytes);
        h::copy_member(x, d, "assignedVariables");
        h::copy_member(x, d, "assignedVariablesDetails");
        key = "stateExitedEventDetails";
      }
      // The others (ParallelStateStarted, MapStateSucceeded, LambdaFunctionStarted, ...) carry
      // no details on AWS.
      break;
  }
  // AWS keeps an empty executionFailedEventDetails (a Fail state with neither Error nor Cause).
  if (!x.empty() || e.type == EventType::ExecutionFailed) out[key.empty() ? h::details_key(type) : key] = std::move(x);
  return out;
}

/// An observer that keeps the events of an execution in AWS's shape (history_event_json), for
/// GetExecutionHistory's `{"events":[...]}`. Events of one execution may arrive from several
/// workers at once (Map iterations, Parallel branches on a pool): they are kept under a lock and
/// handed out in id order. Attach it to an engine that runs one execution at a time, or call
/// clear() between executions; it keeps every event it sees.
class HistoryRecorder final : public Observer {
 public:
  explicit HistoryRecorder(HistoryFormat format = {}) : format_(std::move(format)) {}

  void on_event(const HistoryEvent& e) override {
    Json event = history_event_json(e, format_);  // built outside the lock
    std::lock_guard<std::mutex> lock(mutex_);
    events_.emplace_back(e.id, std::move(event));
  }

  /// `{"events":[...]}`, ordered by id.
  Json history() const {
    std::vector<std::pair<std::uint64_t, Json>> events;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      events = events_;
    }
    std::stable_sort(events.begin(), events.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    Json list = Json::array();
    list.get_ref<Json::array_t&>().reserve(events.size());
    for (auto& [id, event] : events) list.push_back(std::move(event));
    return Json{{"events", std::move(list)}};
  }

  /// history() as compact JSON text. (Its values are the engine's few levels of structure: the
  /// payloads inside are already text.)
  std::string text() const { return history().dump(); }

  void clear() {
    std::lock_guard<std::mutex> lock(mutex_);
    events_.clear();
  }

  std::size_t size() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return events_.size();
  }

 private:
  HistoryFormat format_;
  mutable std::mutex mutex_;
  std::vector<std::pair<std::uint64_t, Json>> events_;
};

}  // namespace asl
