// The `asl` command-line tool: run or validate ASL definitions; `run` also implements the
// benchmark contract of ../shared/bench/CONTRACT.md (repeat, warm-up, bench resolver, timing line).
// With --journal DIR a run is durable (README "Durable executions"): `resume` resumes what a
// killed process left running; `executions` lists what the journal holds, prints an execution's
// history, redrives a failed one and compacts the journal.
// SPDX-License-Identifier: MIT
#include <sys/resource.h>
#include <sys/stat.h>
#if defined(__GLIBC__)
#include <malloc.h>
#include <unistd.h>
#endif

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <asl/asl.hpp>
#include <asl/detail/base/did_you_mean.hpp>
#include <asl/detail/base/timestamp.hpp>
#include <asl/detail/durable/execution_index.hpp>
#include <asl/file_journal.hpp>
#include <asl/history_json.hpp>

#include "bench_resolver.hpp"
#include "cli_eval_jsonata.hpp"
#include "cli_mock_config.hpp"
#include "cli_object_store.hpp"
#include "cli_progress.hpp"
#include "cli_task_commands.hpp"
#include "cli_test_spec.hpp"   // asl test (issue #21 §4)
#include "cli_test_state.hpp"  // asl test-state (issue #21 §3)
#include "cli_timing.hpp"

namespace {

constexpr int exit_ok = 0;
constexpr int exit_load = 1;  // unreadable or invalid file, invalid definition (CONTRACT.md §6)
constexpr int exit_failed = 1;  // a name already taken; a resumed execution that did not succeed
constexpr int exit_usage = 64;

/// A mistake on the command line: printed as one line, exit 64.
struct UsageError {
  std::string message;
};

// ---------------------------------------------------------------------------------------------
// Command line. CLI11 declares the commands and options and writes the help; three things are
// done here because CLI11 2.1.2 (Debian's) cannot: its errors exit 105-127 and name no
// alternative, so the tool catches CLI::ParseError itself and exits 64; an unknown option or
// command is collected with allow_extras() and reported with a did-you-mean from
// asl/detail/base/did_you_mean.hpp; numbers are converted by to_long/to_double, so that the option
// values the tool accepted before CLI11 (and their error texts) stay exactly the same.

/// run's options; resume declares a subset of them into a RunArgs of its own.
struct RunArgs {
  std::string definition_file, definition_option, input, resolver = "bench", name, type, journal, history;
  std::string wait_scale, retry_scale, repeat, warmup, threads, payload_limit, max_history_events;
  bool virtual_time = false, count_transitions = false, trace = false;
  std::vector<std::string> tasks;  // --task PATTERN=COMMAND, repeatable (cli_task_commands.hpp)
  std::string bucket_root;         // --bucket-root DIR (cli_object_store.hpp)
  bool progress = false, quiet = false;  // --progress, --quiet (cli_progress.hpp)
};

struct ValidateArgs {
  std::vector<std::string> files, definition_options;
  std::string format = "text", type;
};

/// What run() and resume() get: every value converted and checked.
struct RunConfig {
  std::string definition, input, name, journal, history;
  bool resolver_given = false, express = false;
  bool virtual_time = false, count_transitions = false, trace = false, timing = false;
  double wait_scale = 1.0, retry_scale = 1.0;
  long repeat = 1, warmup = 0, threads = 0, payload_limit = 0;
  std::optional<long> max_history_events;
  std::vector<std::string> tasks;  // --task values, checked
  std::string bucket_root;         // --bucket-root, checked (cli_object_store.hpp)
  bool progress = false, quiet = false;  // the Map Run progress line (cli_progress.hpp)
};

struct ValidateConfig {
  std::vector<std::string> files;
  bool json = false, express = false;
};

/// What `asl executions --journal DIR list|history NAME|redrive NAME|compact` gets.
struct ExecutionsConfig {
  enum class What { list, history, redrive, compact } what = What::list;
  std::string journal, name;
  RunConfig run;  // redrive: the engine options, as resume takes them
};

double to_double(const std::string& flag, const std::string& v) {
  try {
    std::size_t used = 0;
    double d = std::stod(v, &used);
    if (used == v.size() && d >= 0) return d;
  } catch (...) {
  }
  throw UsageError{flag + " needs a non-negative number, got '" + v + "'"};
}

long to_long(const std::string& flag, const std::string& v, long min) {
  try {
    std::size_t used = 0;
    long l = std::stol(v, &used);
    if (used == v.size() && l >= min) return l;
  } catch (...) {
  }
  throw UsageError{flag + " needs an integer >= " + std::to_string(min) + ", got '" + v + "'"};
}

/// `value` matched case-insensitively against `words` (STANDARD / express both work), as the
/// word itself; otherwise a usage error with the closest word.
std::string one_of(const std::string& flag, const std::string& value, const std::vector<std::string_view>& words) {
  for (const auto w : words) {
    if (w.size() == value.size() &&
        std::equal(w.begin(), w.end(), value.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
        }))
      return std::string(w);
  }
  std::string known;
  for (const auto w : words) known += (known.empty() ? "" : " or ") + std::string(w);
  std::string msg = flag + " must be " + known + ", got '" + value + "'";
  if (auto s = asl::detail::did_you_mean(value, words)) msg += " (did you mean '" + *s + "'?)";
  throw UsageError{msg};
}

/// " (did you mean 'X'?)" when `word` is a plausible typo of one of `candidates`.
std::string suggestion(std::string_view word, const std::vector<std::string>& candidates) {
  const std::vector<std::string_view> views(candidates.begin(), candidates.end());
  auto s = asl::detail::did_you_mean(word, views);
  return s ? " (did you mean '" + *s + "'?)" : std::string();
}

/// Every long option name of `app` ("--input", ...), the candidates for a did-you-mean.
std::vector<std::string> option_names(const CLI::App& app) {
  std::vector<std::string> out;
  for (const CLI::Option* o : app.get_options())
    for (const auto& n : o->get_lnames()) out.push_back("--" + n);
  return out;
}

std::vector<std::string> command_names(const CLI::App& app) {
  std::vector<std::string> out;
  for (const CLI::App* sub : app.get_subcommands({})) out.push_back(sub->get_name());
  return out;
}

