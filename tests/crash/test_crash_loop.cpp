// The crash loop of durable executions: asl_crash_child runs a 2,000-item pipeline on a
// FileJournal and is SIGKILLed at a moment picked by number (after N journal appends and task
// calls), again and again, then left to finish. Every round must end as an uncrashed run does.
// SPDX-License-Identifier: MIT
#include "support/catch.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include <asl/asl.hpp>
#include <asl/file_journal.hpp>

namespace fs = std::filesystem;

namespace {

/// Runs the child to its end or its death: "killed", "ok" or how else it stopped.
std::string run_child(const fs::path& dir, long die_after) {
  const std::string n = std::to_string(die_after);
  const pid_t pid = fork();
  if (pid == 0) {
    execl(ASL_CRASH_CHILD, ASL_CRASH_CHILD, dir.c_str(), n.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return "waitpid failed";
  if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) return "killed";
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return "ok";
  return WIFEXITED(status) ? "exit " + std::to_string(WEXITSTATUS(status)) : "signal " + std::to_string(WTERMSIG(status));
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

fs::path fresh_dir(const std::string& tag) {
  const fs::path d = fs::temp_directory_path() /
                     ("asl-crash-" + tag + "-" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
  fs::create_directories(d);
  return d;
}

}  // namespace

TEST_CASE("crash loop: a durable pipeline killed with SIGKILL again and again ends as if it never was", "[crash]") {
  const long required = std::getenv("ASL_CRASH_KILLS") ? std::atol(std::getenv("ASL_CRASH_KILLS")) : 100;
  const fs::path ref = fresh_dir("reference");
  REQUIRE(run_child(ref, 0) == "ok");
  const std::string expected = slurp(ref / "result.json");
  REQUIRE(asl::Json::parse(expected)["scores"].size() == 2000);
  // The Map Run's files: 50 batches of 10 rows, each record once (compared again every round).
  REQUIRE(asl::Json::parse(expected)["exported"] == asl::Json{{"records", 50}, {"rows", 500}, {"failed", 0}});
  fs::remove_all(ref);

  std::mt19937 rng(20261205);
  long kills = 0;
  int rounds = 0;
  while (kills < required) {
    ++rounds;
    INFO("round " << rounds << ", " << kills << " kills so far");
    const fs::path dir = fresh_dir("loop");
    long round_kills = 0;
    for (;;) {
      const long die_after = std::uniform_int_distribution<long>(1, 150)(rng);
      const std::string how = run_child(dir, die_after);
      if (how == "ok") break;
      REQUIRE(how == "killed");
      ++round_kills;
      REQUIRE(round_kills < 2000);  // each life gets further: the loop ends
    }
    kills += round_kills;
    // The output of the uncrashed run.
    CHECK(slurp(dir / "result.json") == expected);
    // Each Map index succeeded once in the history of the process that finished it.
    std::ifstream its(dir / "iterations.txt");
    int index = 0, count = 0, lines = 0;
    while (its >> index >> count) {
      ++lines;
      CHECK(count == 1);
    }
    CHECK(lines == 2000);
    // No attempt the journal held as finished was called again.
    CHECK(slurp(dir / "ledger.txt").find("VIOLATION") == std::string::npos);
    // Exactly one end, recorded once.
    int ends = 0;
    {
      asl::FileJournal journal((dir / "journal").string());
      journal.replay([&](const asl::JournalEntry& e) {
        if (!e.payload.empty() && e.payload[0] == 8) ++ends;
      });
    }
    CHECK(ends == 1);
    fs::remove_all(dir);
  }
  CHECK(kills >= required);
}
