// Unit tests: typed task handlers (every accepted signature, conversions at the edge, conversion failures).
// SPDX-License-Identifier: MIT
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/catch.hpp"
#include "support/run.hpp"

using asl::Json;

namespace typed_test {
struct TrainJob {
  std::string dataset;
  int epochs = 1;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(TrainJob, dataset, epochs)

struct TrainedModel {
  std::string uri;
  double accuracy = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(TrainedModel, uri, accuracy)

/// Serialisers templated on the JSON type reach asl::Json directly, so key order is kept.
struct Metrics {
  double loss = 0;
  double accuracy = 0;
};
template <class J>
void to_json(J& j, const Metrics& m) {
  j = J{{"loss", m.loss}, {"accuracy", m.accuracy}};
}
template <class J>
void from_json(const J& j, Metrics& m) {
  j.at("loss").get_to(m.loss);
  j.at("accuracy").get_to(m.accuracy);
}

struct Named {
  int x = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Named, x)

TrainedModel train_fn(const TrainJob& job) { return {"s3://models/" + job.dataset, 0.5 + job.epochs / 100.0}; }
}  // namespace typed_test

template <>
struct asl::TypeName<typed_test::Named> {
  static constexpr std::string_view value = "NamedThing";
};

namespace {
using typed_test::Metrics;
using typed_test::TrainedModel;
using typed_test::TrainJob;

/// Resolves `handler` through a registry (the public path) and calls it once.
template <class F>
asl::Result<Json> call(F&& handler, const Json& input, std::string_view state = "Train") {
  asl::HandlerRegistry tasks;
  tasks.add("r", std::forward<F>(handler));
  asl::TaskHandler h = tasks.resolve({"r", state});
  REQUIRE(h);
  asl::TaskContext ctx;
  ctx.state_name = state;
  ctx.retry_count = 2;
  return h(input, ctx);
}

const Json job = Json{{"dataset", "churn"}, {"epochs", 10}};
const Json model = Json{{"accuracy", 0.6}, {"uri", "s3://models/churn"}};  // via nlohmann::json: keys sorted
}  // namespace

TEST_CASE("typed handlers: every accepted signature", "[typed_handler]") {
  SECTION("Out(const T&)") {
    auto r = call([](const TrainJob& j) { return TrainedModel{"s3://models/" + j.dataset, 0.5 + j.epochs / 100.0}; },
                  job);
    REQUIRE(r.ok());
    CHECK(*r == model);
  }
  SECTION("Out(T)") {
    auto r = call([](TrainJob j) { return TrainedModel{"s3://models/" + j.dataset, 0.5 + j.epochs / 100.0}; }, job);
    CHECK(*r == model);
  }
  SECTION("Out(const T&, TaskContext&)") {
    auto r = call([](const TrainJob& j, asl::TaskContext& ctx) {
      return Json{{"state", std::string(ctx.state_name)}, {"retry", ctx.retry_count}, {"epochs", j.epochs}};
    }, job);
    CHECK(*r == Json{{"state", "Train"}, {"retry", 2}, {"epochs", 10}});
  }
  SECTION("Out(T, TaskContext&)") {
    auto r = call([](TrainJob j, asl::TaskContext&) { return j.epochs * 2; }, job);
    CHECK(*r == Json(20));
  }
  SECTION("Result<Out>(const T&)") {
    auto r = call([](const TrainJob& j) -> asl::Result<TrainedModel> {
      return TrainedModel{"s3://models/" + j.dataset, 0.5 + j.epochs / 100.0};
    }, job);
    CHECK(*r == model);
  }
  SECTION("Result<Out>(T, TaskContext&)") {
    auto r = call([](TrainJob, asl::TaskContext& ctx) -> asl::Result<std::vector<int>> {
      return std::vector<int>{1, static_cast<int>(ctx.retry_count)};
    }, job);
    CHECK(*r == Json::array({1, 2}));
  }
  SECTION("Json(const Json&) and Result<Json>(const Json&, TaskContext&), as before") {
    CHECK(*call([](const Json& in) { return in.at("epochs"); }, job) == Json(10));
    CHECK(*call([](const Json& in, asl::TaskContext&) -> asl::Result<Json> { return in.at("dataset"); }, job) ==
          Json("churn"));
  }
  SECTION("Json by value, scalars, and a function pointer") {
    CHECK(*call([](Json in) { return in.size(); }, job) == Json(2));
    CHECK(*call([](int x) { return x + 1; }, Json(41)) == Json(42));
    CHECK(*call(&typed_test::train_fn, job) == model);
  }
  SECTION("generic lambdas and std::function take the JSON signatures") {
    CHECK(*call([](const auto& in) { return in.at("dataset"); }, job) == Json("churn"));
    std::function<std::string(const TrainJob&)> f = [](const TrainJob& j) { return j.dataset; };
    CHECK(*call(f, job) == Json("churn"));
    asl::TaskHandler erased = [](const Json&, asl::TaskContext&) -> asl::Result<Json> { return Json(1); };
    CHECK(*call(erased, job) == Json(1));
  }
  SECTION("a mutable lambda keeps its state across calls") {
    asl::HandlerRegistry tasks;
    tasks.add("r", [n = 0](const Json&) mutable { return ++n; });
    asl::TaskHandler h = tasks.resolve({"r", "S"});
    asl::TaskContext ctx;
    h(Json(), ctx);
    CHECK(*h(Json(), ctx) == Json(2));
  }
}

TEST_CASE("typed handlers: user types convert once, at the edge", "[typed_handler]") {
  SECTION("NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE types go through nlohmann::json: keys come out sorted") {
    auto r = call([](const TrainJob& j) { return j; }, Json{{"epochs", 3}, {"dataset", "d"}});
    CHECK(r->dump() == R"({"dataset":"d","epochs":3})");
  }
  SECTION("serialisers templated on the JSON type reach asl::Json directly: key order is kept") {
    auto r = call([](const Metrics& m) { return Metrics{m.loss / 2, m.accuracy}; },
                  Json{{"accuracy", 0.9}, {"loss", 0.5}});
    CHECK(r->dump() == R"({"loss":0.25,"accuracy":0.9})");
  }
  SECTION("Result<Out> errors pass through unchanged") {
    auto r = call([](const TrainJob&) -> asl::Result<TrainedModel> {
      return asl::Error("Model.BelowThreshold", "accuracy 0.5 < 0.9");
    }, job);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().name == std::optional<std::string>("Model.BelowThreshold"));
    CHECK(r.error().cause == std::optional<std::string>("accuracy 0.5 < 0.9"));
  }
  SECTION("exceptions from the handler itself are not conversion failures (the interpreter maps them)") {
    CHECK_THROWS_AS(call([](const TrainJob&) -> int { throw std::runtime_error("disk full"); }, job),
                    std::runtime_error);
  }
}

TEST_CASE("typed handlers: an input that does not convert fails the state, naming state and type",
          "[typed_handler]") {
  int calls = 0;
  auto handler = [&calls](const TrainJob& j) {
    ++calls;
    return j.epochs;
  };
  SECTION("missing field") {
    auto r = call(handler, Json{{"epochs", 3}}, "Train");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().name == std::optional<std::string>("Asl.InputConversionFailed"));
    CHECK(r.error().name == std::optional<std::string>(asl::errors::input_conversion_failed));
    CHECK(r.error().cause == std::optional<std::string>(
                                 "Task state 'Train' could not convert its input to the handler's parameter "
                                 "type typed_test::TrainJob: [json.exception.out_of_range.403] key 'dataset' "
                                 "not found"));
  }
  SECTION("wrong JSON type") {
    auto r = call(handler, Json::array({1, 2}), "Fit");
    CHECK(r.error().cause == std::optional<std::string>(
                                 "Task state 'Fit' could not convert its input to the handler's parameter "
                                 "type typed_test::TrainJob: [json.exception.type_error.304] cannot use at() "
                                 "with array"));
  }
  SECTION("scalars and user-supplied names") {
    CHECK(call([](int x) { return x; }, Json("seven"), "S").error().cause ==
          std::optional<std::string>("Task state 'S' could not convert its input to the handler's parameter type "
                                     "int: [json.exception.type_error.302] type must be number, but is string"));
    CHECK(call([](const std::string& s) { return s; }, Json(7), "S").error().cause ==
          std::optional<std::string>("Task state 'S' could not convert its input to the handler's parameter type "
                                     "std::string: [json.exception.type_error.302] type must be string, but is "
                                     "number"));
    CHECK(call([](typed_test::Named n) { return n.x; }, Json::object(), "S").error().cause ==
          std::optional<std::string>("Task state 'S' could not convert its input to the handler's parameter type "
                                     "NamedThing: [json.exception.out_of_range.403] key 'x' not found"));
  }
  CHECK(calls == 0);  // the handler never ran
}