/// The first word `app` did not recognise, as a usage error with a did-you-mean. `where` is the
/// command as typed ("asl", "asl run").
void reject_extras(const CLI::App& app, const std::string& where, bool words_are_commands) {
  std::vector<std::string> extra = app.remaining();
  // CLI11 keeps the "--" that ends the options among the extras although it honoured it.
  extra.erase(std::remove(extra.begin(), extra.end(), "--"), extra.end());
  if (extra.empty()) return;
  const std::string& word = extra.front();
  const std::string hint = "; see '" + where + " --help'";
  if (word.size() > 1 && word[0] == '-') {
    const std::string name = word.substr(0, word.find('='));  // --inptu=x: suggest for --inptu
    throw UsageError{where + ": unknown option '" + name + "'" + suggestion(name, option_names(app)) + hint};
  }
  if (words_are_commands)
    throw UsageError{where + ": unknown command '" + word + "'" + suggestion(word, command_names(app)) + hint};
  throw UsageError{where + ": unexpected argument '" + word + "'" + hint};
}

/// What main() does after parsing.
struct Parsed {
  enum class Action { print, run, validate, resume, executions, eval_jsonata } action = Action::print;
  std::string text;  // Action::print: what goes to stdout, exit 0
  RunConfig run;     // Action::run and Action::resume
  ValidateConfig validate;
  ExecutionsConfig executions;
};

constexpr const char* main_footer =
    "Exit codes: 0 ran or valid, 1 a file could not be read or is invalid, 64 usage error\n"
    "(resume: 1 also when a resumed execution did not succeed).\n"
    "Run 'asl help COMMAND' for a command's options.";

constexpr const char* run_footer =
    "Prints the result as one JSON line {\"status\",\"output\",\"error\",\"cause\"}; with\n"
    "--repeat or --warmup a second line, the timing summary of the benchmark contract\n"
    "(shared/bench/CONTRACT.md). --resolver bench provides its Lambda functions noop, echo, flaky.\n"
    "--task PATTERN=COMMAND runs the Task states PATTERN matches as COMMAND (/bin/sh -c, or an argv\n"
    "list given as a JSON array): the input as JSON on stdin, the result as JSON on stdout, stderr\n"
    "lines prefixed with the state's name (README \"Tasks as commands\"). Other Task states go to\n"
    "the bench resolver.\n"
    "--type is STANDARD unless --resolver bench is given, then EXPRESS: the benchmark workloads\n"
    "write up to ~70,000 history events, past Standard's 25,000 quota; AWS would run these\n"
    "throughput tests as Express. Without --max-history-events the library's cap applies\n"
    "(AWS Standard's 25,000 events; none for EXPRESS).\n"
    "--journal DIR makes the run durable: the execution is recorded in a journal in DIR, and\n"
    "'asl resume --journal DIR' resumes it if this process dies. Only STANDARD executions are\n"
    "journaled (AWS keeps no state for EXPRESS ones), so --journal runs STANDARD, even with\n"
    "--resolver bench (which then keeps no history cap unless --max-history-events is given),\n"
    "and --type EXPRESS is refused. A name is taken for good, as on AWS: running a --name that\n"
    "the journal holds again prints {\"error\":\"ExecutionAlreadyExists\",\"cause\"} and exits 1.\n"
    "With --repeat, --warmup or --count-transitions each execution gets its own made-up name\n"
    "(a UUID), so --name is refused there. One process at a time may use a journal (a second\n"
    "one is refused).\n"
    "--history FILE writes the execution's history to FILE as GetExecutionHistory returns it,\n"
    "{\"events\":[...]} (the last execution's with --repeat), whatever its status.\n"
    "A Distributed Map shows its progress on stderr when stderr is a terminal, one line rewritten\n"
    "in place at most 10 times a second: 'STATE: DONE/TOTAL done, N failed, RATE/s, ELAPSEDs'\n"
    "(TOTAL+ while an ItemReader is still reading), ended with its status. --progress shows it\n"
    "whatever stderr is; --quiet hides it.\n"
    "Exit codes: 0 ran (whatever the status), 1 a file could not be read, the definition is\n"
    "invalid or the name is taken, 64 usage error.";

constexpr const char* resume_footer =
    "Resumes every execution the journal in DIR holds as running (its process stopped before it\n"
    "ended), with the definition it started with, and prints one JSON line\n"
    "{\"name\",\"status\",\"output\",\"error\",\"cause\"} per execution as it ends; nothing to\n"
    "resume prints nothing. Tasks whose results were recorded are not called again. The engine\n"
    "options are not recorded: give the ones the run had (--wait-scale, --virtual-time, ...);\n"
    "--resolver bench keeps no history cap unless --max-history-events is given, as in run.\n"
    "One process at a time may use a journal (a second one is refused).\n"
    "Exit codes: 0 every resumed execution succeeded (or there was none), 1 one did not or the\n"
    "journal cannot be read, 64 usage error.";

constexpr const char* executions_footer =
    "list prints one JSON line per execution in the journal:\n"
    "{\"name\",\"status\",\"start_date\",\"stop_date\",\"redrive_count\"}, dates in RFC 3339 UTC\n"
    "with milliseconds, stop_date null while RUNNING.\n"
    "history NAME prints {\"events\":[...]} as AWS's GetExecutionHistory, rebuilt from the journal\n"
    "without calling anything.\n"
    "redrive NAME [OPTIONS] runs a FAILED, TIMED_OUT or ABORTED execution again from where it\n"
    "failed (AWS RedriveExecution; the options are resume's) and prints run's result line, or\n"
    "{\"error\":\"ExecutionNotRedrivable\"|\"ExecutionDoesNotExist\",\"cause\":...}.\n"
    "compact replaces the records so far with a snapshot of what may still run and prints what\n"
    "it did. Opening a journal repairs a torn tail, so do not use one that a running process has\n"
    "open.\n"
    "Exit codes: 0 done (redrive: it succeeded), 1 the journal cannot be read, the execution is\n"
    "unknown or not redrivable, or the redriven run did not succeed, 64 usage error.";

constexpr const char* validate_footer =
    "Prints every problem as 'FILE: [id] /pointer: message', one per line, or 'FILE: ok'.\n"
    "--format json prints one line per file: {\"file\",\"valid\",\"diagnostics\":[{\"id\",\n"
    "\"pointer\",\"message\",\"aws_code\"}]}. Exit codes: 0 all valid, 1 a file is invalid or\n"
    "unreadable, 64 usage error.";

