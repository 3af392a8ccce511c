// The query-language seam: what the run layer may ask of a state's compiled queries (its
// input/output stages, Choice conditions, Map item source, computed numbers), whatever the
// language they were written in. JSONPath (jsonpath/state_queries.hpp) is the first implementation.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "asl/detail/base/timestamp.hpp"
#include "asl/error.hpp"
#include "asl/json.hpp"
#include "asl/result.hpp"

namespace asl::detail {

class Variables;  // query/variables.hpp

/// What a query may read besides the document it is given.
struct QueryEnv {
  const Json* ctx = nullptr;         ///< `$$` when the state reads it (State::uses_context), else null
  const Variables* vars = nullptr;   ///< the workflow variables as they were at state entry
  std::size_t rule = static_cast<std::size_t>(-1);  ///< Choice: the rule that matched (its Output)
  double now_ms = 0;                 ///< the state's entry time (JSONata's `$now()`)
};

/// Where an Assign is written (spec §12.2).
enum class AssignSite : std::uint8_t { state, rule, catcher };

/// An Assign's evaluated values, in the order written, applied after the state's output.
using Assignments = std::vector<std::pair<std::string, Json>>;

/// A value a query selected: a view into the document it was given, or a value of its own.
/// `ptr` only ever points into that document (never into the context object), so a caller that
/// owns the document may move the selection out of it.
struct Selection {
  const Json* ptr = nullptr;
  Json owned;
  const Json& get() const { return ptr ? *ptr : owned; }
};

/// How a state's result meets its raw input (ResultPath in JSONPath; spec §4.4).
enum class Combine : std::uint8_t {
  replace,  ///< the result is the new document
  discard,  ///< the raw input stays the document, the result is dropped
  merge,    ///< merge(): the result goes into the raw input
};

/// The numbers a state computes from its input: literal, or read/evaluated at run time.
enum class NumberField : std::uint8_t {
  timeout_seconds,
  heartbeat_seconds,
  max_concurrency,
  tolerated_failure_count,
  tolerated_failure_percentage,
};

/// Where a Wait state waits until: a delay in seconds, or an instant.
struct WaitSpec {
  bool is_timestamp = false;
  double seconds = 0;     ///< !is_timestamp: non-negative, below 2^31
  timestamp::Instant at;  ///< is_timestamp
};

/// The data-flow facts of a state's queries, fixed at load. The interpreter takes its fast paths
/// from these (no copy of an input that is the raw input, an in-place merge, no call for an
/// absent stage), never from the language the state is written in.
struct QueryShape {
  bool input_is_raw = true;        ///< input() would return the raw input itself
  bool output_is_doc = true;       ///< output() would leave the document as it is
  bool has_arguments = false;      ///< arguments() builds the effective input (else: the input)
  bool has_result_literal = false; ///< a Pass state's fixed result (result_literal())
  bool has_result_selector = false;
  bool has_item_selector = false;  ///< Map: item_input() builds each item's input
  bool item_selector_reads_context = false;
  bool has_credentials = false;    ///< Task: credentials()
  std::uint8_t numbers = 0;        ///< bit (1 << NumberField) per number field the state has
  Combine combine = Combine::replace;
  std::size_t merge_overhead = 0;  ///< bytes a merge() may add besides the result (size bounds)
  /// merge() on an object document sets its member `merge_member` (replacing it, or adding it
  /// last): the interpreter then does that itself, without a call (see set_member).
  /// Other documents still go through merge(), which reports the failure.
  bool merges_into_member = false;
  std::string merge_member;
  /// Per Catch, in order: how the error output meets the raw input, and a merge's overhead.
  std::vector<Combine> catch_combine;
  std::vector<std::size_t> catch_overhead;
  /// Assign (spec §12): the state's own, per Choice rule, per Catch.
  bool has_assign = false;
  std::vector<bool> rule_assign;
  std::vector<bool> catch_assign;

