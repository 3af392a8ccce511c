#!/usr/bin/env bash
# Tests of the `asl` command line (what a newcomer types): one case per ctest test, label `cli`.
#
#   tests/cli/cli_test.sh <path to the asl binary> <case>
#
# Cases are the functions named case_*; `all` runs every case. Definitions used here live next
# to this script; files that must be generated (deep nesting) or broken are made in a temp dir.
set -uo pipefail

asl="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
which="$2"
[[ -x "$asl" ]] || { echo "cli_test.sh: '$1' is not an executable" >&2; exit 64; }
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cd "$here" || exit 1

failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# run_asl ARGS...: sets rc, out (stdout) and err (stderr) of one invocation.
run_asl() {
  "$asl" "$@" >"$tmp/out" 2>"$tmp/err"
  rc=$?
  out="$(cat "$tmp/out")"
  err="$(cat "$tmp/err")"
}
expect_rc() { [[ "$rc" == "$1" ]] || fail "asl ${*:2}: exit $rc, expected $1 (stderr: ${err:0:300})"; }
# expect_has WHAT TEXT NEEDLE: TEXT contains NEEDLE (a fixed string).
expect_has() { [[ "$2" == *"$3"* ]] || fail "$1 lacks '$3'; got: ${2:0:600}"; }
expect_lacks() { [[ "$2" != *"$3"* ]] || fail "$1 has '$3'; got: ${2:0:600}"; }
lines() { if [[ -z "$1" ]]; then echo 0; else printf '%s\n' "$1" | wc -l; fi; }
expect_lines() { local n; n="$(lines "$2")"; [[ "$n" == "$3" ]] || fail "$1: $n lines, expected $3: ${2:0:600}"; }

case_help() {
  local args cmd
  for args in "--help" "-h" "help" "help run" "help validate" "run --help" "validate --help" "version --help"; do
    # shellcheck disable=SC2086
    run_asl $args
    expect_rc 0 $args
    expect_has "asl $args" "$out" "Usage: asl"
    [[ -z "$err" ]] || fail "asl $args wrote to stderr: $err"
  done
  run_asl --help
  expect_has "asl --help" "$out" "validate"
  expect_has "asl --help" "$out" "64 usage error"
  run_asl help run
  expect_has "asl help run" "$out" "Usage: asl run"
  for opt in --definition --input --repeat --warmup --resolver --retry-interval-scale --count-transitions \
             --type --max-history-events --virtual-time --wait-scale --threads --name --trace --payload-limit \
             --history; do
    expect_has "asl help run" "$out" "$opt"
  done
  expect_has "asl help run" "$out" "--journal"
  run_asl validate --help
  expect_has "asl validate --help" "$out" "Usage: asl validate"
  expect_has "asl validate --help" "$out" "--format"
  run_asl --help
  expect_has "asl --help" "$out" "resume"
  expect_has "asl --help" "$out" "executions"
  expect_has "asl --help" "$out" "test-state"
  run_asl help test
  expect_has "asl help test" "$out" "--junit"
  run_asl help test-state
  expect_has "asl help test-state" "$out" "--inspection-level"
  for args in "help resume" "resume --help" "help executions" "executions --help"; do
    # shellcheck disable=SC2086
    run_asl $args
    expect_rc 0 $args
    cmd="${args#help }"
    expect_has "asl $args" "$out" "Usage: asl ${cmd% --help}"
    expect_has "asl $args" "$out" "--journal"
  done
  run_asl help resume
  for opt in --resolver --threads --virtual-time --wait-scale --retry-interval-scale --payload-limit \
             --max-history-events --trace; do
    expect_has "asl help resume" "$out" "$opt"
  done
  run_asl help executions
  expect_has "asl help executions" "$out" "list"
}

case_version() {
  local want
  want="$(sed -n 's/.*version_string = "\(.*\)";.*/\1/p' "$here/../../include/asl/version.hpp")"
  [[ -n "$want" ]] || fail "no version_string in include/asl/version.hpp"
  run_asl version
  expect_rc 0 version
  [[ "$out" == "asl $want" ]] || fail "asl version printed '$out', expected 'asl $want'"
  run_asl --version
  expect_rc 0 --version
  [[ "$out" == "asl $want" ]] || fail "asl --version printed '$out'"
}

case_validate_text() {
  run_asl validate good.asl.json
  expect_rc 0 validate good
  [[ "$out" == "good.asl.json: ok" ]] || fail "validate good: '$out'"
  run_asl validate typo.asl.json
  expect_rc 1 validate typo
  [[ "$out" == 'typo.asl.json: [asl.definition.104] /States/Train/Next: state "Evalute" does not exist (did you mean "Evaluate"?)' ]] ||
    fail "validate typo: '$out'"
  # Several files: each diagnostic carries its file; one invalid file is enough for exit 1.
  run_asl validate good.asl.json typo.asl.json sync_task.asl.json --type EXPRESS
  expect_rc 1 validate mixed
  expect_lines "validate mixed" "$out" 3
  expect_has "validate mixed" "$out" "good.asl.json: ok"
  expect_has "validate mixed" "$out" "typo.asl.json: [asl.definition.104] /States/Train/Next"
  expect_has "validate mixed" "$out" "sync_task.asl.json: [asl.definition.213] /States/Job/Resource"
  run_asl validate good.asl.json good.asl.json
  expect_rc 0 validate good good
  # --definition FILE, as before the positional form.
  run_asl validate --definition typo.asl.json
  expect_rc 1 validate --definition
  expect_has "validate --definition" "$out" "typo.asl.json: [asl.definition.104]"
  run_asl validate --definition good.asl.json
  expect_rc 0 validate --definition good
}

case_validate_json() {
  run_asl validate --format json typo.asl.json
  expect_rc 1 validate --format json
  expect_lines "validate --format json" "$out" 1
  [[ -z "$err" ]] || fail "validate --format json wrote to stderr: $err"
  # The shape `asl validate` always printed, with the file added.
  local want='{"file":"typo.asl.json","valid":false,"diagnostics":[{"id":"asl.definition.104","pointer":"/States/Train/Next","message":"state \"Evalute\" does not exist (did you mean \"Evaluate\"?)","aws_code":"MISSING_TRANSITION_TARGET"}]}'
  [[ "$out" == "$want" ]] || fail "validate --format json: $out"
  run_asl validate --format json good.asl.json typo.asl.json
  expect_rc 1 validate --format json mixed
  expect_lines "validate --format json mixed" "$out" 2
  expect_has "validate --format json mixed" "$out" '{"file":"good.asl.json","valid":true,"diagnostics":[]}'
  run_asl validate --format json good.asl.json
  expect_rc 0 validate --format json good
}

case_run_positional() {
  run_asl run good.asl.json --input input.json
  expect_rc 0 run positional
  [[ "$out" == '{"status":"SUCCEEDED","output":{"greeting":"hello newcomer"},"error":null,"cause":null}' ]] ||
    fail "run positional: $out"
  local positional="$out"
  run_asl run --definition good.asl.json --input input.json
  expect_rc 0 run --definition
  [[ "$out" == "$positional" ]] || fail "run --definition: $out"
  run_asl run good.asl.json --definition good.asl.json
  expect_rc 64 run FILE and --definition
  run_asl run --input input.json
  expect_rc 64 run without a definition
  expect_has "run without a definition" "$err" "definition"
}