/// The engine options run and resume share, converted and checked into `c`.
void engine_config(const RunArgs& ra, const CLI::App& cmd, RunConfig& c) {
  auto given = [&](const char* option) {
    const CLI::Option* o = cmd.get_option_no_throw(option);  // executions redrive has no --journal of its own
    return o != nullptr && o->count() > 0;
  };
  c.virtual_time = ra.virtual_time;
  c.trace = ra.trace;
  c.resolver_given = given("--resolver");
  if (ra.resolver != "bench") throw UsageError{"unknown resolver '" + ra.resolver + "' (known: bench)"};
  if (given("--wait-scale")) c.wait_scale = to_double("--wait-scale", ra.wait_scale);
  if (given("--retry-interval-scale")) c.retry_scale = to_double("--retry-interval-scale", ra.retry_scale);
  if (given("--threads")) c.threads = to_long("--threads", ra.threads, 0);
  if (given("--payload-limit")) c.payload_limit = to_long("--payload-limit", ra.payload_limit, 0);
  if (given("--max-history-events"))
    c.max_history_events = to_long("--max-history-events", ra.max_history_events, 0);
  if (given("--journal") && ra.journal.empty()) throw UsageError{"--journal needs a directory"};
  c.journal = ra.journal;
  try {
    asl_cli::parse_task_bindings(ra.tasks);
  } catch (const std::invalid_argument& e) {
    throw UsageError{e.what()};
  }
  c.tasks = ra.tasks;
  try {
    asl_cli::check_bucket_root(ra.bucket_root);
  } catch (const std::invalid_argument& e) {
    throw UsageError{e.what()};
  }
  c.bucket_root = ra.bucket_root;
}

/// run's options converted and checked (messages without the "asl run: " prefix).
RunConfig run_config(const RunArgs& ra, const CLI::App& run) {
  auto given = [&](const char* option) { return run.get_option(option)->count() > 0; };
  RunConfig c;
  if (!ra.definition_file.empty() && !ra.definition_option.empty())
    throw UsageError{"give the definition once, as FILE or as --definition FILE"};
  c.definition = ra.definition_file.empty() ? ra.definition_option : ra.definition_file;
  if (c.definition.empty()) throw UsageError{"the definition is missing: asl run FILE [OPTIONS]"};
  c.input = ra.input;
  c.name = ra.name;
  c.count_transitions = ra.count_transitions;
  if (given("--history") && ra.history.empty()) throw UsageError{"--history needs a file"};
  c.history = ra.history;
  c.progress = ra.progress;
  c.quiet = ra.quiet;
  engine_config(ra, run, c);
  if (given("--repeat")) c.repeat = to_long("--repeat", ra.repeat, 1), c.timing = true;
  if (given("--warmup")) c.warmup = to_long("--warmup", ra.warmup, 0), c.timing = true;
  const bool durable = !c.journal.empty();
  // The benchmark contract's workloads (the only users of --resolver bench) write up to ~70,000
  // history events: past AWS Standard's 25,000 quota, they are throughput tests AWS would run
  // as Express. Only an explicit --resolver bench switches: bench is also the default resolver,
  // and a newcomer's `asl run FILE` should get Standard's rules and quota, as on AWS. The engine
  // journals only STANDARD executions (AWS keeps no state for EXPRESS ones), so with --journal
  // the type stays STANDARD; bench then lifts the history cap instead, as EXPRESS would have,
  // so that the same workloads still end as they do without a journal.
  const std::string type = given("--type") ? one_of("--type", ra.type, {"STANDARD", "EXPRESS"})
                           : c.resolver_given && !durable ? "EXPRESS"
                                                          : "STANDARD";
  c.express = type == "EXPRESS";
  if (durable && c.express)
    throw UsageError{"--journal records only STANDARD executions (AWS keeps no state for EXPRESS ones): "
                     "drop --type EXPRESS or --journal"};
  if (durable && c.resolver_given && !c.max_history_events) c.max_history_events = 0;
  // A journaled name is taken for good: a second execution under it would be refused.
  if (durable && !c.name.empty() && (c.repeat > 1 || c.warmup > 0 || c.count_transitions))
    throw UsageError{"--name with --journal names one execution, and --repeat, --warmup or "
                     "--count-transitions run several: drop --name (each execution then gets a UUID)"};
  return c;
}

/// resume's options converted and checked.
RunConfig resume_config(const RunArgs& ra, const CLI::App& resume) {
  RunConfig c;
  engine_config(ra, resume, c);
  if (c.journal.empty()) throw UsageError{"the journal is missing: asl resume --journal DIR [OPTIONS]"};
  // As run --journal --resolver bench: the executions go on under the cap they started with.
  if (c.resolver_given && !c.max_history_events) c.max_history_events = 0;
  return c;
}

/// validate's options converted and checked.
ValidateConfig validate_config(const ValidateArgs& va) {
  ValidateConfig c;
  c.files = va.files;
  c.files.insert(c.files.end(), va.definition_options.begin(), va.definition_options.end());
  if (c.files.empty()) throw UsageError{"no definition given: asl validate FILE..."};
  c.json = one_of("--format", va.format, {"text", "json"}) == "json";
  c.express = !va.type.empty() && one_of("--type", va.type, {"STANDARD", "EXPRESS"}) == "EXPRESS";
  return c;
}

