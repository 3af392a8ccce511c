// `asl eval-jsonata`: evaluates one JSONata expression (asl/jsonata.hpp) against a JSON input and
// prints one JSON line; with --repeat/--warmup a timing line as `asl run`'s (benchmarks/jsonata/).
// SPDX-License-Identifier: MIT
#pragma once

#include <sys/resource.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <asl/detail/base/did_you_mean.hpp>
#include <asl/json.hpp>
#include <asl/jsonata.hpp>
#include <asl/parse_json.hpp>
#include <asl/version.hpp>

#include "cli_timing.hpp"

namespace asl_cli {

/// A mistake on eval-jsonata's command line, already worded as the tool prints it (exit 64).
struct EvalJsonataUsageError {
  std::string message;
};

constexpr const char* eval_jsonata_footer =
    "Prints exactly one JSON line: {\"result\": VALUE}, {\"undefined\": true} when the expression\n"
    "yields nothing (JSONata's undefined, which JSON cannot hold), or\n"
    "{\"error\": {\"code\": \"S0201\", \"message\": \"...\", \"position\": N}} (position null when\n"
    "unknown) for a syntax or evaluation error, then exit 1.\n"
    "The expression is --expression TEXT or --expression-file FILE; the input is --input FILE\n"
    "(JSON), or none with --undefined-input (the default input is {} ). --bindings JSON (or\n"
    "--bindings-file FILE) is an object whose members bind $name, shadowing built-ins.\n"
    "--dialect full (JSONata 2.2, the default) or aws (Step Functions: 2.0.6 syntax, no $eval,\n"
    "non-finite numbers as strings).\n"
    "With --repeat K or --warmup W the compiled expression is evaluated W times untimed, then K\n"
    "times timed (evaluation plus conversion of the result to JSON; compiling is load_ns), and a\n"
    "second line follows in the shape of 'asl run --repeat':\n"
    "{\"timing\": {\"median_ns\", \"min_ns\", \"max_ns\", \"exec_ns\", \"load_ns\", \"peak_rss_kb\", ...}}.\n"
    "--timeout-ms and --max-steps set the evaluation's limits (error U1001 past them).\n"
    "Exit codes: 0 evaluated (result or undefined), 1 a JSONata error or an unreadable/invalid\n"
    "file, 64 usage error.";

/// The command's options as typed; checked by EvalJsonataCommand::check().
struct EvalJsonataArgs {
  std::string expression, expression_file, input, bindings, bindings_file, dialect = "full";
  std::string repeat, warmup, timeout_ms, max_steps;
  bool undefined_input = false;
};

/// The subcommand: declared on the tool's CLI::App, checked right after parsing (while the
/// CLI::App lives), run from main(). One instance per process (eval_jsonata_command()).
class EvalJsonataCommand {
 public:
  CLI::App* declare(CLI::App& app) {
    cmd_ = app.add_subcommand("eval-jsonata", "evaluate a JSONata expression and print the result as one JSON line");
    cmd_->group("Commands")->allow_extras()->footer(eval_jsonata_footer);
    cmd_->add_option("--expression", args_.expression, "the expression's text")->type_name("TEXT");
    cmd_->add_option("--expression-file", args_.expression_file, "read the expression from FILE")->type_name("FILE");
    cmd_->add_option("--input", args_.input, "the input document (default {})")->type_name("FILE");
    cmd_->add_flag("--undefined-input", args_.undefined_input, "evaluate with no input at all");
    cmd_->add_option("--bindings", args_.bindings, "an object binding $name for each member")->type_name("JSON");
    cmd_->add_option("--bindings-file", args_.bindings_file, "the bindings object, from FILE")->type_name("FILE");
    cmd_->add_option("--dialect", args_.dialect, "full (default) or aws")->type_name("NAME");
    cmd_->add_option("--repeat", args_.repeat, "timed evaluations; adds the timing line")->type_name("K");
    cmd_->add_option("--warmup", args_.warmup, "untimed evaluations before the timed ones")->type_name("W");
    cmd_->add_option("--timeout-ms", args_.timeout_ms, "time limit per evaluation (0 = none)")->type_name("MS");
    cmd_->add_option("--max-steps", args_.max_steps, "step budget per evaluation (0 = none)")->type_name("N");
    return cmd_;
  }