TEST_CASE("typed handlers: a conversion failure is a task error Retry and Catch can handle", "[typed_handler]") {
  asl::HandlerRegistry tasks;
  int calls = 0;
  tasks.add("arn:aws:lambda:us-east-1:123456789012:function:train", [&calls](const TrainJob& j) {
    ++calls;
    return j.epochs;
  });
  auto machine = [](const Json& retry, const Json& catch_errors) {
    return Json{{"StartAt", "Train"},
                {"States",
                 {{"Train",
                   {{"Type", "Task"},
                    {"Resource", "arn:aws:lambda:us-east-1:123456789012:function:train"},
                    {"Retry", retry},
                    {"Catch", Json::array({{{"ErrorEquals", catch_errors}, {"Next", "Fix"}}})},
                    {"End", true}}},
                  {"Fix", {{"Type", "Pass"}, {"End", true}}}}}};
  };
  auto observer = std::make_shared<asl::testing::RecordingObserver>();
  SECTION("caught by its own name, not retried by a MaxAttempts 0 retrier placed first") {
    const Json retry = Json::parse(R"([{"ErrorEquals":["Asl.InputConversionFailed"],"MaxAttempts":0},
                                       {"ErrorEquals":["States.TaskFailed"],"MaxAttempts":5}])");
    auto r = asl::testing::run_machine(machine(retry, Json::array({"Asl.InputConversionFailed"})),
                                       Json{{"epochs", 1}}, tasks);
    REQUIRE(r.status == asl::Status::succeeded);
    CHECK(r.output.at("Error") == "Asl.InputConversionFailed");
    CHECK(r.stats.retries == 0);
  }
  SECTION("matched by States.TaskFailed (retried) and then caught by States.ALL") {
    const Json retry = Json::parse(R"([{"ErrorEquals":["States.TaskFailed"],"MaxAttempts":2}])");
    auto r = asl::testing::run_machine(machine(retry, Json::array({"States.ALL"})), Json{{"epochs", 1}}, tasks, {},
                                       observer);
    REQUIRE(r.status == asl::Status::succeeded);
    CHECK(r.stats.retries == 2);
    CHECK(observer->states_entered() == std::vector<std::string>{"Train", "Fix"});
  }
  CHECK(calls == 0);
}