Parsed parse_command_line(int argc, char** argv) {
  CLI::App app{fmt::format("asl {}: run and validate Amazon States Language state machines", asl::version_string),
               "asl"};
  app.set_help_flag("-h,--help", "print this help and exit");
  app.get_formatter()->label("SUBCOMMAND", "COMMAND");
  app.get_formatter()->column_width(32);
  app.require_subcommand(0, 1);
  app.allow_extras();
  app.footer(main_footer);
  bool version_flag = false;
  app.add_flag("--version", version_flag, "print the version and exit");

  RunArgs ra;
  CLI::App* run = app.add_subcommand("run", "run a state machine and print its result as one JSON line");
  run->group("Commands")->allow_extras()->footer(run_footer);
  run->add_option("FILE", ra.definition_file, "the definition (or --definition FILE)")->type_name("");
  run->add_option("--definition", ra.definition_option, "the definition")->type_name("FILE");
  run->add_option("--input", ra.input, "the execution input (default {})")->type_name("FILE");
  run->add_option("--type", ra.type, "STANDARD or EXPRESS (EXPRESS rules at load; see below)")
      ->type_name("TYPE");
  run->add_option("--max-history-events", ra.max_history_events,
                  "cap on history events per execution (0 = none; see below)")
      ->type_name("N");
  run->add_flag("--virtual-time", ra.virtual_time, "Wait states and retry intervals take no real time");
  asl_cli::add_bucket_root_option(*run, ra.bucket_root);
  asl_cli::add_progress_options(*run, ra.progress, ra.quiet);
  run->add_option("--wait-scale", ra.wait_scale, "multiply Wait durations by S (0 = do not wait)")
      ->type_name("S");
  run->add_option("--retry-interval-scale", ra.retry_scale, "multiply Retry intervals by S (0 = retry at once)")
      ->type_name("S");
  run->add_option("--resolver", ra.resolver, "Task resolver: bench (the only one; see below)")
      ->type_name("NAME");
  run->add_option("--repeat", ra.repeat, "timed executions; adds the timing line")->type_name("K");
  run->add_option("--warmup", ra.warmup, "untimed executions before the timed ones")->type_name("W");
  run->add_flag("--count-transitions", ra.count_transitions,
                "count transitions in one extra untimed execution");
  run->add_option("--threads", ra.threads, "worker threads (0 = all cores, 1 = inline)")->type_name("N");
  run->add_option("--name", ra.name, "execution name ($$.Execution.Name)")->type_name("NAME");
  run->add_flag("--trace", ra.trace, "print every history event to stderr as it happens");
  run->add_option("--history", ra.history, "write the history to FILE as AWS's {\"events\":[...]}")
      ->type_name("FILE");
  run->add_option("--payload-limit", ra.payload_limit,
                  "max state input/output size (AWS: 262144; default 0 = off)")
      ->type_name("BYTES");
  asl_cli::add_task_option(run, ra.tasks);
  run->add_option("--journal", ra.journal, "durable: record the execution in DIR (see below)")
      ->type_name("DIR");
  asl_cli::mock_config_options().declare(*run);  // --mock-config, --test-case, --state-machine

  // resume: the engine options of run, and no definition (the journal holds it).
  // The engine options of a command that runs what a journal holds (resume, executions redrive).
  auto engine_options_of = [](CLI::App* cmd, RunArgs& args) {
    cmd->add_option("--resolver", args.resolver, "Task resolver: bench (the only one)")->type_name("NAME");
    cmd->add_option("--threads", args.threads, "worker threads (0 = all cores, 1 = inline)")->type_name("N");
    cmd->add_flag("--virtual-time", args.virtual_time, "Wait states and retry intervals take no real time");
    cmd->add_option("--wait-scale", args.wait_scale, "multiply Wait durations by S (0 = do not wait)")
        ->type_name("S");
    cmd->add_option("--retry-interval-scale", args.retry_scale, "multiply Retry intervals by S (0 = retry at once)")
        ->type_name("S");
    cmd->add_option("--payload-limit", args.payload_limit,
                    "max state input/output size (AWS: 262144; default 0 = off)")
        ->type_name("BYTES");
    cmd->add_option("--max-history-events", args.max_history_events,
                    "cap on history events per execution (0 = none)")
        ->type_name("N");
    cmd->add_flag("--trace", args.trace, "print every history event to stderr as it happens");
    asl_cli::add_task_option(cmd, args.tasks);
    asl_cli::add_bucket_root_option(*cmd, args.bucket_root);  // a Map Run reads its source again
  };
  RunArgs rs;
  CLI::App* resume =
      app.add_subcommand("resume", "resume the executions a stopped process left running in a journal");
  resume->group("Commands")->allow_extras()->footer(resume_footer);
  resume->add_option("--journal", rs.journal, "the journal's directory (required)")->type_name("DIR");
  engine_options_of(resume, rs);

  std::string executions_journal;
  CLI::App* executions =
      app.add_subcommand("executions", "list, inspect, redrive and compact the executions of a journal");
  executions->group("Commands")->allow_extras()->footer(executions_footer);
  executions->add_option("--journal", executions_journal, "the journal's directory (required)")->type_name("DIR");
  CLI::App* list = executions->add_subcommand("list", "one JSON line per execution");
  list->group("Commands")->allow_extras()->fallthrough()->footer("");
  std::string history_name, redrive_name;
  CLI::App* history_cmd = executions->add_subcommand("history", "an execution's history, as GetExecutionHistory");
  history_cmd->group("Commands")->allow_extras()->fallthrough()->footer("");
  history_cmd->add_option("NAME", history_name, "the execution's name")->type_name("");
  std::string history_bucket_root;  // a Map Run's history is rebuilt by reading its source again
  asl_cli::add_bucket_root_option(*history_cmd, history_bucket_root);
  RunArgs rd;
  CLI::App* redrive_cmd = executions->add_subcommand("redrive", "run a failed execution again from where it failed");
  redrive_cmd->group("Commands")->allow_extras()->fallthrough()->footer("");
  redrive_cmd->add_option("NAME", redrive_name, "the execution's name")->type_name("");
  engine_options_of(redrive_cmd, rd);
  CLI::App* compact_cmd = executions->add_subcommand("compact", "replace the records so far with a snapshot");
  compact_cmd->group("Commands")->allow_extras()->fallthrough()->footer("");

  ValidateArgs va;
  CLI::App* validate = app.add_subcommand("validate", "check definitions and print every problem found");
  validate->group("Commands")->allow_extras()->footer(validate_footer);
  validate->add_option("FILE", va.files, "definitions to check")->type_name("");
  validate->add_option("--definition", va.definition_options, "a definition to check (repeatable)")
      ->type_name("FILE")
      ->allow_extra_args(false);
  validate->add_option("--format", va.format, "text (default) or json")->type_name("FORMAT");
  validate->add_option("--type", va.type, "STANDARD (default) or EXPRESS: apply EXPRESS rules")
      ->type_name("TYPE");

  CLI::App* eval_jsonata = asl_cli::eval_jsonata_command().declare(app);  // benchmarks/cli_eval_jsonata.hpp
  // Listed here for `asl --help`; main() hands them to their own parsers before this one runs.
  app.add_subcommand("test", "run pipeline test specs (asl help test)")->group("Commands");
  app.add_subcommand("test-state", "run one state as AWS's TestState API (asl help test-state)")->group("Commands");
  CLI::App* version = app.add_subcommand("version", "print the version");
  version->group("Commands")->allow_extras()->footer("");
  std::string topic;
  CLI::App* help = app.add_subcommand("help", "print help for a command");
  help->group("Commands")->allow_extras()->footer("");
  help->add_option("COMMAND", topic, "run, validate, resume, executions, eval-jsonata, test, test-state, version or help")->type_name("");
  // An option given twice: the last one wins, as before CLI11 (its default is an error).
  for (CLI::App* sub : {run, validate, resume, executions, list, history_cmd, redrive_cmd, compact_cmd, eval_jsonata,
                        version, help})
    for (CLI::Option* o : sub->get_options()) o->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  validate->get_option("FILE")->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  for (CLI::App* sub : {run, resume, redrive_cmd})
    sub->get_option("--task")->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  validate->get_option("--definition")->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    return Parsed{Parsed::Action::print, app.help(), {}, {}, {}};  // the selected command's help
  } catch (const CLI::ParseError& e) {
    const CLI::App* where = run->parsed()          ? run
                            : validate->parsed()   ? validate
                            : resume->parsed()     ? resume
                            : executions->parsed() ? executions
                            : eval_jsonata->parsed() ? eval_jsonata
                                                   : nullptr;
    const std::string cmd = where ? "asl " + where->get_name() : "asl";
    throw UsageError{cmd + ": " + e.what() + "; see '" + cmd + " --help'"};
  }

  reject_extras(app, "asl", true);
  if (version_flag || version->parsed()) {
    reject_extras(*version, "asl version", false);
    return Parsed{Parsed::Action::print, fmt::format("asl {}\n", asl::version_string), {}, {}, {}};
  }
  if (help->parsed()) {
    reject_extras(*help, "asl help", false);
    // app.help() would describe the selected command, `help` itself.
    if (topic.empty())
      return Parsed{Parsed::Action::print, app.get_formatter()->make_help(&app, "asl", CLI::AppFormatMode::Normal), {}, {}, {}};
    for (CLI::App* sub : {run, validate, resume, executions, eval_jsonata, version, help})
      if (sub->get_name() == topic) return Parsed{Parsed::Action::print, sub->help("asl"), {}, {}, {}};
    throw UsageError{"asl help: unknown command '" + topic + "'" + suggestion(topic, command_names(app)) +
                     "; see 'asl --help'"};
  }

  Parsed p;
  if (run->parsed()) {
    reject_extras(*run, "asl run", false);
    try {
      p.run = run_config(ra, *run);
      if (auto why = asl_cli::mock_config_options().check()) throw UsageError{*why};
    } catch (UsageError& e) {
      e.message = "asl run: " + e.message + "; see 'asl run --help'";
      throw;
    }
    p.action = Parsed::Action::run;
    return p;
  }
  if (validate->parsed()) {
    reject_extras(*validate, "asl validate", false);
    try {
      p.validate = validate_config(va);
    } catch (UsageError& e) {
      e.message = "asl validate: " + e.message + "; see 'asl validate --help'";
      throw;
    }
    p.action = Parsed::Action::validate;
    return p;
  }
  if (eval_jsonata->parsed()) {
    reject_extras(*eval_jsonata, "asl eval-jsonata", false);
    try {
      asl_cli::eval_jsonata_command().check();
    } catch (const asl_cli::EvalJsonataUsageError& e) {
      throw UsageError{e.message};
    }
    p.action = Parsed::Action::eval_jsonata;
    return p;
  }
  if (resume->parsed()) {
    reject_extras(*resume, "asl resume", false);
    try {
      p.run = resume_config(rs, *resume);
    } catch (UsageError& e) {
      e.message = "asl resume: " + e.message + "; see 'asl resume --help'";
      throw;
    }
    p.action = Parsed::Action::resume;
    return p;
  }
  if (executions->parsed()) {
    reject_extras(*list, "asl executions list", false);
    reject_extras(*history_cmd, "asl executions history", false);
    reject_extras(*redrive_cmd, "asl executions redrive", false);
    reject_extras(*compact_cmd, "asl executions compact", false);
    reject_extras(*executions, "asl executions", true);
    const std::string hint = "; see 'asl executions --help'";
    const std::string forms = "asl executions --journal DIR list|history NAME|redrive NAME|compact";
    using What = ExecutionsConfig::What;
    if (list->parsed()) p.executions.what = What::list;
    else if (history_cmd->parsed()) p.executions.what = What::history;
    else if (redrive_cmd->parsed()) p.executions.what = What::redrive;
    else if (compact_cmd->parsed()) p.executions.what = What::compact;
    else throw UsageError{"asl executions: a command is needed: " + forms + hint};
    if (executions_journal.empty()) throw UsageError{"asl executions: the journal is missing: " + forms + hint};
    p.executions.journal = executions_journal;
    p.executions.name = p.executions.what == What::history ? history_name : redrive_name;
    if ((p.executions.what == What::history || p.executions.what == What::redrive) && p.executions.name.empty())
      throw UsageError{"asl executions: the execution's name is missing: " + forms + hint};
    if (p.executions.what == What::history) {
      try {
        asl_cli::check_bucket_root(history_bucket_root);
      } catch (const std::invalid_argument& e) {
        throw UsageError{"asl executions history: " + std::string(e.what()) + hint};
      }
      p.executions.run.bucket_root = history_bucket_root;
    }
    if (p.executions.what == What::redrive) {
      rd.journal = executions_journal;
      try {
        p.executions.run = resume_config(rd, *redrive_cmd);
      } catch (UsageError& e) {
        e.message = "asl executions redrive: " + e.message + hint;
        throw;
      }
    }
    p.action = Parsed::Action::executions;
    return p;
  }
  // No command: the help, on stderr, as a usage error.
  throw UsageError{"asl: a command is needed\n" + app.help()};
}