case_run_contract_options() {
  # CONTRACT.md §1, exactly as bench.sh passes them: two JSON lines on stdout.
  run_asl run --definition good.asl.json --input input.json --repeat 3 --warmup 1 --resolver bench \
    --retry-interval-scale 0 --count-transitions
  expect_rc 0 run contract options
  expect_lines "run contract options" "$out" 2
  expect_has "run contract options" "$out" '"status":"SUCCEEDED"'
  expect_has "run contract options" "$out" '"repeat":3'
  expect_has "run contract options" "$out" '"transitions":2'
  # The other options keep working.
  run_asl run good.asl.json --input input.json --virtual-time --wait-scale 0 --threads 1 --name cli-test \
    --trace --payload-limit 262144 --repeat=2
  expect_rc 0 run other options
  expect_lines "run other options" "$out" 2
  expect_has "run --trace" "$err" "PassStateEntered Greet"
  run_asl run good.asl.json --repeat 0
  expect_rc 64 run --repeat 0
  expect_has "run --repeat 0" "$err" "--repeat needs an integer >= 1, got '0'"
  run_asl run good.asl.json --resolver other
  expect_rc 64 run --resolver other
}

case_run_type_and_history() {
  # sync_task uses a .sync integration: EXPRESS rules refuse it (213); under STANDARD rules only
  # the missing task handler is reported (601). That shows which type the definition got.
  run_asl run sync_task.asl.json
  expect_rc 1 run default type
  expect_has "run default type (STANDARD)" "$err" "[asl.definition.601]"
  expect_lacks "run default type (STANDARD)" "$err" "[asl.definition.213]"
  run_asl run sync_task.asl.json --resolver bench
  expect_rc 1 run --resolver bench
  expect_has "run --resolver bench (EXPRESS)" "$err" "[asl.definition.213]"
  run_asl run sync_task.asl.json --resolver bench --type STANDARD
  expect_lacks "run --resolver bench --type STANDARD" "$err" "[asl.definition.213]"
  run_asl run sync_task.asl.json --type express
  expect_has "run --type express" "$err" "[asl.definition.213]"
  run_asl run good.asl.json --type EXPRES
  expect_rc 64 run --type EXPRES
  expect_has "run --type EXPRES" "$err" "(did you mean 'EXPRESS'?)"
  # The history cap: good.asl.json writes more than 3 events.
  run_asl run good.asl.json --input input.json --max-history-events 3
  expect_rc 0 run --max-history-events 3
  expect_has "run --max-history-events 3" "$out" '"error":"States.Runtime"'
  run_asl run good.asl.json --input input.json --max-history-events 0
  expect_has "run --max-history-events 0" "$out" '"status":"SUCCEEDED"'
  run_asl run good.asl.json --max-history-events -1
  expect_rc 64 run --max-history-events -1
}

case_run_history() {
  # --history FILE: GetExecutionHistory's {"events":[...]}, input/output as JSON text.
  run_asl run good.asl.json --input input.json --history "$tmp/h.json"
  expect_rc 0 run --history
  local h
  h="$(cat "$tmp/h.json" 2>/dev/null)"
  expect_has "--history" "$h" '{"events":[{"timestamp":'
  expect_has "--history" "$h" '"type":"ExecutionStarted","id":1,"previousEventId":0,"executionStartedEventDetails":{"input":"{\"who\":\"newcomer\"}","inputDetails":{"truncated":false},"roleArn":'
  expect_has "--history" "$h" '"type":"PassStateEntered","id":2,"previousEventId":0,"stateEnteredEventDetails":{"name":"Greet","input":"{\"who\":\"newcomer\"}","inputDetails":{"truncated":false}}}'
  expect_has "--history" "$h" '"type":"PassStateExited","id":3,"previousEventId":2,"stateExitedEventDetails":{"name":"Greet","output":"{\"greeting\":\"hello newcomer\"}","outputDetails":{"truncated":false}}}'
  expect_has "--history" "$h" '"type":"ExecutionSucceeded","id":6,"previousEventId":5,"executionSucceededEventDetails":{"output":"{\"greeting\":\"hello newcomer\"}","outputDetails":{"truncated":false}}}]}'
  # Written whatever the status: here the history cap fails the execution.
  run_asl run good.asl.json --input input.json --max-history-events 3 --history "$tmp/failed.json"
  expect_rc 0 run --history failed
  h="$(cat "$tmp/failed.json" 2>/dev/null)"
  expect_has "--history failed" "$h" '"type":"ExecutionFailed","id":3,"previousEventId":2,"executionFailedEventDetails":{"error":"States.Runtime"'
  # A Lambda ARN logs LambdaFunction* events, with the task's input and output.
  printf '%s' '{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:echo","End":true}}}' \
    >"$tmp/lambda.asl.json"
  run_asl run "$tmp/lambda.asl.json" --input input.json --resolver bench --history "$tmp/lambda.json" --journal "$tmp/lj"
  expect_rc 0 run --history lambda
  h="$(cat "$tmp/lambda.json" 2>/dev/null)"
  expect_has "--history lambda" "$h" '"type":"LambdaFunctionScheduled","id":3,"previousEventId":2,"lambdaFunctionScheduledEventDetails":{"resource":"arn:aws:lambda:us-east-1:123456789012:function:echo","input":"{\"who\":\"newcomer\"}","inputDetails":{"truncated":false}}}'
  expect_has "--history lambda" "$h" '"type":"LambdaFunctionStarted","id":4,"previousEventId":3}'
  expect_has "--history lambda" "$h" '"type":"LambdaFunctionSucceeded","id":5,"previousEventId":4,"lambdaFunctionSucceededEventDetails":{"output":'
  run_asl run good.asl.json --history
  expect_rc 64 run --history without a file
}

case_unknown_command() {
  run_asl vaidate good.asl.json
  expect_rc 64 vaidate
  expect_lines "vaidate" "$err" 1
  expect_has "vaidate" "$err" "unknown command 'vaidate' (did you mean 'validate'?)"
  run_asl rnu
  expect_rc 64 rnu
  expect_has "rnu" "$err" "(did you mean 'run'?)"
  run_asl help rnu
  expect_rc 64 help rnu
  expect_has "help rnu" "$err" "(did you mean 'run'?)"
  run_asl
  expect_rc 64 "(no command)"
}

case_unknown_option() {
  run_asl run good.asl.json --inptu input.json
  expect_rc 64 run --inptu
  expect_lines "run --inptu" "$err" 1
  expect_has "run --inptu" "$err" "unknown option '--inptu' (did you mean '--input'?)"
  [[ -z "$out" ]] || fail "run --inptu ran: $out"
  run_asl run good.asl.json --repeet=3
  expect_rc 64 run --repeet=3
  expect_has "run --repeet=3" "$err" "unknown option '--repeet' (did you mean '--repeat'?)"
  run_asl validate --formt json good.asl.json
  expect_rc 64 validate --formt
  expect_has "validate --formt" "$err" "(did you mean '--format'?)"
  run_asl --hepl
  expect_rc 64 --hepl
  expect_has "--hepl" "$err" "(did you mean '--help'?)"
  run_asl run good.asl.json surplus.json
  expect_rc 64 run with two files
  run_asl validate --format yaml good.asl.json
  expect_rc 64 validate --format yaml
}

