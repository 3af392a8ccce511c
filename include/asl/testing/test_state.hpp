// testing::test_state: AWS's TestState API in process: one state run in isolation, with its intermediate stages.
// SPDX-License-Identifier: MIT
//
// The request and the response follow AWS's TestState API (service model states-2016-11-23):
// the definition is a lone state or a whole machine with a state name, a Task's (Map's,
// Parallel's) result may be mocked, and stateConfiguration places the state in a retry, a Map
// run's failures or an item reader's data. The state runs through the engine's compiled queries
// (the same InputPath/Parameters/ResultSelector/ResultPath/OutputPath and JSONata code an
// execution runs) and the engine's Retry/Catch rules; nothing is sent anywhere and nothing waits.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "asl/error.hpp"
#include "asl/json.hpp"
#include "asl/result.hpp"

namespace asl::testing {

/// How much of the state's stages the response shows (AWS's inspectionLevel). INFO: none;
/// DEBUG: the data after each stage; TRACE: DEBUG and, for an HTTP Task
/// (arn:aws:states:::http:invoke), the request built from its arguments and the response read
/// from its result (mocked or from TestStateOptions::invoke: asl sends no HTTP request itself).
/// On other states TRACE shows what DEBUG shows, as AWS's recorded responses do.
enum class InspectionLevel : std::uint8_t { info, debug, trace };

/// AWS's mock.fieldValidationMode, checked against the few service responses asl knows
/// (detail/testing/mock_result_schema.hpp). STRICT: a service integration's mocked result is a
/// JSON object, the known fields it holds have their API types, and the fields the API always
/// returns are there. PRESENT: the same without the required fields. NONE: anything goes.
enum class FieldValidationMode : std::uint8_t { strict, present, none };

/// AWS's mock: a result (the state's result as if the service returned it) or an error.
struct TestStateMock {
  std::optional<Json> result;
  std::optional<Error> error_output;  ///< AWS's errorOutput {error, cause}
  FieldValidationMode field_validation_mode = FieldValidationMode::strict;
};

/// AWS's stateConfiguration: where the state runs.
struct StateConfiguration {
  /// The retries that already happened (RETRIABLE until a matching retrier's MaxAttempts).
  std::optional<std::uint32_t> retrier_retry_count;
  /// Map/Parallel: the inner state the mocked error comes from.
  std::optional<std::string> error_caused_by_state;
  /// Map: how many iterations failed (checked against ToleratedFailureCount/Percentage).
  std::optional<std::uint32_t> map_iteration_failure_count;
  /// Map with an ItemReader: the items the reader would have read.
  std::optional<Json> map_item_reader_data;
};

/// Calls a Task's resource for real when the request has no mock (AWS calls the service).
using TestStateInvoke = std::function<Result<Json>(std::string_view resource, const Json& effective_input)>;

/// The rest of AWS's TestState request.
struct TestStateOptions {
  /// With a whole machine: the state to test (AWS's stateName; default: StartAt).
  std::optional<std::string> state_name;
  InspectionLevel inspection_level = InspectionLevel::info;
  std::optional<TestStateMock> mock;
  std::optional<Json> variables;  ///< a JSON object: the workflow variables the state sees
  std::optional<Json> context;    ///< the context object ($$ / $states.context), else one is made
  StateConfiguration state_configuration;
  std::optional<std::string> role_arn;
  bool reveal_secrets = false;
  TestStateInvoke invoke;  ///< a Task without a mock; without both the request is refused
};

/// AWS's status of the tested state.
enum class TestStateStatus : std::uint8_t { succeeded, failed, retriable, caught_error };

/// "SUCCEEDED", "FAILED", "RETRIABLE", "CAUGHT_ERROR".
inline std::string_view to_string(TestStateStatus s) {
  switch (s) {
    case TestStateStatus::succeeded: return "SUCCEEDED";
    case TestStateStatus::failed: return "FAILED";
    case TestStateStatus::retriable: return "RETRIABLE";
    case TestStateStatus::caught_error: return "CAUGHT_ERROR";
  }
  return "FAILED";
}

/// Which retrier or catcher took the error, and the wait before the retry.
struct ErrorDetails {
  std::optional<std::uint32_t> catch_index;
  std::optional<std::uint32_t> retry_index;
  std::optional<double> retry_backoff_interval_seconds;
};

/// TRACE, HTTP Task: the request as it would be sent (AWS's InspectionDataRequest; all text).
struct HttpRequestInspection {
  std::string protocol, method, url, headers, body;
};

/// TRACE, HTTP Task: the response as the result holds it (AWS's InspectionDataResponse).
struct HttpResponseInspection {
  std::string protocol, status_code, status_message, headers, body;
};

/// The data after each stage, as AWS names them; a stage the state type does not show stays empty.
struct InspectionData {
  std::optional<Json> input, after_input_path, after_parameters, after_arguments, result, after_result_selector,
      after_result_path, after_items_path, variables;
  /// Map: the items read at the ItemReader's ReaderConfig.ItemsPointer, each item's input after
  /// ItemSelector, and the child inputs after ItemBatcher (each only when the state has it).
  std::optional<Json> after_items_pointer, after_item_selector, after_item_batcher;
  std::optional<HttpRequestInspection> request;    ///< TRACE, HTTP Task
  std::optional<HttpResponseInspection> response;  ///< TRACE, HTTP Task with a result
  std::optional<Json> max_concurrency, tolerated_failure_count, tolerated_failure_percentage;
  std::optional<ErrorDetails> error_details;
};

/// AWS's TestState response.
struct TestStateResponse {
  TestStateStatus status = TestStateStatus::succeeded;
  std::optional<Json> output;
  std::optional<std::string> error, cause;
  std::optional<std::string> next_state;
  std::optional<InspectionData> inspection_data;  ///< DEBUG and TRACE only