// ---------------------------------------------------------------------------------------------
// Files and messages.

/// `s` on one line: a message with a line break (an exception's text, a state name with a
/// newline in a pointer) would otherwise be read as two messages by a person or a script.
std::string one_line(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (const char c : s) {
    if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (static_cast<unsigned char>(c) < 0x20 && c != '\t') out += fmt::format("\\u{:04x}", static_cast<int>(c));
    else out += c;
  }
  return out;
}

/// The file's bytes, or why it could not be read (strerror: "No such file or directory",
/// "Is a directory", ...).
struct FileText {
  std::optional<std::string> text;
  std::string error;
};

FileText read_file(const std::string& path) {
  FileText out;
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    out.error = std::strerror(errno);
    return out;
  }
  std::string text;
  char buf[65536];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
  if (std::ferror(f)) out.error = std::strerror(errno);
  else out.text = std::move(text);
  std::fclose(f);
  return out;
}

/// One line per diagnostic, compiler style, so that editors and grep find the file.
void print_diagnostics(std::FILE* to, const std::string& file, const std::vector<asl::Diagnostic>& diags) {
  for (const auto& d : diags) fmt::print(to, "{}: {}\n", file, one_line(d.to_string()));
}

/// --trace: one stderr line per state entered/exited and per failure, so a person sees the run.
class TraceObserver final : public asl::Observer {
 public:
  void on_event(const asl::HistoryEvent& e) override {
    const std::string_view type = asl::to_string(e.type);
    const asl::Json& d = *e.details;
    std::string line = fmt::format("[{:>4}] {}", e.id, type);
    if (d.contains("name")) line += fmt::format(" {}", d["name"].get<std::string>());
    if (d.contains("index")) line += fmt::format(" #{}", d["index"].dump());
    if (d.contains("error")) line += fmt::format(" error={}", d["error"].dump());
    if (d.contains("output") && type.find("Exited") != std::string_view::npos) {
      std::string out = d["output"].dump();
      if (out.size() > 160) out = out.substr(0, 157) + "...";
      line += " -> " + out;
    }
    fmt::print(stderr, "{}\n", one_line(line));
  }
};