case_pointer_shortening() {
  # Result nested 600 deep: the fault's pointer is /States/A/Result/0/0/... (1,000+ characters).
  run_asl validate deep_result.asl.json
  expect_rc 1 validate deep_result
  expect_lines "validate deep_result" "$out" 1
  expect_has "validate deep_result" "$out" "deep_result.asl.json: [asl.definition.004] /States/A/Result/0/0/…/0/0: JSON nesting"
  local pointer="${out#*\] }"
  pointer="${pointer%%: *}"
  (( ${#pointer} <= 120 )) || fail "shortened pointer has ${#pointer} bytes"
  # The full pointer stays in the diagnostic (--format json prints the value).
  run_asl validate --format json deep_result.asl.json
  local full
  full="$(printf '%s' "$out" | sed -n 's/.*"pointer":"\([^"]*\)".*/\1/p')"
  (( ${#full} > 1000 )) || fail "--format json pointer has ${#full} bytes, expected the full pointer"
  expect_lacks "--format json deep_result" "$out" "…"
  # run prints the same shortened line for the same problem (DefinitionError uses to_string too).
  run_asl run deep_result.asl.json
  expect_rc 1 run deep_result
  expect_has "run deep_result" "$err" "/States/A/Result/0/0/…/0/0: JSON nesting"
}

case_unreadable_file() {
  run_asl validate missing.asl.json
  expect_rc 1 validate missing
  expect_lines "validate missing" "$err" 1
  expect_has "validate missing" "$err" "'missing.asl.json'"
  run_asl validate good.asl.json missing.asl.json
  expect_rc 1 validate good missing
  run_asl run missing.asl.json
  expect_rc 1 run missing
  expect_lines "run missing" "$err" 1
  expect_has "run missing" "$err" "'missing.asl.json'"
  run_asl run good.asl.json --input missing-input.json
  expect_rc 1 run missing input
  expect_lines "run missing input" "$err" 1
  expect_has "run missing input" "$err" "'missing-input.json'"
  run_asl run "$tmp"
  expect_rc 1 run a directory
  expect_lines "run a directory" "$err" 1
}

case_malformed_input() {
  printf '{"who": \n\n' >"$tmp/broken.json"
  run_asl run good.asl.json --input "$tmp/broken.json"
  expect_rc 1 run malformed input
  expect_lines "run malformed input" "$err" 1
  expect_has "run malformed input" "$err" "broken.json"
  [[ -z "$out" ]] || fail "run malformed input printed a result: $out"
  # Nested far deeper than any limit of the library: refused in one line, no crash.
  { head -c 100000 /dev/zero | tr '\0' '['; head -c 100000 /dev/zero | tr '\0' ']'; } >"$tmp/deep.json"
  run_asl run good.asl.json --input "$tmp/deep.json"
  expect_rc 1 run deep input
  expect_lines "run deep input" "$err" 1
  expect_has "run deep input" "$err" "deep.json"
  # A malformed definition: one diagnostic line naming the file.
  printf '{"StartAt": "A", "States": {\n' >"$tmp/broken.asl.json"
  run_asl run "$tmp/broken.asl.json"
  expect_rc 1 run malformed definition
  expect_lines "run malformed definition" "$err" 1
  expect_has "run malformed definition" "$err" "broken.asl.json: [asl.definition.001]"
  run_asl validate "$tmp/broken.asl.json"
  expect_rc 1 validate malformed definition
  expect_lines "validate malformed definition" "$out" 1
}

# Durable runs (--journal, resume, executions list). Each case keeps its journals in $tmp/<case>,
# so that `all` runs them in one shell without one case seeing another's executions.

case_run_journal() {
  local want='{"status":"SUCCEEDED","output":{"greeting":"hello newcomer"},"error":null,"cause":null}'
  # The same result line as without a journal; the directory is created, on a pool and inline.
  run_asl run good.asl.json --input input.json --journal "$tmp/run_journal/nested" --name first
  expect_rc 0 run --journal
  [[ "$out" == "$want" ]] || fail "run --journal: $out"
  [[ -d "$tmp/run_journal/nested" ]] || fail "run --journal did not create the directory"
  run_asl run good.asl.json --input input.json --journal "$tmp/run_journal/nested" --name second --threads 1
  expect_rc 0 run --journal --threads 1
  [[ "$out" == "$want" ]] || fail "run --journal --threads 1: $out"
  # A name is taken for good: the same start after it ended is refused, as on AWS.
  run_asl run good.asl.json --input input.json --journal "$tmp/run_journal/nested" --name first
  expect_rc 1 run --journal same name
  expect_lines "run --journal same name" "$out" 1
  [[ "$out" == '{"error":"ExecutionAlreadyExists","cause":"Execution Already Exists: '"'"'arn:aws:states:us-east-1:123456789012:execution:StateMachine:first'"'"'"}' ]] ||
    fail "run --journal same name: $out"
  run_asl run good.asl.json --journal "$tmp/run_journal/nested" --name second --threads 1
  expect_rc 1 run --journal same name, other input
  expect_has "run --journal same name, other input" "$out" '{"error":"ExecutionAlreadyExists","cause":'
  # The benchmark contract's options, durably: STANDARD (not EXPRESS) with the bench resolver,
  # each repetition under a made-up name.
  run_asl run good.asl.json --input input.json --journal "$tmp/run_journal/bench" --resolver bench --repeat 2 --warmup 1 \
    --count-transitions --retry-interval-scale 0
  expect_rc 0 run --journal --resolver bench
  expect_lines "run --journal --resolver bench" "$out" 2
  expect_has "run --journal --resolver bench" "$out" "$want"
  expect_has "run --journal --resolver bench" "$out" '"transitions":2'
  run_asl executions --journal "$tmp/run_journal/bench" list
  expect_lines "executions list after --repeat 2 --warmup 1 --count-transitions" "$out" 4
  run_asl run sync_task.asl.json --resolver bench --journal "$tmp/run_journal/bench"
  expect_lacks "run --journal --resolver bench (STANDARD)" "$err" "[asl.definition.213]"
}

case_run_journal_usage() {
  run_asl run good.asl.json --journal "$tmp/run_journal_usage/j" --type EXPRESS
  expect_rc 64 run --journal --type EXPRESS
  expect_lines "run --journal --type EXPRESS" "$err" 1
  expect_has "run --journal --type EXPRESS" "$err" "STANDARD"
  [[ -z "$out" ]] || fail "run --journal --type EXPRESS ran: $out"
  run_asl run good.asl.json --journal "$tmp/run_journal_usage/j" --name n --repeat 2
  expect_rc 64 run --journal --name --repeat 2
  expect_has "run --journal --name --repeat 2" "$err" "--name"
  run_asl run good.asl.json --journal "$tmp/run_journal_usage/j" --name n --warmup 1
  expect_rc 64 run --journal --name --warmup 1
  run_asl run good.asl.json --journal "$tmp/run_journal_usage/j" --name n --repeat 1
  expect_rc 0 run --journal --name --repeat 1
  run_asl run good.asl.json --journal=
  expect_rc 64 "run --journal="
  run_asl resume
  expect_rc 64 resume without --journal
  expect_has "resume without --journal" "$err" "--journal"
  run_asl resume --jurnal "$tmp/run_journal_usage/j"
  expect_rc 64 resume --jurnal
  expect_has "resume --jurnal" "$err" "(did you mean '--journal'?)"
  run_asl executions --journal "$tmp/run_journal_usage/j"
  expect_rc 64 executions without a command
  run_asl executions list
  expect_rc 64 executions list without --journal
  run_asl executions --journal "$tmp/run_journal_usage/j" lsit
  expect_rc 64 executions lsit
  expect_has "executions lsit" "$err" "unknown command 'lsit' (did you mean 'list'?)"
  run_asl executions --journal "$tmp/run_journal_usage/j" describe n
  expect_rc 64 executions describe
  run_asl executions --journal "$tmp/run_journal_usage/j" history
  expect_rc 64 executions history without a name
  expect_has "executions history without a name" "$err" "name is missing"
  run_asl executoins --journal "$tmp/run_journal_usage/j" list
  expect_rc 64 executoins
  expect_has "executoins" "$err" "(did you mean 'executions'?)"
  # A journal that is not there is a mistake, not an empty journal.
  run_asl executions --journal "$tmp/run_journal_usage/missing" list
  expect_rc 1 executions list missing journal
  expect_has "executions list missing journal" "$err" "missing"
  run_asl resume --journal "$tmp/run_journal_usage/missing"
  expect_rc 1 resume missing journal
  [[ ! -e "$tmp/run_journal_usage/missing" ]] || fail "resume created the missing journal"
}

case_executions_list() {
  run_asl run good.asl.json --input input.json --journal "$tmp/executions_list/j" --name listed
  expect_rc 0 run --journal
  run_asl executions --journal "$tmp/executions_list/j" list
  expect_rc 0 executions list
  expect_lines "executions list" "$out" 1
  [[ -z "$err" ]] || fail "executions list wrote to stderr: $err"
  local date='"20[0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]\.[0-9]{3}Z"'
  [[ "$out" =~ ^\{\"name\":\"listed\",\"status\":\"SUCCEEDED\",\"start_date\":$date,\"stop_date\":$date,\"redrive_count\":0\}$ ]] ||
    fail "executions list: $out"
  # The options may also follow the command.
  run_asl executions list --journal "$tmp/executions_list/j"
  expect_rc 0 executions list --journal
  expect_has "executions list --journal" "$out" '"name":"listed"'
  # An empty journal lists nothing.
  mkdir -p "$tmp/executions_list/empty"
  run_asl executions --journal "$tmp/executions_list/empty" list
  expect_rc 0 executions list empty
  [[ -z "$out" ]] || fail "executions list empty: $out"
}

case_executions_history_redrive_compact() {
  local j="$tmp/executions_hrc/j"
  mkdir -p "$tmp/executions_hrc"
  # A machine that fails at its second state: redriven, it enters the Fail state again (AWS).
  printf '%s' '{"StartAt":"Hello","States":{"Hello":{"Type":"Pass","Next":"Stop"},
    "Stop":{"Type":"Fail","Error":"Stopped","Cause":"on purpose"}}}' >"$tmp/executions_hrc/fails.asl.json"
  run_asl run "$tmp/executions_hrc/fails.asl.json" --journal "$j" --name broken
  expect_rc 0 run failing
  expect_has "run failing" "$out" '"status":"FAILED","output":null,"error":"Stopped"'
  run_asl run good.asl.json --input input.json --journal "$j" --name fine
  expect_rc 0 run fine
  run_asl executions --journal "$j" history broken
  expect_rc 0 executions history
  expect_lines "executions history" "$out" 1
  expect_has "executions history" "$out" '{"events":['
  expect_has "executions history" "$out" '"type":"ExecutionStarted"'
  expect_has "executions history" "$out" '"type":"ExecutionFailed"'
  run_asl executions --journal "$j" redrive broken
  expect_rc 1 executions redrive, fails again
  [[ "$out" == '{"status":"FAILED","output":null,"error":"Stopped","cause":"on purpose"}' ]] ||
    fail "executions redrive: $out"
  run_asl executions --journal "$j" list
  expect_has "executions list after redrive" "$out" '"name":"broken","status":"FAILED"'
  expect_has "executions list after redrive" "$out" '"redrive_count":1}'
  run_asl executions --journal "$j" history broken
  expect_has "executions history after redrive" "$out" '"type":"ExecutionRedriven"'
  run_asl executions --journal "$j" redrive fine
  expect_rc 1 executions redrive succeeded
  [[ "$out" == '{"error":"ExecutionNotRedrivable","cause":"Execution is SUCCEEDED and cannot be redriven."}' ]] ||
    fail "executions redrive succeeded: $out"
  run_asl executions --journal "$j" redrive nobody
  expect_rc 1 executions redrive unknown
  expect_has "executions redrive unknown" "$out" '{"error":"ExecutionDoesNotExist"'
  run_asl executions --journal "$j" compact
  expect_rc 0 executions compact
  expect_has "executions compact" "$out" '"executions_kept":1,"executions_closed":1'
  run_asl executions --journal "$j" list
  expect_lines "executions list after compact" "$out" 2
  run_asl executions --journal "$j" history broken
  expect_has "executions history after compact" "$out" '"type":"ExecutionRedriven"'
}

case_resume_nothing() {
  run_asl run good.asl.json --input input.json --journal "$tmp/resume_nothing/j" --name done
  expect_rc 0 run --journal
  run_asl resume --journal "$tmp/resume_nothing/j"
  expect_rc 0 resume nothing
  [[ -z "$out" ]] || fail "resume nothing printed: $out"
  mkdir -p "$tmp/resume_nothing/empty"
  run_asl resume --journal "$tmp/resume_nothing/empty" --threads 1 --wait-scale 0 --virtual-time --retry-interval-scale 0 \
    --payload-limit 262144 --max-history-events 100 --trace --resolver bench
  expect_rc 0 resume empty journal
  [[ -z "$out" ]] || fail "resume empty journal printed: $out"
}

# A run killed with SIGKILL in a long Wait, then resumed: the journal holds it as RUNNING, resume
# ends it with its output, after which it is SUCCEEDED and there is nothing left to resume.
case_resume_killed() {
  mkdir -p "$tmp/resume_killed"
  printf '%s\n' '{"StartAt": "Before", "States": {' \
    '"Before": {"Type": "Pass", "Parameters": {"step.$": "$.who"}, "Next": "Nap"},' \
    '"Nap": {"Type": "Wait", "Seconds": 600, "Next": "After"},' \
    '"After": {"Type": "Pass", "Parameters": {"resumed.$": "$.step"}, "End": true}}}' >"$tmp/resume_killed/nap.asl.json"
  "$asl" run "$tmp/resume_killed/nap.asl.json" --input input.json --journal "$tmp/resume_killed/j" --name napper --wait-scale 1 \
    >"$tmp/resume_killed/killed.out" 2>&1 &
  local pid=$! size=0 i
  # The journal's segment starts with a 20-byte header; more means a write of records happened,
  # whole (a SIGKILL takes effect when the write returns). At most 10 s.
  for ((i = 0; i < 200; i++)); do
    size="$(stat -c %s "$tmp/resume_killed/j"/*.log 2>/dev/null | head -n 1)"
    (( ${size:-0} > 20 )) && break
    sleep 0.05
  done
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  (( ${size:-0} > 20 )) || { fail "the journal got no record within 10 s"; return; }
  [[ ! -s "$tmp/resume_killed/killed.out" ]] || fail "the killed run printed: $(cat "$tmp/resume_killed/killed.out")"
  run_asl executions --journal "$tmp/resume_killed/j" list
  expect_rc 0 executions list killed
  expect_has "executions list killed" "$out" '{"name":"napper","status":"RUNNING","start_date":"'
  expect_has "executions list killed" "$out" '"stop_date":null,"redrive_count":0}'
  # Its name is held: a new run under it must go through resume.
  run_asl run "$tmp/resume_killed/nap.asl.json" --input input.json --journal "$tmp/resume_killed/j" --name napper \
    --wait-scale 0
  expect_rc 1 run the name of a killed run
  expect_has "run the name of a killed run" "$err" "asl resume --journal"
  run_asl resume --journal "$tmp/resume_killed/j" --wait-scale 0
  expect_rc 0 resume killed
  [[ "$out" == '{"name":"napper","status":"SUCCEEDED","output":{"resumed":"newcomer"},"error":null,"cause":null}' ]] ||
    fail "resume killed: $out"
  run_asl executions --journal "$tmp/resume_killed/j" list
  expect_has "executions list resumed" "$out" '{"name":"napper","status":"SUCCEEDED"'
  expect_lacks "executions list resumed" "$out" '"stop_date":null'
  run_asl resume --journal "$tmp/resume_killed/j" --wait-scale 0
  expect_rc 0 resume again
  [[ -z "$out" ]] || fail "resume again printed: $out"
}

# Step Functions Local mock files (MockConfigFile.json next to this script, read as it is).
case_mock_config() {
  local mocks=MockConfigFile.json
  # Two state machines in the file: the definition's base name (mocked.asl.json) picks "mocked".
  run_asl run mocked.asl.json --mock-config "$mocks" --test-case HappyPath --virtual-time
  expect_rc 0 run HappyPath
  [[ "$out" == '{"status":"SUCCEEDED","output":{"model":{"loss":0.1},"approval":{"approved":true}},"error":null,"cause":null}' ]] ||
    fail "mock HappyPath: $out"
  # Retries consume responses; waits skipped by scale 0, as SFN Local users do.
  run_asl run mocked.asl.json --mock-config "$mocks" --test-case RetryPath --wait-scale 0 --retry-interval-scale 0
  expect_rc 0 run RetryPath
  expect_has "mock RetryPath" "$out" '"status":"SUCCEEDED","output":{"model":{"loss":0.2}'
  # A thrown mock is caught; the Catch leads to a Fail state.
  run_asl run mocked.asl.json --mock-config "$mocks" --test-case FatalPath --virtual-time
  expect_rc 0 run FatalPath
  [[ "$out" == '{"status":"FAILED","output":null,"error":"Model.Rejected","cause":"training failed for good"}' ]] ||
    fail "mock FatalPath: $out"
  # NAME#CASE, an ARN#CASE and --state-machine pick the other entry, which does not mock Approve.
  local want='"error":"States.Runtime","cause":"No Local mocked response definition for state '"'"'Approve'"'"' and invocation number '"'"'0'"'"'"'
  for args in "--test-case other#OnlyTrain" "--test-case OnlyTrain --state-machine other" \
              "--test-case arn:aws:states:us-east-1:123456789012:stateMachine:other#OnlyTrain"; do
    # shellcheck disable=SC2086
    run_asl run mocked.asl.json --mock-config "$mocks" $args --virtual-time
    expect_rc 0 run $args
    expect_has "mock $args" "$out" '"status":"FAILED"'
    expect_has "mock $args" "$out" "$want"
  done
  # Usage errors (64) and unusable files (1), one line each.
  run_asl run mocked.asl.json --mock-config "$mocks"
  expect_rc 64 --mock-config without --test-case
  expect_has "no test case" "$err" "asl run: --mock-config needs --test-case CASE"
  run_asl run mocked.asl.json --test-case HappyPath
  expect_rc 64 --test-case without --mock-config
  expect_has "no mock config" "$err" "--test-case needs --mock-config FILE"
  run_asl run mocked.asl.json --mock-config "$mocks" --test-case other#OnlyTrain --state-machine mocked
  expect_rc 64 two names
  expect_has "two names" "$err" "name two state machines"
  run_asl run mocked.asl.json --mock-config "$mocks" --test-case HapyPath
  expect_rc 1 unknown test case
  expect_has "unknown test case" "$err" "asl: mock config 'MockConfigFile.json': /StateMachines/mocked/TestCases: no test case 'HapyPath' for state machine 'mocked' (did you mean 'HappyPath'?)"
  expect_lines "unknown test case" "$err" 1
  run_asl run good.asl.json --mock-config "$mocks" --test-case HappyPath
  expect_rc 1 no state machine for good.asl.json
  expect_has "no base-name match" "$err" "none is named 'good' after the definition file"
  run_asl run mocked.asl.json --mock-config mock_bad.json --test-case HappyPath
  expect_rc 1 malformed mock file
  expect_has "malformed" "$err" "asl: mock config 'mock_bad.json': /MockedResponses/TrainFlaky/2: invocation keys must be consecutive"
  expect_lines "malformed" "$err" 1
  run_asl run mocked.asl.json --mock-config "$tmp/none.json" --test-case HappyPath
  expect_rc 1 missing mock file
  expect_has "missing" "$err" "cannot read the file"
  [[ -z "$out" ]] || fail "a refused mock file printed: $out"
  run_asl help run
  for opt in --mock-config --test-case --state-machine "MockConfigFile.json"; do expect_has "asl help run" "$out" "$opt"; done
}

case_eval_jsonata() {
  run_asl eval-jsonata --expression '$sum(items.(price * qty))' --input "$here/eval_jsonata_input.json"
  expect_rc 0 eval-jsonata sum
  [[ "$out" == '{"result":23}' ]] || fail "eval-jsonata sum: $out"
  printf '%s\n' 'items[price > 2].name' >"$tmp/expr.jsonata"
  run_asl eval-jsonata --expression-file "$tmp/expr.jsonata" --input "$here/eval_jsonata_input.json"
  [[ "$out" == '{"result":["b","c"]}' ]] || fail "eval-jsonata --expression-file: $out"
  run_asl eval-jsonata --expression 'nothing.here'
  expect_rc 0 eval-jsonata undefined
  [[ "$out" == '{"undefined":true}' ]] || fail "eval-jsonata undefined: $out"
  run_asl eval-jsonata --expression '$' --undefined-input
  [[ "$out" == '{"undefined":true}' ]] || fail "eval-jsonata --undefined-input: $out"
  run_asl eval-jsonata --expression '$x & "-" & $y' --bindings '{"x": "a", "y": 1}'
  [[ "$out" == '{"result":"a-1"}' ]] || fail "eval-jsonata --bindings: $out"
  printf '%s' '{"sum": 5}' >"$tmp/bindings.json"
  run_asl eval-jsonata --expression '$sum' --bindings-file "$tmp/bindings.json"
  [[ "$out" == '{"result":5}' ]] || fail "eval-jsonata --bindings-file shadows a built-in: $out"
  # Errors: one line on stdout with JSONata's code and position, exit 1.
  run_asl eval-jsonata --expression '1 +'
  expect_rc 1 eval-jsonata syntax error
  [[ "$out" == '{"error":{"code":"S0207","message":"Unexpected end of expression","position":3}}' ]] ||
    fail "eval-jsonata syntax error: $out"
  run_asl eval-jsonata --expression '"a" + 1'
  expect_rc 1 eval-jsonata evaluation error
  expect_has "eval-jsonata T2001" "$out" '"code":"T2001"'
  run_asl eval-jsonata --expression '($f := function($n) { $f($n + 1) + 1 }; $f(0))' --max-steps 100000
  expect_rc 1 eval-jsonata runaway recursion
  expect_has "eval-jsonata U1001" "$out" '"code":"U1001"'
  # Dialects: AWS's has no `?:` and writes non-finite numbers as strings.
  run_asl eval-jsonata --expression 'a ?: 1' --dialect aws
  expect_rc 1 eval-jsonata aws syntax
  expect_has "eval-jsonata aws ?:" "$out" '"code":"S0211"'
  run_asl eval-jsonata --expression 'a ?: 1'
  [[ "$out" == '{"result":1}' ]] || fail "eval-jsonata full ?: : $out"
  run_asl eval-jsonata --expression '1/0' --dialect AWS
  [[ "$out" == '{"result":"Infinity"}' ]] || fail "eval-jsonata aws 1/0: $out"
  # --repeat adds run's timing line.
  run_asl eval-jsonata --expression '[1..100].($ * 2) ~> $sum()' --repeat 5 --warmup 2
  expect_rc 0 eval-jsonata --repeat
  expect_lines "eval-jsonata --repeat" "$out" 2
  [[ "$(sed -n 1p <<<"$out")" == '{"result":10100}' ]] || fail "eval-jsonata --repeat result: $out"
  for key in '"timing":' '"median_ns":' '"min_ns":' '"max_ns":' '"exec_ns":' '"repeat":5' '"warmup":2' '"peak_rss_kb":'; do
    expect_has "eval-jsonata timing line" "$(sed -n 2p <<<"$out")" "$key"
  done
  # Usage errors: exit 64 with a hint; unreadable or invalid files: exit 1.
  run_asl eval-jsonata --input "$here/eval_jsonata_input.json"
  expect_rc 64 eval-jsonata without an expression
  run_asl eval-jsonata --expression 1 --expression-file "$tmp/expr.jsonata"
  expect_rc 64 eval-jsonata two expressions
  run_asl eval-jsonata --expression 1 --dialect asw
  expect_rc 64 eval-jsonata bad dialect
  expect_has "eval-jsonata bad dialect" "$err" "did you mean 'aws'?"
  run_asl eval-jsonata --expression 1 --repeat 0
  expect_rc 64 eval-jsonata --repeat 0
  run_asl eval-jsonata --expression 1 --inptu x
  expect_rc 64 eval-jsonata mistyped option
  expect_has "eval-jsonata mistyped option" "$err" "did you mean '--input'?"
  run_asl eval-jsonata --expression 1 --input "$tmp/missing.json"
  expect_rc 1 eval-jsonata missing input
  expect_has "eval-jsonata missing input" "$err" "cannot read input file"
  run_asl eval-jsonata --expression 1 --bindings '[1]'
  expect_rc 1 eval-jsonata bindings not an object
  run_asl help eval-jsonata
  expect_rc 0 help eval-jsonata
  for opt in --expression --expression-file --input --undefined-input --bindings --dialect --repeat --warmup; do
    expect_has "asl help eval-jsonata" "$out" "$opt"
  done
  run_asl --help
  expect_has "asl --help" "$out" "eval-jsonata"
}

# --task PATTERN=COMMAND (README "Tasks as commands"): a Task written for AWS Lambda runs a command.
case_task_command() {
  local def=task_command.asl.json pid
  run_asl run "$def" --input input.json
  expect_rc 1 run a Lambda task without --task
  expect_has "run without --task" "$err" "asl.definition.601"
  run_asl run "$def" --input input.json --task 'arn:aws:lambda:*:*:function:train*=cat'
  expect_rc 0 run --task cat
  [[ "$out" == '{"status":"SUCCEEDED","output":{"who":"newcomer","model":{"who":"newcomer","epochs":3}},"error":null,"cause":null}' ]] ||
    fail "run --task cat: $out"
  # By state name, as an argv list, with a stderr line prefixed by the state's name.
  run_asl run "$def" --input input.json --task 'Train=["sh","-c","echo loading >&2; echo 0.93"]'
  expect_rc 0 run --task argv
  expect_has "run --task argv" "$out" '"model":0.93'
  [[ "$err" == "[Train] loading" ]] || fail "run --task argv: stderr is '$err'"
  # A failing command: States.TaskFailed with the status and the tail of its stderr.
  run_asl run "$def" --input input.json --task 'Train=echo out of memory >&2; exit 3'
  expect_rc 0 run --task failing
  expect_has "run --task failing" "$out" '"status":"FAILED","output":null,"error":"States.TaskFailed"'
  expect_has "run --task failing" "$out" "exited with status 3. Its stderr ended with: out of memory"
  # An error object on stdout names the error.
  run_asl run "$def" --input input.json --task 'Train=echo "{\"Error\":\"Model.Diverged\",\"Cause\":\"NaN\"}"; exit 1'
  expect_has "run --task error object" "$out" '"error":"Model.Diverged","cause":"NaN"'
  # TimeoutSeconds (2) ends the command's whole group: its background child is gone when asl exits.
  run_asl run "$def" --input input.json --threads 1 --task 'Train=sleep 60 & echo "child $!" >&2; wait'
  expect_rc 0 run --task timeout
  expect_has "run --task timeout" "$out" '"error":"States.Timeout"'
  pid="${err##*child }"
  [[ "$pid" =~ ^[0-9]+$ ]] || fail "run --task timeout: no child pid in '$err'"
  if [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then fail "run --task timeout: process $pid still exists"; fi
  # Usage errors.
  run_asl run "$def" --task 'no-equals-sign'
  expect_rc 64 run --task without =
  expect_has "run --task without =" "$err" "--task needs PATTERN=COMMAND"
  run_asl run "$def" --task 'Train=[1,2]'
  expect_rc 64 run --task bad argv
  expect_has "run --task bad argv" "$err" "must be a non-empty array of strings"
  run_asl help run
  expect_has "asl help run" "$out" "--task"
}

# A Map over a command: every item's process is started, fed and reaped, on a pool and inline.
case_task_command_map() {
  local items threads
  items="$(seq -s, 1 200)"
  printf '[%s]\n' "$items" >"$tmp/items.json"
  for threads in 1 2; do
    run_asl run task_command_map.asl.json --input "$tmp/items.json" --threads "$threads" --task 'Echo=["cat"]'
    expect_rc 0 run map --threads "$threads"
    [[ "$out" == "{\"status\":\"SUCCEEDED\",\"output\":[$items],\"error\":null,\"cause\":null}" ]] ||
      fail "run map --threads $threads: ${out:0:300}"
  done
}

# --- issue #21 §3-4: asl test-state and asl test -------------------------------------------
# TestState: AWS's response as one JSON line; a refused request is AWS's error body, exit 1.
case_test_state() {
  run_asl test-state --definition test_state_task.json --input test_state_input.json \
    --mock '{"result": "{\"loss\": 0.5, \"epochs\": 3}"}' --inspection-level DEBUG
  expect_rc 0 test-state mock result
  expect_lines "test-state" "$out" 1
  [[ "$out" == '{"output":"{\"job\":{\"size\":10},\"trained\":{\"loss\":0.5}}","inspectionData":{"input":"{\"job\":{\"size\":10}}","afterInputPath":"{\"size\":10}","afterParameters":"{\"size\":10}","result":"{\"loss\":0.5,\"epochs\":3}","afterResultSelector":"{\"loss\":0.5}","afterResultPath":"{\"job\":{\"size\":10},\"trained\":{\"loss\":0.5}}"},"nextState":"Evaluate","status":"SUCCEEDED"}' ]] ||
    fail "test-state mock result: $out"
  run_asl test-state --definition test_state_task.json --input test_state_input.json \
    --mock '{"errorOutput": {"error": "Preempted", "cause": "node lost"}}' --state-configuration '{"retrierRetryCount": 1}' \
    --inspection-level TRACE
  expect_rc 0 test-state retriable
  expect_has "test-state retriable" "$out" '"errorDetails":{"retryIndex":0,"retryBackoffIntervalSeconds":4}'
  expect_has "test-state retriable" "$out" '"status":"RETRIABLE"'
  run_asl test-state --definition test_state_task.json --input test_state_input.json \
    --mock '{"errorOutput": {"error": "Preempted", "cause": "node lost"}}' --state-configuration '{"retrierRetryCount": 3}'
  expect_has "test-state caught" "$out" '"nextState":"Recover","status":"CAUGHT_ERROR"'
  # A state of a whole machine, INFO: no inspectionData.
  run_asl test-state --definition ../../examples/pipelines/training.asl.json --state QualityGate \
    --input <(echo '{"metrics": {"accuracy": 0.95}, "min_accuracy": 0.9}')
  expect_rc 0 test-state --state
  [[ "$out" == '{"output":"{\"metrics\":{\"accuracy\":0.95},\"min_accuracy\":0.9}","nextState":"Deploy","status":"SUCCEEDED"}' ]] ||
    fail "test-state --state: $out"
  # Refused as AWS refuses it.
  run_asl test-state --definition test_state_task.json --mock '{"result": "{}", "errorOutput": {"error": "E"}}'
  expect_rc 1 test-state both mocks
  [[ "$out" == '{"__type":"ValidationException","message":"A test mock should have only one of the following fields: [result, errorOutput]."}' ]] ||
    fail "test-state both mocks: $out"
  run_asl test-state --definition ../../examples/pipelines/training.asl.json --state Nope
  expect_rc 1 test-state unknown state
  [[ "$out" == '{"__type":"ValidationException","message":"State '"'Nope'"' does not exist in the definition."}' ]] ||
    fail "test-state unknown state: $out"
  run_asl test-state --input test_state_input.json
  expect_rc 64 test-state without --definition
  run_asl test-state --definition test_state_task.json --mock '{not json'
  expect_rc 64 test-state bad --mock
  run_asl test-state --definition "$tmp/missing.json"
  expect_rc 1 test-state unreadable
  expect_has "test-state unreadable" "$err" "cannot read"
  run_asl test-state --help
  expect_rc 0 test-state --help
  expect_has "test-state --help" "$out" "--state-configuration"
}

# asl test: one line per case, coverage, the summary, JUnit XML; non-zero exit on a failure.
case_test_spec() {
  run_asl test ../../examples/pipelines/training.test.json --junit "$tmp/junit.xml" --coverage-json "$tmp/cov.json"
  expect_rc 0 test training
  expect_has "test training" "$out" "PASS ../../examples/pipelines/training.test.json :: a good model is deployed"
  expect_has "test training" "$out" "states 9/9 (100.0 %), transitions 8/8 (100.0 %)"
  [[ "$(printf '%s\n' "$out" | tail -1)" == "5 passed, 0 failed" ]] || fail "test training summary: $out"
  expect_has "junit" "$(cat "$tmp/junit.xml")" '<testsuites name="asl test" tests="5" failures="0"'
  expect_has "coverage json" "$(cat "$tmp/cov.json")" '"transitions":{"total":8,"covered":8,"percent":100.0'
  run_asl test failing.test.json --junit "$tmp/junit2.xml" --no-coverage
  expect_rc 1 test failing
  expect_has "test failing" "$out" "FAIL failing.test.json :: wrongly expects a failure"
  expect_has "test failing" "$out" '    status: got SUCCEEDED, want "FAILED"'
  expect_lacks "test failing" "$out" "coverage"
  [[ "$(printf '%s\n' "$out" | tail -1)" == "1 passed, 1 failed" ]] || fail "test failing summary: $out"
  expect_has "junit failing" "$(cat "$tmp/junit2.xml")" '<failure message="status: got SUCCEEDED, want &quot;FAILED&quot;">'
  echo '{"cases": []}' >"$tmp/empty.test.json"
  run_asl test "$tmp/empty.test.json"
  expect_rc 1 test empty spec
  expect_has "test empty spec" "$err" "/cases: must be a non-empty array"
  run_asl test
  expect_rc 64 test without a spec
}

# TestState TRACE on an HTTP Task: the request its arguments describe, the response its mocked
# result holds; fieldValidationMode checks the service responses asl knows.
case_test_state_trace_http() {
  local http_mock='{"result": "{\"StatusCode\": 201, \"StatusText\": \"Created\", \"Headers\": {\"content-type\": [\"application/json\"]}, \"ResponseBody\": {\"id\": \"m-7\"}}"}'
  run_asl test-state --definition test_state_http.json --input <(echo '{"model": "churn"}') \
    --mock "$http_mock" --inspection-level TRACE
  expect_rc 0 test-state trace http
  expect_has "test-state trace http" "$out" '"request":{"protocol":"https","method":"POST","url":"https://api.example.com/v1/models?dry_run=true","headers":"[x-team: ml]","body":"{\"model\":\"churn\"}"}'
  expect_has "test-state trace http" "$out" '"response":{"protocol":"https","statusCode":"201","statusMessage":"Created","headers":"[content-type: application/json]","body":"{\"id\":\"m-7\"}"}'
  expect_has "test-state trace http" "$out" '"output":"{\"id\":\"m-7\"}"'
  run_asl test-state --definition test_state_http.json --input <(echo '{"model": "churn"}') \
    --mock "$http_mock" --inspection-level DEBUG
  expect_rc 0 test-state debug http
  expect_lacks "test-state debug http" "$out" '"request"'
  run_asl test-state --definition test_state_http.json --mock '{"result": "{\"StatusCode\": \"201\"}"}'
  expect_rc 1 test-state strict mock
  [[ "$out" == '{"__type":"ValidationException","message":"Mock result schema validation error: Field '"'StatusCode'"' must be a number"}' ]] ||
    fail "test-state strict mock: $out"
  run_asl test-state --definition test_state_http.json --mock '{"result": "[1]", "fieldValidationMode": "PRESENT"}'
  expect_rc 1 test-state present mock
  expect_has "test-state present mock" "$out" 'The result of http:invoke must be a JSON object'
  run_asl test-state --definition test_state_http.json --mock '{"result": "[1]", "fieldValidationMode": "NONE"}'
  expect_rc 0 test-state none mock
}

# TestState on a Map: the items after ItemsPath, ItemSelector and ItemBatcher.
case_test_state_map_stages() {
  run_asl test-state --definition test_state_map.json --input <(echo '{"shards": ["a", "b", "c"], "bucket": "data"}') \
    --mock '{"result": "[1, 2]"}' --inspection-level DEBUG
  expect_rc 0 test-state map stages
  expect_has "test-state map stages" "$out" '"afterItemsPath":"[\"a\",\"b\",\"c\"]"'
  expect_has "test-state map stages" "$out" '"afterItemSelector":"[{\"shard\":\"a\",\"index\":0,\"bucket\":\"data\"},{\"shard\":\"b\",\"index\":1,\"bucket\":\"data\"},{\"shard\":\"c\",\"index\":2,\"bucket\":\"data\"}]"'
  expect_has "test-state map stages" "$out" '"afterItemBatcher":"[{\"Items\":[{\"shard\":\"a\",\"index\":0,\"bucket\":\"data\"},{\"shard\":\"b\",\"index\":1,\"bucket\":\"data\"}]},{\"Items\":[{\"shard\":\"c\",\"index\":2,\"bucket\":\"data\"}]}]"'
  expect_has "test-state map stages" "$out" '"status":"SUCCEEDED"'
  # Two batches are two iterations.
  run_asl test-state --definition test_state_map.json --input <(echo '{"shards": ["a", "b", "c"], "bucket": "data"}') \
    --mock '{"result": "[1, 2]"}' --state-configuration '{"mapIterationFailureCount": 3}'
  expect_rc 1 test-state map iterations
  expect_has "test-state map iterations" "$out" "Map iteration failure count must be less than or equal to the number of Map iterations"
}

# asl test: a spec holding its definition inline; each Choice rule is its own coverage edge.
case_test_spec_inline() {
  run_asl test inline_rules.test.json --coverage-json "$tmp/cov.json"
  expect_rc 0 test inline
  expect_has "test inline" "$out" "PASS inline_rules.test.json :: a small job"
  expect_has "test inline" "$out" "coverage inline_rules.test.json#/definition: states 3/3 (100.0 %), transitions 2/3 (66.7 %)"
  expect_has "test inline" "$out" "  not taken: Route -[Choice#1]-> Small"
  [[ "$(printf '%s\n' "$out" | tail -1)" == "2 passed, 0 failed" ]] || fail "test inline summary: $out"
  expect_has "test inline json" "$(cat "$tmp/cov.json")" '{"from":"Route","to":"Small","via":"Choice#0","taken":1}'
  expect_has "test inline json" "$(cat "$tmp/cov.json")" '{"from":"Route","to":"Small","via":"Choice#1","taken":0}'
  echo '{"definition": 7, "cases": [{}]}' >"$tmp/bad.test.json"
  run_asl test "$tmp/bad.test.json"
  expect_rc 1 test bad definition
  expect_has "test bad definition" "$err" "/definition: must be a file path or a definition object"
}

# --- issue #20: a Distributed Map's progress line -----------------------------------------
# dmap_files: a bucket root with a 40-row CSV (row 7 is "bad") and a definition whose
# Distributed Map reads it, failing the bad row (tolerated).
dmap_files() {
  mkdir -p "$tmp/b/in"
  { echo n; for i in $(seq 1 40); do if [[ $i == 7 ]]; then echo bad; else echo "$i"; fi; done; } >"$tmp/b/in/rows.csv"
  cat >"$tmp/dmap.asl.json" <<'JSON'
{"StartAt":"M","States":{"M":{"Type":"Map","ToleratedFailureCount":5,
 "ItemReader":{"Resource":"arn:aws:states:::s3:getObject","Parameters":{"Bucket":"in","Key":"rows.csv"},
               "ReaderConfig":{"InputType":"CSV"}},
 "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"C","States":{
   "C":{"Type":"Choice","Choices":[{"Variable":"$.n","StringEquals":"bad","Next":"F"}],"Default":"OK"},
   "F":{"Type":"Fail","Error":"Bad","Cause":"a bad row"},"OK":{"Type":"Pass","End":true}}},
 "ResultSelector":{"rows.$":"States.ArrayLength($)"},"End":true}}}
JSON
}

# --progress draws the line although stderr is not a terminal: rewritten with \r, its last state
# the run's counts and status, ended with a newline; without it (stderr a file) nothing is drawn.
case_run_progress() {
  local threads last
  dmap_files
  for threads in 1 2; do
    run_asl run "$tmp/dmap.asl.json" --bucket-root "$tmp/b" --threads "$threads" --progress
    expect_rc 0 run --progress --threads "$threads"
    [[ "$out" == '{"status":"SUCCEEDED","output":{"rows":40},"error":null,"cause":null}' ]] ||
      fail "run --progress --threads $threads: $out"
    grep -q $'\r' "$tmp/err" || fail "run --progress --threads $threads: no carriage return in '$err'"
    [[ "$(tail -c 1 "$tmp/err" | od -An -c | tr -d ' ')" == '\n' ]] ||
      fail "run --progress --threads $threads: stderr does not end with a newline"
    expect_lines "run --progress stderr" "$err" 1
    last="${err##*$'\r'}"
    [[ "$last" =~ ^M:\ 40/40\ done,\ 1\ failed,\ [0-9]+/s,\ [0-9]+\.[0-9]s\ SUCCEEDED\ *$ ]] ||
      fail "run --progress --threads $threads: last state '$last'"
    expect_has "run --progress first state" "$err" $'\rM: 0/0+ done, 0 failed'
  done
  run_asl run "$tmp/dmap.asl.json" --bucket-root "$tmp/b" --threads 1
  expect_rc 0 run without --progress
  [[ -z "$err" ]] || fail "run without --progress, stderr a file: '$err'"
  # Stderr a terminal (script(1) gives the run one): the line is on by default.
  if command -v script >/dev/null 2>&1; then
    script -qec "'$asl' run '$tmp/dmap.asl.json' --bucket-root '$tmp/b' --threads 1 >/dev/null" /dev/null \
      >"$tmp/tty" 2>&1 </dev/null
    grep -q '40/40 done, 1 failed' "$tmp/tty" || fail "run on a terminal: no progress line in '$(cat "$tmp/tty")'"
  fi
  run_asl help run
  expect_has "asl help run" "$out" "--progress"
  expect_has "asl help run" "$out" "--quiet"
}

# --quiet hides the line, even on a terminal; --progress with --quiet is a usage error.
case_run_quiet() {
  dmap_files
  run_asl run "$tmp/dmap.asl.json" --bucket-root "$tmp/b" --quiet
  expect_rc 0 run --quiet
  expect_has "run --quiet" "$out" '"status":"SUCCEEDED"'
  [[ -z "$err" ]] || fail "run --quiet wrote to stderr: '$err'"
  if command -v script >/dev/null 2>&1; then
    script -qec "'$asl' run '$tmp/dmap.asl.json' --bucket-root '$tmp/b' --threads 1 --quiet >/dev/null" /dev/null \
      >"$tmp/tty" 2>&1 </dev/null
    grep -q 'done,' "$tmp/tty" && fail "run --quiet on a terminal drew the line: '$(cat "$tmp/tty")'"
  fi
  run_asl run "$tmp/dmap.asl.json" --bucket-root "$tmp/b" --progress --quiet
  expect_rc 64 run --progress --quiet
}

# A journaled run of a Distributed Map (README "Distributed Map", "In a durable execution"): its
# history is rebuilt by reading the source again (--bucket-root), and writes no result file;
# resume and redrive take --bucket-root too.
case_run_journal_map_run() {
  dmap_files
  run_asl run "$tmp/dmap.asl.json" --bucket-root "$tmp/b" --journal "$tmp/j" --name rows --quiet
  expect_rc 0 run --journal with a Map Run
  [[ "$out" == '{"status":"SUCCEEDED","output":{"rows":40},"error":null,"cause":null}' ]] ||
    fail "run --journal with a Map Run: $out"
  run_asl executions --journal "$tmp/j" history rows --bucket-root "$tmp/b"
  expect_rc 0 executions history --bucket-root
  expect_has "history of a Map Run" "$out" '"type":"MapRunStarted"'
  expect_has "history of a Map Run" "$out" '"type":"MapRunSucceeded"'
  expect_has "history of a Map Run" "$out" '"type":"ExecutionSucceeded"'
  run_asl executions --journal "$tmp/j" history rows --bucket-root "$tmp/nowhere"
  expect_rc 64 executions history --bucket-root not a directory
  run_asl resume --journal "$tmp/j" --bucket-root "$tmp/b"
  expect_rc 0 resume --bucket-root, nothing to resume
  run_asl help resume
  expect_has "asl help resume" "$out" "--bucket-root"
}

if [[ "$which" == all ]]; then
  for c in $(declare -F | awk '{print $3}' | grep '^case_'); do "$c"; done
elif declare -F "case_$which" >/dev/null; then
  "case_$which"
else
  echo "cli_test.sh: no case '$which'" >&2
  exit 64
fi
if (( failures )); then
  echo "cli_test.sh $which: $failures failure(s)" >&2
  exit 1
fi
echo "cli_test.sh $which: ok"
