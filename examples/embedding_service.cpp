// Example 5: an embedding service. One engine serves many concurrent executions (100 requests);
// one request waits on a slow backend (a deferred task) and is cancelled mid-flight, and a hostile
// request body (300,000 nested arrays) is refused with an error instead of crashing the server.
#include <asl/asl.hpp>
#include <fmt/format.h>

#include <cmath>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace {

/// A toy embedding: character trigram hashes folded into 8 dimensions, L2-normalised.
asl::Json embed(const std::string& text) {
  std::vector<double> v(8, 0.0);
  for (std::size_t i = 0; i + 2 < text.size(); ++i)
    v[(static_cast<unsigned>(text[i]) * 31u + static_cast<unsigned>(text[i + 1]) * 7u +
       static_cast<unsigned>(text[i + 2])) % 8u] += 1.0;
  double norm = 0;
  for (double x : v) norm += x * x;
  for (double& x : v) x = norm > 0 ? x / std::sqrt(norm) : 0;
  return asl::Json(v);
}

}  // namespace

int main() {
  std::mutex mutex;
  std::condition_variable cv;
  asl::TaskCompletion held;  // the request stuck on the slow backend

  asl::HandlerRegistry tasks;
  tasks.add("arn:aws:lambda:us-east-1:123456789012:function:embed",
            [&](const asl::Json& req, asl::TaskContext& ctx) -> asl::Result<asl::Json> {
              if (req.at("id") == 42) {  // routed to a slow backend: completes later, if ever
                std::lock_guard<std::mutex> lock(mutex);
                held = ctx.defer();
                cv.notify_all();
                return asl::Json();
              }
              const std::string text = req.at("text").get<std::string>();
              if (text.empty()) return asl::Error("Input.EmptyText", "nothing to embed");
              return asl::Json{{"id", req["id"]}, {"embedding", embed(text)}};
            });
  const auto service = asl::StateMachine::parse(R"({"StartAt": "Embed", "States": {
    "Embed": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:embed", "End": true}}})",
                                                tasks);

  asl::EngineOptions options;
  options.threads = 4;
  asl::Engine engine(options);
  // Request bodies arrive as JSON text. asl::parse_json refuses nesting deeper than 1,000 levels
  // (asl::default_max_json_depth): nlohmann's copy, compare and dump recurse once per level, so
  // one such body would otherwise be a stack overflow waiting for its first use.
  std::vector<std::string> bodies;
  for (int id = 0; id < 100; ++id) {
    const std::string text = id % 25 == 0 ? "" : fmt::format("query number {} about model serving", id);
    bodies.push_back(asl::Json{{"id", id}, {"text", text}}.dump());
  }
  bodies.push_back(std::string(300000, '[') + std::string(300000, ']'));  // hostile
  std::vector<asl::Execution> requests;
  for (const std::string& body : bodies) {
    try {
      requests.push_back(engine.start(service, asl::parse_json(body)));
    } catch (const asl::Json::exception& e) {  // malformed (parse_error) or too deep (JsonDepthError)
      fmt::print("refused a request body: {}\n", e.what());
    }
  }
  {
    std::unique_lock<std::mutex> lock(mutex);
    cv.wait(lock, [&] { return static_cast<bool>(held); });
  }
  requests[42].cancel();  // the client went away: abort it; its late result would be dropped
  fmt::print("request 42 stop token: {}\n", held.stop_requested());

  std::map<std::string, int> counts;
  for (auto& e : requests) ++counts[std::string(asl::to_string(e.get().status))];
  for (const auto& [status, n] : counts) fmt::print("{} {}\n", status, n);
}