/// The engine settings run and resume share.
asl::EngineOptions engine_options(const RunConfig& a) {
  asl::EngineOptions opts;
  opts.virtual_time = a.virtual_time;
  opts.wait_scale = a.wait_scale;
  opts.retry_interval_scale = a.retry_scale;
  opts.payload_limit = static_cast<std::size_t>(a.payload_limit);
  // Only when given: otherwise the library's default cap applies.
  if (a.max_history_events) opts.max_history_events = static_cast<std::uint64_t>(*a.max_history_events);
  // --threads 1 runs inline on the main thread (no hand-off at all); otherwise a pool (0 = all cores).
  opts.threads = static_cast<unsigned>(a.threads);
  opts.inline_execution = a.threads == 1;
  asl_cli::apply_bucket_root(a.bucket_root, opts);
  return opts;
}

/// resume and list read a journal that must be there: FileJournal would create a mistyped
/// directory and report an empty journal, which looks like "nothing to do".
bool journal_exists(const std::string& dir) {
  struct stat st{};
  const char* problem = stat(dir.c_str(), &st) != 0 ? std::strerror(errno)
                        : !S_ISDIR(st.st_mode)       ? "Not a directory"
                                                     : nullptr;
  if (problem != nullptr) fmt::print(stderr, "asl: no journal at '{}': {}\n", dir, problem);
  return problem == nullptr;
}

/// RFC 3339 in UTC with milliseconds, as AWS prints execution dates ("2026-12-05T07:01:02.345Z").
std::string aws_date(asl::TimePoint t) {
  const auto ms = std::chrono::floor<std::chrono::milliseconds>(t.time_since_epoch()).count();
  std::string text = asl::detail::timestamp::format(ms * 1000000);  // "...:02Z" when ms is 0
  if (text.find('.') == std::string::npos) text.insert(text.size() - 1, ".000");
  return text;
}

int run(const RunConfig& a) {
  using clock = std::chrono::steady_clock;
  const auto load_start = clock::now();
  const FileText text = read_file(a.definition);
  if (!text.text) {
    fmt::print(stderr, "asl: cannot read definition file '{}': {}\n", a.definition, text.error);
    return exit_load;
  }
  asl::Json input = asl::Json::object();
  if (!a.input.empty()) {
    const FileText in = read_file(a.input);
    if (!in.text) {
      fmt::print(stderr, "asl: cannot read input file '{}': {}\n", a.input, in.error);
      return exit_load;
    }
    // parse_json throws nlohmann's parse_error, or a std::exception of asl's own for input
    // nested deeper than its limit: either way one line naming the file.
    try {
      input = asl::parse_json(*in.text);
    } catch (const std::exception& e) {
      fmt::print(stderr, "asl: input file '{}' is not valid JSON: {}\n", a.input, one_line(e.what()));
      return exit_load;
    }
  }
  asl_bench::BenchResolver resolver;
  // --task (benchmarks/cli_task_commands.hpp): commands in front of `resolver`; before the engine,
  // whose workers inherit the signal mask that lets an interrupted run end its commands first.
  asl_cli::TaskCommands task_commands(a.tasks, resolver);
  asl_cli::EndCommandsOnSignal end_commands(task_commands);
  // --mock-config (benchmarks/cli_mock_config.hpp): the test case's mocks in front of those.
  const asl::TaskResolver* tasks = asl_cli::mock_config_options().bind(task_commands.resolver(), a.definition);
  if (tasks == nullptr) return exit_load;
  std::optional<asl::StateMachine> sm;
  try {
    asl::LoadOptions lo;
    lo.express = a.express;
    sm = asl::StateMachine::parse(*text.text, *tasks, lo);
  } catch (const asl::DefinitionError& e) {
    print_diagnostics(stderr, a.definition, e.diagnostics());
    return exit_load;
  }
  const auto load_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(clock::now() - load_start).count();

  asl::EngineOptions opts = engine_options(a);
  // Opened after the definition loaded, so that a broken definition leaves no directory behind.
  std::shared_ptr<asl::FileJournal> journal;
  if (!a.journal.empty()) opts.journal = journal = std::make_shared<asl::FileJournal>(a.journal);
  asl::Engine engine(opts);
  if (a.trace) engine.add_observer(std::make_shared<TraceObserver>());
  std::shared_ptr<asl::HistoryRecorder> history;
  if (!a.history.empty()) engine.add_observer(history = std::make_shared<asl::HistoryRecorder>());
  // A Distributed Map's progress on stderr (a terminal, or --progress), ended before any result line.
  std::shared_ptr<asl_cli::ProgressLine> progress;
  if (asl_cli::progress_wanted(a.progress, a.quiet))
    engine.add_map_run_observer(progress = std::make_shared<asl_cli::ProgressLine>(stderr));
  struct EndProgress {
    asl_cli::ProgressLine* line;
    ~EndProgress() {
      if (line) line->finish();
    }
  } end_progress{progress.get()};

  auto execute = [&](asl::Json in) {
    resolver.reset();
    if (history) history->clear();  // the file holds the last execution's history
    asl::RunOptions ro;
    ro.name = a.name;
    return engine.run(*sm, std::move(in), ro);
  };

  asl::ExecutionStats counted;
  std::vector<long long> warm_ns, exec_ns;
  asl::ExecutionResult last;
  auto timed = [&](std::vector<long long>& into) {
    asl::Json copy = input;  // prepared outside the timer (CONTRACT.md §2.2)
    const auto t0 = clock::now();
    asl::ExecutionResult r = execute(std::move(copy));
    const auto t1 = clock::now();
    into.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count());
    return r;
  };
  try {
    if (a.count_transitions) counted = execute(input).stats;  // one extra untimed execution
    for (long i = 0; i < a.warmup; ++i) timed(warm_ns);
    for (long i = 0; i < a.repeat; ++i) last = timed(exec_ns);
  } catch (const asl::ExecutionAlreadyExists& e) {
    // AWS's StartExecution refusal, as a line a script can read where the result would be.
    fmt::print("{}\n", asl::Json{{"error", "ExecutionAlreadyExists"}, {"cause", e.what()}}.dump());
    return exit_failed;
  } catch (const asl::UsageError& e) {
    // The name is an execution that a stopped process left running: the engine will not start it
    // twice, and only resume may go on with it.
    if (!journal) throw;
    fmt::print(stderr, "asl: {} (asl resume --journal {} resumes it)\n", one_line(e.what()), a.journal);
    return exit_failed;
  }
  const unsigned threads = engine.threads();
  if (progress) progress->finish();
  if (journal) {
    // Everything recorded on disk before the result is reported; close() throws what the
    // destructor would swallow (a failed last write), and main() prints it.
    engine.shutdown(asl::ShutdownMode::drain);
    journal->close();
  }

  if (history) {
    const std::string events = history->text() + "\n";
    bool written = false;
    if (std::FILE* out = std::fopen(a.history.c_str(), "wb")) {
      written = std::fwrite(events.data(), 1, events.size(), out) == events.size();
      written = std::fclose(out) == 0 && written;
    }
    if (!written) {
      fmt::print(stderr, "asl: cannot write the history to '{}': {}\n", a.history, std::strerror(errno));
      return exit_load;
    }
  }
  fmt::print("{}\n", last.to_json().dump());
  if (a.timing) {
    asl::Json t = asl_cli::timing_fields(load_ns, a.warmup, a.repeat, warm_ns, exec_ns);
    if (a.count_transitions) {
      t["transitions"] = counted.transitions();
      t["state_entries"] = counted.state_entries;
      t["retries"] = counted.retries;
    } else {
      t["transitions"] = nullptr;
      t["state_entries"] = nullptr;
      t["retries"] = nullptr;
    }
    t["threads"] = threads;
    std::string notes = threads == 1 ? "history off (events only counted); inline on the calling thread"
                                     : "history off (events only counted); Map/Parallel on a worker pool";
    if (journal) notes += "; durable (FileJournal, batched fsync)";
    t["notes"] = notes;
    fmt::print("{}\n", asl::Json{{"timing", t}}.dump());
  }
  return exit_ok;
}