  bool has(NumberField f) const { return (numbers >> static_cast<unsigned>(f)) & 1u; }
};

/// One state's compiled queries, immutable after load and shared by every execution (all
/// methods are const and thread-safe). `ctx` is the context object ($$) when the state reads
/// it (State::uses_context), else null. Failures are ASL errors whose cause is the tail AWS
/// appends to "An error occurred while executing the state ..." (the interpreter adds that).
class StateQueries {
 public:
  StateQueries() = default;
  virtual ~StateQueries() = default;
  StateQueries(const StateQueries&) = delete;
  StateQueries& operator=(const StateQueries&) = delete;

  const QueryShape& shape() const noexcept { return shape_; }

  // ---- the input/output pipeline
  /// The state's input as its fields see it (InputPath), from its raw input.
  virtual std::optional<Error> input(const Json& raw, const QueryEnv& env, Selection& out) const = 0;
  /// The effective input built from input() (Parameters); only when shape().has_arguments.
  virtual Result<Json> arguments(const Json& input, const QueryEnv& env) const = 0;
  /// A Pass state's fixed result (Result); only when shape().has_result_literal.
  virtual const Json& result_literal() const = 0;
  /// Reshapes a result in place (ResultSelector); only when shape().has_result_selector.
  virtual std::optional<Error> select_result(Json& result, const QueryEnv& env) const = 0;
  /// Puts the result into the raw input `doc`, in place; only when shape().combine is merge.
  /// On failure `doc` is left as it was (a Catch then sees the state's raw input).
  virtual std::optional<Error> merge(Json& doc, Json&& result, const QueryEnv& env) const = 0;
  /// The state's output from its combined document, in place (OutputPath).
  virtual std::optional<Error> output(Json& doc, const QueryEnv& env) const = 0;
  /// A Catch's error output put into the raw input `doc`; only when its combine is merge.
  virtual std::optional<Error> catch_merge(std::size_t catcher, Json& doc, Json&& error_output,
                                          const QueryEnv& env) const = 0;
  /// An Assign's values (only where shape() says there is one). `raw` is the state's raw input;
  /// `value` what the Assign reads as `$` in JSONPath: the raw result (Task, Map, Parallel), the
  /// result (Pass), the effective input (Choice, Wait) or the error output (Catch); `result` the
  /// state's result where JSONata's `$states.result` exists, `error_output` a Catch's.
  virtual std::optional<Error> assign(AssignSite site, std::size_t index, const Json& raw, const Json& value,
                                      const Json* result, const Json* error_output, const QueryEnv& env,
                                      Assignments& out) const = 0;

  // ---- state-specific queries
  /// Choice: sets `chosen` to the index of the first rule that matches, or no_rule.
  static constexpr std::size_t no_rule = static_cast<std::size_t>(-1);
  virtual std::optional<Error> choose(const Json& input, const QueryEnv& env, std::size_t& chosen) const = 0;
  /// Map: the items, from the state's input (ItemsPath); `out.ptr` points into `input`.
  virtual std::optional<Error> items(const Json& input, const QueryEnv& env, Selection& out) const = 0;
  /// Map: one item's input (ItemSelector), from the Map's input and a context holding $$.Map.Item.
  virtual Result<Json> item_input(const Json& input, const QueryEnv& env) const = 0;
  /// A number given literally or computed: `out` stays empty when the field is absent
  /// (shape().has(field) tells without a call).
  virtual std::optional<Error> number(NumberField field, const Json& input, const QueryEnv& env,
                                      std::optional<Json>& out) const = 0;
  /// Wait: the delay or the instant.
  virtual std::optional<Error> wait(const Json& input, const QueryEnv& env, WaitSpec& out) const = 0;
  /// Task: the evaluated Credentials; only when shape().has_credentials.
  virtual Result<Json> credentials(const Json& input, const QueryEnv& env) const = 0;
  /// Fail: its Error and Cause (either may stay empty), from the raw input.
  virtual std::optional<Error> fail_texts(const Json& raw, const QueryEnv& env, Error& out) const = 0;

 protected:
  /// Set by an implementation while it is built, before it is shared.
  QueryShape& mutable_shape() noexcept { return shape_; }

 private:
  QueryShape shape_;
};

}  // namespace asl::detail
