// TestState's mock.fieldValidationMode: a mocked service response checked against the few response shapes asl knows, with AWS's messages.
// SPDX-License-Identifier: MIT
//
// AWS validates a mocked result against the service API's response model (reference
// durability-dmap-testing.md D2). asl holds no service models, so it checks only what holds for
// every optimized or SDK integration (`arn:aws:states:::service:api`, its response is a JSON
// object) and a small table of well-known responses: a field's type when the field is there
// (STRICT and PRESENT), and the fields the API always returns (STRICT only). AWS's recorded
// verdicts bound the table: a field the table does not name is accepted in every mode
// (`{"random": "json"}` for events:putEvents succeeds under STRICT), as are callback Tasks'
// results (`.waitForTaskToken`: whatever SendTaskSuccess sent) and Lambda function ARNs' (the
// function's own output).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "asl/json.hpp"
#include "asl/testing/test_state.hpp"

namespace asl::detail {

/// The JSON type a response field has in the service's model.
enum class MockFieldType : unsigned char { number, string, array, object, timestamp, execution_status };

/// One field of a known response: which API's response (the Resource after
/// `arn:aws:states:::`, its integration suffix removed; `sync` for the `.sync` variant, whose
/// result is the describe call's response), the field, its type, and whether the API always
/// returns it (the model's `required`, checked in STRICT only).
struct MockField {
  const char* api;
  bool sync;
  const char* name;
  MockFieldType type;
  bool required;
};

/// The response fields asl checks (from the services' API models).
inline const MockField* mock_response_fields(std::size_t& count) {
  using T = MockFieldType;
  static const MockField fields[] = {
      {"lambda:invoke", false, "StatusCode", T::number, false},
      {"lambda:invoke", false, "FunctionError", T::string, false},
      {"lambda:invoke", false, "LogResult", T::string, false},
      {"lambda:invoke", false, "ExecutedVersion", T::string, false},
      {"states:startExecution", false, "ExecutionArn", T::string, true},
      {"states:startExecution", false, "StartDate", T::timestamp, true},
      {"states:startExecution", true, "ExecutionArn", T::string, true},
      {"states:startExecution", true, "StateMachineArn", T::string, true},
      {"states:startExecution", true, "Status", T::execution_status, true},
      {"states:startExecution", true, "StartDate", T::timestamp, true},
      {"states:startExecution", true, "StopDate", T::timestamp, false},
      {"states:startExecution", true, "Name", T::string, false},
      {"events:putEvents", false, "FailedEntryCount", T::number, false},
      {"events:putEvents", false, "Entries", T::array, false},
      {"sns:publish", false, "MessageId", T::string, false},
      {"sns:publish", false, "SequenceNumber", T::string, false},
      {"sqs:sendMessage", false, "MessageId", T::string, false},
      {"sqs:sendMessage", false, "MD5OfMessageBody", T::string, false},
      {"sqs:sendMessage", false, "SequenceNumber", T::string, false},
      {"dynamodb:getItem", false, "Item", T::object, false},
      {"dynamodb:putItem", false, "Attributes", T::object, false},
      {"http:invoke", false, "StatusCode", T::number, false},
      {"http:invoke", false, "StatusText", T::string, false},
      {"http:invoke", false, "Headers", T::object, false},
  };
  count = sizeof(fields) / sizeof(fields[0]);
  return fields;
}

/// The message of a field that does not have its type, in AWS's words where AWS's are recorded.
inline std::string mock_field_problem(const MockField& f, const Json& v) {
  const std::string name(f.name);
  switch (f.type) {
    case MockFieldType::number:
      return v.is_number() ? std::string() : "Field '" + name + "' must be a number";
    case MockFieldType::string:
      return v.is_string() ? std::string() : "Field '" + name + "' must be a string";
    case MockFieldType::array:
      return v.is_array() ? std::string() : "Field '" + name + "' must be an array";
    case MockFieldType::object:
      return v.is_object() ? std::string() : "Field '" + name + "' must be an object";
    case MockFieldType::timestamp:  // the SDKs' JSON: epoch seconds or ISO-8601 text
      return v.is_number() || v.is_string() ? std::string() : "Field '" + name + "' must be a timestamp";
    case MockFieldType::execution_status: {
      static constexpr std::string_view statuses[] = {"RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED",
                                                      "PENDING_REDRIVE"};
      if (v.is_string())
        for (auto s : statuses)
          if (v.get_ref<const std::string&>() == s) return std::string();
      return "Field '" + name + "' is not an expected value";
    }
  }
  return std::string();
}

/// Throws AWS's ValidationException when `result`, mocked for a Task on `resource`, breaks
/// `mode`; otherwise returns.
inline void check_mock_result(const std::string& resource, const Json& result, asl::testing::FieldValidationMode mode) {
  using asl::testing::FieldValidationMode;
  if (mode == FieldValidationMode::none) return;
  static constexpr std::string_view prefix = "arn:aws:states:::";
  if (resource.compare(0, prefix.size(), prefix) != 0) return;  // a Lambda function or an activity
  std::string api = resource.substr(prefix.size());
  bool sync = false;
  static constexpr std::string_view callback = ".waitForTaskToken";
  if (api.size() >= callback.size() && api.compare(api.size() - callback.size(), callback.size(), callback) == 0)
    return;  // the result is whatever the callback sent
  if (const auto dot = api.find(".sync"); dot != std::string::npos) {
    sync = true;
    api.resize(dot);
  }
  if (api.empty() || api.compare(0, 9, "activity:") == 0) return;
  const std::string head = "Mock result schema validation error: ";
  // Every AWS API's response is a structure, so a service integration's result is an object.
  if (!result.is_object())
    throw asl::testing::TestStateError("ValidationException",
                                       head + "The result of " + api + " must be a JSON object");
  std::size_t n = 0;
  const MockField* fields = mock_response_fields(n);
  for (std::size_t i = 0; i < n; ++i) {
    const MockField& f = fields[i];
    if (api != f.api || sync != f.sync) continue;
    auto it = result.find(f.name);
    if (it == result.end()) {
      if (f.required && mode == FieldValidationMode::strict)
        throw asl::testing::TestStateError("ValidationException",
                                           head + "Required field '" + std::string(f.name) + "' is missing");
      continue;
    }
    if (auto problem = mock_field_problem(f, *it); !problem.empty())
      throw asl::testing::TestStateError("ValidationException", head + problem);
  }
}

}  // namespace asl::detail