/// `asl resume`: every execution the journal holds as running, resumed, one line each as it ends.
int resume(const RunConfig& a) {
  if (!journal_exists(a.journal)) return exit_load;
  asl::EngineOptions opts = engine_options(a);
  auto journal = std::make_shared<asl::FileJournal>(a.journal);
  opts.journal = journal;
  asl_bench::BenchResolver resolver;
  asl_cli::TaskCommands task_commands(a.tasks, resolver);  // --task, in front of the bench resolver
  asl_cli::EndCommandsOnSignal end_commands(task_commands);
  asl::Engine engine(opts);
  if (a.trace) engine.add_observer(std::make_shared<TraceObserver>());
  std::vector<asl::Execution> pending;
  try {
    pending = engine.recover(task_commands.resolver());  // inline (--threads 1): each has ended on return
  } catch (const asl::DefinitionError& e) {
    // A recorded definition that no longer loads (a resolver that lost a function): nothing of
    // it ran, and it stays running in the journal for a tool that can load it.
    print_diagnostics(stderr, a.journal, e.diagnostics());
    return exit_load;
  }
  int rc = exit_ok;
  auto report = [&](const asl::Execution& e) {
    const asl::ExecutionResult r = e.get();
    // run's result line with the name first, which tells the lines apart.
    asl::Json line{{"name", e.name()}};
    const asl::Json result = r.to_json();
    for (const char* key : {"status", "output", "error", "cause"}) line[key] = result[key];
    fmt::print("{}\n", line.dump());
    std::fflush(stdout);  // a line per execution as it ends, also into a pipe
    if (!r.succeeded()) rc = exit_failed;
  };
  // On a pool they end in any order: report each as it ends, not in the journal's order.
  while (!pending.empty()) {
    const auto ended = std::stable_partition(pending.begin(), pending.end(),
                                             [](const asl::Execution& e) { return !e.done(); });
    std::for_each(ended, pending.end(), report);
    pending.erase(ended, pending.end());
    if (!pending.empty()) pending.front().wait_for(std::chrono::milliseconds(20));
  }
  engine.shutdown(asl::ShutdownMode::drain);
  journal->close();
  return rc;
}

/// `asl executions --journal DIR list`: what the journal holds, one line per execution.
int list_executions(const ExecutionsConfig& a) {
  if (!journal_exists(a.journal)) return exit_load;
  asl::FileJournal journal(a.journal);
  asl::detail::durable::ExecutionIndex index;
  index.read(journal);
  for (const auto& [number, x] : index.executions()) {
    asl::Json line{{"name", x.name},
                   {"status", std::string(asl::to_string(x.status))},
                   {"start_date", aws_date(x.start_time)},
                   {"stop_date", x.stop_time ? asl::Json(aws_date(*x.stop_time)) : asl::Json(nullptr)},
                   {"redrive_count", x.redrive_count}};
    fmt::print("{}\n", line.dump());
  }
  journal.close();
  return exit_ok;
}

/// `asl executions --journal DIR history|redrive|compact`.
int executions_command(const ExecutionsConfig& a) {
  using What = ExecutionsConfig::What;
  if (a.what == What::list) return list_executions(a);
  if (!journal_exists(a.journal)) return exit_load;
  auto journal = std::make_shared<asl::FileJournal>(a.journal);
  asl::EngineOptions opts = a.what == What::redrive ? engine_options(a.run) : asl::EngineOptions{};
  opts.journal = journal;
  if (a.what != What::redrive) opts.inline_execution = true;  // nothing runs: no pool
  if (a.what == What::history) asl_cli::apply_bucket_root(a.run.bucket_root, opts);
  asl::Engine engine(opts);
  int rc = exit_ok;
  try {
    switch (a.what) {
      case What::history: fmt::print("{}\n", engine.history(a.name).dump()); break;
      case What::compact: {
        const asl::JournalCompaction c = engine.compact_journal();
        fmt::print("{}\n", asl::Json{{"records_before", c.records_before},
                                      {"records_kept", c.records_kept},
                                      {"executions_kept", c.executions_kept},
                                      {"executions_closed", c.executions_closed},
                                      {"bytes_before", c.bytes_before},
                                      {"bytes_after", c.bytes_after}}
                                .dump());
        break;
      }
      case What::redrive: {
        if (a.run.trace) engine.add_observer(std::make_shared<TraceObserver>());
        asl_bench::BenchResolver resolver;
        asl_cli::TaskCommands task_commands(a.run.tasks, resolver);  // --task, in front of the bench resolver
        const asl::ExecutionResult r = engine.redrive(a.name, task_commands.resolver()).get();
        fmt::print("{}\n", r.to_json().dump());
        if (!r.succeeded()) rc = exit_failed;
        break;
      }
      case What::list: break;
    }
  } catch (const asl::ExecutionDoesNotExist& e) {
    fmt::print("{}\n", asl::Json{{"error", "ExecutionDoesNotExist"}, {"cause", e.what()}}.dump());
    rc = exit_failed;
  } catch (const asl::ExecutionNotRedrivable& e) {
    fmt::print("{}\n", asl::Json{{"error", "ExecutionNotRedrivable"}, {"cause", e.what()}}.dump());
    rc = exit_failed;
  }
  engine.shutdown(asl::ShutdownMode::drain);
  journal->close();
  return rc;
}