  /// The response as AWS returns it: output and the stages as JSON text.
  Json to_json() const;
};

/// A request AWS refuses (HTTP 400): code() is "ValidationException" or "InvalidDefinition",
/// message() AWS's text where AWS's is known.
class TestStateError : public Exception {
 public:
  TestStateError(std::string code, std::string message)
      : Exception(code + ": " + message), code_(std::move(code)), message_(std::move(message)) {}
  const std::string& code() const noexcept { return code_; }
  const std::string& message() const noexcept { return message_; }
  /// AWS's error body: {"__type": code, "message": message}.
  Json to_json() const { return Json{{"__type", code_}, {"message", message_}}; }

 private:
  std::string code_, message_;
};

/// Runs one state of `definition` (a lone state, or a machine with options.state_name) on
/// `input`. Throws TestStateError for a request AWS refuses.
/// @code
/// asl::testing::TestStateOptions o;
/// o.mock = asl::testing::TestStateMock{asl::Json{{"ok", true}}};
/// auto r = asl::testing::test_state(asl::parse_json(R"({"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true})"),
///                                  asl::Json::object(), o);
/// // r.status == TestStateStatus::succeeded, *r.output == {"ok": true}
/// @endcode
inline TestStateResponse test_state(const Json& definition, const Json& input, const TestStateOptions& options = {});

/// The same from AWS's request document ({"definition": "<JSON text>", "input": "<JSON text>",
/// "inspectionLevel", "stateName", "mock", "variables", "context", "stateConfiguration", ...}).
inline TestStateResponse test_state(const Json& request);

/// AWS's request document read into a definition, an input and options (throws TestStateError).
struct TestStateRequest {
  Json definition;
  Json input;
  TestStateOptions options;
};
inline TestStateRequest read_test_state_request(const Json& request);

}  // namespace asl::testing

#include "asl/detail/testing/test_state_run.hpp"