TEST_CASE("typed handlers: the signature check accepts the documented shapes only", "[typed_handler]") {
  using asl::TaskContext;
  using asl::detail::HandlerShape;
  using Fn1 = TrainedModel (*)(const TrainJob&);
  using Fn2 = asl::Result<Json> (*)(TrainJob, TaskContext&);
  STATIC_REQUIRE(HandlerShape<Fn1>::valid);
  STATIC_REQUIRE(HandlerShape<Fn2>::valid);
  STATIC_REQUIRE_FALSE(HandlerShape<Json (*)(Json&)>::valid);                          // non-const reference
  STATIC_REQUIRE_FALSE(HandlerShape<Json (*)(TrainJob&&)>::valid);                     // rvalue reference
  STATIC_REQUIRE_FALSE(HandlerShape<void (*)(const Json&)>::valid);                    // no result
  STATIC_REQUIRE_FALSE(HandlerShape<Json (*)(const Json&, int)>::valid);               // not a TaskContext&
  STATIC_REQUIRE_FALSE(HandlerShape<Json (*)(const Json&, const TaskContext&)>::valid);
  STATIC_REQUIRE_FALSE(HandlerShape<Json (*)(const Json&, TaskContext&, int)>::valid);  // three parameters
  STATIC_REQUIRE_FALSE(HandlerShape<Json (*)()>::valid);
  STATIC_REQUIRE_FALSE(HandlerShape<Json (*)(TaskContext&)>::valid);
  STATIC_REQUIRE_FALSE(HandlerShape<Json (*)(const std::function<void()>&)>::valid);  // no from_json
  STATIC_REQUIRE_FALSE(HandlerShape<std::function<void()> (*)(const Json&)>::valid);  // no to_json
  STATIC_REQUIRE_FALSE(HandlerShape<asl::Error (*)(const Json&)>::valid);
  STATIC_REQUIRE_FALSE(HandlerShape<int>::valid);
}