  /// Converts and checks the options; throws EvalJsonataUsageError.
  void check() {
    try {
      const auto given = [&](const char* option) { return cmd_->get_option(option)->count() > 0; };
      if (given("--expression") == given("--expression-file"))
        throw EvalJsonataUsageError{"give the expression once, as --expression TEXT or --expression-file FILE"};
      if (given("--input") && args_.undefined_input)
        throw EvalJsonataUsageError{"--input and --undefined-input exclude each other"};
      if (given("--bindings") && given("--bindings-file"))
        throw EvalJsonataUsageError{"give the bindings once, as --bindings JSON or --bindings-file FILE"};
      dialect_ = parse_dialect(args_.dialect);
      if (given("--repeat")) repeat_ = to_count("--repeat", args_.repeat, 1), timing_ = true;
      if (given("--warmup")) warmup_ = to_count("--warmup", args_.warmup, 0), timing_ = true;
      if (given("--timeout-ms")) limits_.timeout = std::chrono::milliseconds(to_count("--timeout-ms", args_.timeout_ms, 0));
      if (given("--max-steps")) limits_.max_steps = static_cast<std::uint64_t>(to_count("--max-steps", args_.max_steps, 0));
    } catch (EvalJsonataUsageError& e) {
      e.message = "asl eval-jsonata: " + e.message + "; see 'asl eval-jsonata --help'";
      throw;
    }
  }

  int run() const {
    using clock = std::chrono::steady_clock;
    std::string text = args_.expression;
    if (!args_.expression_file.empty() && !read("expression", args_.expression_file, text)) return 1;
    std::optional<asl::Json> input;
    if (!args_.undefined_input) {
      input = asl::Json::object();
      std::string in_text;
      if (!args_.input.empty() && (!read("input", args_.input, in_text) || !parse("input file '" + args_.input + "'", in_text, *input)))
        return 1;
    }
    std::optional<asl::Json> bindings;
    if (!args_.bindings.empty() || !args_.bindings_file.empty()) {
      std::string b_text = args_.bindings;
      std::string what = "--bindings";
      if (!args_.bindings_file.empty()) {
        if (!read("bindings", args_.bindings_file, b_text)) return 1;
        what = "bindings file '" + args_.bindings_file + "'";
      }
      bindings.emplace();
      if (!parse(what, b_text, *bindings)) return 1;
      if (!bindings->is_object()) {
        fmt::print(stderr, "asl: {} must be a JSON object\n", what);
        return 1;
      }
    }

    const auto load_start = clock::now();
    std::optional<asl::jsonata::Expression> expr;
    try {
      expr = asl::jsonata::compile(text, dialect_);
    } catch (const asl::jsonata::CompileError& e) {
      print_error(e.error());
      return 1;
    }
    const auto load_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(clock::now() - load_start).count();

    const asl::Json* b = bindings ? &*bindings : nullptr;
    auto evaluate = [&] { return input ? expr->evaluate(*input, b, limits_) : expr->evaluate_undefined(b, limits_); };
    std::vector<long long> warm_ns, exec_ns;
    auto timed = [&](std::vector<long long>& into) {
      const auto t0 = clock::now();
      asl::jsonata::Result r = evaluate();
      const auto t1 = clock::now();
      into.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count());
      return r;
    };
    asl::jsonata::Result last;
    if (!timing_) {
      last = evaluate();
    } else {
      for (long i = 0; i < warmup_; ++i) timed(warm_ns);
      for (long i = 0; i < repeat_; ++i) last = timed(exec_ns);
    }