int validate(const ValidateConfig& a) {
  asl::LoadOptions lo;
  lo.express = a.express;
  int rc = exit_ok;
  for (const auto& file : a.files) {
    const FileText text = read_file(file);
    if (!text.text) {
      fmt::print(stderr, "asl: cannot read definition file '{}': {}\n", file, text.error);
      // --format json: still one line per file given, so a script sees every file.
      if (a.json)
        fmt::print("{}\n", asl::Json{{"file", file}, {"valid", false}, {"diagnostics", asl::Json::array()},
                                     {"error", "cannot read: " + text.error}}
                               .dump());
      rc = exit_load;
      continue;
    }
    const auto diags = asl::validate(*text.text, lo);
    if (!diags.empty()) rc = exit_load;
    if (a.json) {
      // The shape `asl validate` printed before FILE... existed, plus "file".
      asl::Json out{{"file", file}, {"valid", diags.empty()}, {"diagnostics", asl::Json::array()}};
      for (const auto& d : diags)
        out["diagnostics"].push_back(
            {{"id", d.id}, {"pointer", d.pointer}, {"message", d.message}, {"aws_code", d.aws_code}});
      fmt::print("{}\n", out.dump());
    } else if (diags.empty()) {
      fmt::print("{}: ok\n", file);
    } else {
      print_diagnostics(stdout, file, diags);
    }
  }
  return rc;
}

}  // namespace

namespace {
/// A long-running host's allocator is warm; a fresh CLI process's is not. glibc serves blocks of
/// 128 KiB and more with mmap/munmap (page faults on every use) until a free raises its dynamic
/// threshold, and grows the heap a little at a time: both made the first execution up to 2.5x
/// the median. Fixing the threshold and padding the heap makes the first execution look like the
/// rest. Process-wide tuning of the tool only; the library never calls mallopt.
void tune_allocator() {
#if defined(__GLIBC__)
  mallopt(M_MMAP_THRESHOLD, 64 * 1024 * 1024);
  mallopt(M_TOP_PAD, 64 * 1024 * 1024);
  mallopt(M_TRIM_THRESHOLD, 256 * 1024 * 1024);
#endif
}

/// glibc's per-thread cache keeps 7 free blocks of each size. A worker that frees more blocks of
/// a size than it allocates (frames and documents another worker made, which is what Map and
/// Parallel do) overflows it and frees into the other thread's arena under that arena's lock;
/// with two workers that lock became a futex ping-pong (~8,000 context switches in 22 runs of
/// parallel_branches, and 2 threads 1.4x slower than 1). The count can only be raised through
/// GLIBC_TUNABLES, which glibc reads at process start, so the tool re-executes itself once with
/// it set. A GLIBC_TUNABLES the user set is left alone; if the exec fails, the run goes on.
/// Inline runs (`--threads 1`) keep glibc's default: one thread frees what it allocated, and
/// the larger cache measured slower there (pass_chain 0.29 -> 0.31 ms). Only `run` and `resume`
/// execute anything, so validate, help and a mistyped command are not re-executed.
void tune_thread_cache(int argc, char** argv) {
#if defined(__GLIBC__) && defined(__linux__)
  if (argc < 2 || (std::string_view(argv[1]) != "run" && std::string_view(argv[1]) != "resume")) return;
  if (std::getenv("GLIBC_TUNABLES") != nullptr) return;
  for (int i = 2; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--threads=1" || (arg == "--threads" && i + 1 < argc && std::string_view(argv[i + 1]) == "1")) return;
  }
  if (setenv("GLIBC_TUNABLES", "glibc.malloc.tcache_count=8192", 1) != 0) return;
  execv("/proc/self/exe", argv);
  unsetenv("GLIBC_TUNABLES");
#else
  (void)argc;
  (void)argv;
#endif
}
}  // namespace

int main(int argc, char** argv) {
  tune_thread_cache(argc, argv);
  tune_allocator();
  // Issue #21: `asl test-state` and `asl test` parse their own command lines
  // (benchmarks/cli_test_state.hpp, cli_test_spec.hpp).
  if (argc >= 2 && std::string_view(argv[1]) == "test-state") return asl_cli::test_state_main(argc, argv);
  if (argc >= 2 && std::string_view(argv[1]) == "test") return asl_cli::test_spec_main(argc, argv);
  if (argc == 3 && std::string_view(argv[1]) == "help" &&
      (std::string_view(argv[2]) == "test" || std::string_view(argv[2]) == "test-state")) {
    char help_flag[] = "--help";
    char* args[] = {argv[0], argv[2], help_flag, nullptr};
    return std::string_view(argv[2]) == "test" ? asl_cli::test_spec_main(3, args) : asl_cli::test_state_main(3, args);
  }
  // Every way out of the tool is one line on stderr (or the help text), never an uncaught
  // exception's terminate() message.
  try {
    Parsed p;
    try {
      p = parse_command_line(argc, argv);
    } catch (const UsageError& e) {
      fmt::print(stderr, "{}\n", e.message);
      return exit_usage;
    }
    switch (p.action) {
      case Parsed::Action::print:
        fmt::print("{}", p.text);
        return exit_ok;
      case Parsed::Action::run:
        return run(p.run);
      case Parsed::Action::validate:
        return validate(p.validate);
      case Parsed::Action::resume:
        return resume(p.run);
      case Parsed::Action::executions:
        return executions_command(p.executions);
      case Parsed::Action::eval_jsonata:
        return asl_cli::eval_jsonata_command().run();
    }
    return exit_usage;
  } catch (const std::exception& e) {
    fmt::print(stderr, "asl: {}\n", one_line(e.what()));
  } catch (...) {
    fmt::print(stderr, "asl: unexpected error\n");
  }
  return exit_load;
}