    int rc = 0;
    if (last.is_error()) {
      print_error(last.error());
      rc = 1;
    } else if (last.is_undefined()) {
      fmt::print("{}\n", asl::Json{{"undefined", true}}.dump());
    } else {
      // Strings built by string functions may hold lone surrogates' replacement: never throw.
      fmt::print("{}\n", asl::Json{{"result", last.value()}}.dump(-1, ' ', false, asl::Json::error_handler_t::replace));
    }
    if (timing_) print_timing(load_ns, warm_ns, exec_ns);
    return rc;
  }

 private:
  static asl::jsonata::Dialect parse_dialect(const std::string& value) {
    std::string lower;
    for (const char c : value) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower == "full") return asl::jsonata::Dialect::full;
    if (lower == "aws") return asl::jsonata::Dialect::aws;
    std::string msg = "--dialect must be full or aws, got '" + value + "'";
    const std::vector<std::string_view> words{"full", "aws"};
    if (auto s = asl::detail::did_you_mean(value, words)) msg += " (did you mean '" + *s + "'?)";
    throw EvalJsonataUsageError{msg};
  }

  static long to_count(const std::string& flag, const std::string& v, long min) {
    try {
      std::size_t used = 0;
      const long l = std::stol(v, &used);
      if (used == v.size() && l >= min) return l;
    } catch (...) {
    }
    throw EvalJsonataUsageError{flag + " needs an integer >= " + std::to_string(min) + ", got '" + v + "'"};
  }

  static bool read(const char* what, const std::string& path, std::string& out) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (f == nullptr) {
      fmt::print(stderr, "asl: cannot read {} file '{}': {}\n", what, path, std::strerror(errno));
      return false;
    }
    out.clear();
    char buf[65536];
    std::size_t n = 0;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
    const bool ok = !std::ferror(f);
    if (!ok) fmt::print(stderr, "asl: cannot read {} file '{}': {}\n", what, path, std::strerror(errno));
    std::fclose(f);
    return ok;
  }

  static bool parse(const std::string& what, const std::string& text, asl::Json& out) {
    // asl::parse_json bounds the nesting (nlohmann's own parser recurses per level).
    try {
      out = asl::parse_json(text);
      return true;
    } catch (const std::exception& e) {
      std::string msg = e.what();
      std::replace(msg.begin(), msg.end(), '\n', ' ');
      fmt::print(stderr, "asl: {} is not valid JSON: {}\n", what, msg);
      return false;
    }
  }

  static void print_error(const asl::jsonata::Error& e) {
    asl::Json err{{"code", e.code}, {"message", e.message}, {"position", nullptr}};
    if (e.position) err["position"] = *e.position;
    fmt::print("{}\n", asl::Json{{"error", err}}.dump(-1, ' ', false, asl::Json::error_handler_t::replace));
  }

  void print_timing(long long load_ns, const std::vector<long long>& warm_ns, const std::vector<long long>& exec_ns) const {
    asl::Json t = timing_fields(load_ns, warmup_, repeat_, warm_ns, exec_ns);
    t["dialect"] = dialect_ == asl::jsonata::Dialect::aws ? "aws" : "full";
    t["notes"] = "compiled once (load_ns); each sample is one evaluate() including the result's conversion to JSON";
    fmt::print("{}\n", asl::Json{{"timing", t}}.dump());
  }

  CLI::App* cmd_ = nullptr;
  EvalJsonataArgs args_;
  asl::jsonata::Dialect dialect_ = asl::jsonata::Dialect::full;
  asl::jsonata::Limits limits_;
  long repeat_ = 1, warmup_ = 0;
  bool timing_ = false;
};

/// The process's one eval-jsonata command (the CLI::App that declares it lives only while the
/// command line is parsed; what it parsed must outlive it).
inline EvalJsonataCommand& eval_jsonata_command() {
  static EvalJsonataCommand c;
  return c;
}

}  // namespace asl_cli
