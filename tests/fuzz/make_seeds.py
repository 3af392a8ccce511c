#!/usr/bin/env python3
# Regenerates the fuzz seed corpora from the shared conformance cases and benchmark workloads.
# SPDX-License-Identifier: MIT
"""Writes seeds for every fuzz target to OUT/<target>/ (file name = SHA-1 of the content, as
libFuzzer names corpus files, so re-running is idempotent and duplicates collapse).

  tests/fuzz/make_seeds.py [--shared /work/shared] [--out build/fuzz/seeds]

Input formats (see the fuzz_<target>.cpp headers):
  definition        the definition text
  jsonpath          <path>\\n<JSON document>
  intrinsics        <expression>\\n<JSON input>
  payload_template  <template JSON on one line>\\n<JSON input>
  execution         <definition>\\0<JSON input> (raw mode), or bytes for the machine generator
  jsonata           <expression>\\0<JSON input>\\0<JSON bindings> (the JSONata suite's cases)

These are seeds, not the committed corpus: fuzz from them, then `-merge=1` into
tests/fuzz/corpus/<target>/ (README.md).
"""
import argparse
import hashlib
import json
import os
import random
import re
import sys

PATH_KEYS = {"InputPath", "OutputPath", "ResultPath", "ItemsPath", "Variable", "SecondsPath", "TimestampPath",
             "TimeoutSecondsPath", "HeartbeatSecondsPath", "MaxConcurrencyPath", "ErrorPath", "CausePath",
             "ToleratedFailurePercentagePath", "ToleratedFailureCountPath"}
TEMPLATE_KEYS = {"Parameters", "ResultSelector", "ItemSelector"}
MAX_DOC = 4096  # bytes of JSON document appended to path/intrinsic/template seeds


def compact(v):
    return json.dumps(v, separators=(",", ":"), ensure_ascii=False)


def shrink(v, depth=0):
    """A small look-alike of a (workload) document: arrays cut to 4 items, big counters to 3."""
    if isinstance(v, list):
        return [shrink(x, depth + 1) for x in v[:4]]
    if isinstance(v, dict):
        return {k: shrink(x, depth + 1) for k, x in v.items()}
    if isinstance(v, int) and not isinstance(v, bool) and v > 100:
        return 3
    if isinstance(v, str) and len(v) > 200:
        return v[:200]
    return v


def doc_text(v):
    t = compact(v)
    return t if len(t.encode()) <= MAX_DOC else compact(shrink(v))


class Seeds:
    def __init__(self, out):
        self.out = out
        self.count = {}

    def add(self, target, data):
        if isinstance(data, str):
            data = data.encode("utf-8")
        d = os.path.join(self.out, target)
        os.makedirs(d, exist_ok=True)
        p = os.path.join(d, hashlib.sha1(data).hexdigest())
        if not os.path.exists(p):
            with open(p, "wb") as f:
                f.write(data)
            self.count[target] = self.count.get(target, 0) + 1


def walk(v, found):
    """Collects JSONPath strings, intrinsic expressions and payload templates of a definition."""
    if isinstance(v, dict):
        for k, x in v.items():
            if isinstance(x, str):
                if k in PATH_KEYS or (k.endswith("Path") and x.startswith("$")):
                    if x.startswith("States."):
                        found["intrinsics"].add(x)
                    else:
                        found["paths"].add(x)
                elif k.endswith(".$"):
                    if x.startswith("$"):
                        found["paths"].add(x)
                    else:
                        found["intrinsics"].add(x)
            if k in TEMPLATE_KEYS and isinstance(x, (dict, list)):
                found["templates"].append(x)
            walk(x, found)
    elif isinstance(v, list):
        for x in v:
            walk(x, found)


def paths_in_expression(expr):
    return re.findall(r"\$\$?[^,\s()]*(?:\([^)]*\))?", expr)


def load_jsonl(path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line:
                yield json.loads(line)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--shared", default=os.path.normpath(os.path.join(here, "../../../shared")))
    ap.add_argument("--out", default=os.path.normpath(os.path.join(here, "../../build/fuzz/seeds")))
    args = ap.parse_args()
    conf = os.path.join(args.shared, "conformance")
    work = os.path.join(args.shared, "bench", "workloads")
    seeds = Seeds(args.out)

    cases = []  # (definition as a value, input as a value)
    for c in load_jsonl(os.path.join(conf, "aws-recorded.jsonl")):
        cases.append((c["definition"], c.get("input", {})))
    for c in load_jsonl(os.path.join(conf, "aws-recorded-extra.jsonl")):
        if "definition_text" in c:
            seeds.add("definition", c["definition_text"])
            try:
                cases.append((json.loads(c["definition_text"]), {}))
            except ValueError:
                pass
        req = c.get("request")
        if req:
            state_text = req.get("definition", "")
            seeds.add("definition", state_text)
            try:
                state = json.loads(state_text)
                inp = json.loads(req.get("input") or "{}")
            except ValueError:
                continue
            if isinstance(state, dict) and "States" not in state:
                state = dict(state)
                state.pop("Next", None)
                if state.get("Type") not in ("Choice", "Succeed", "Fail"):
                    state["End"] = True
                state = {"StartAt": "S", "States": {"S": state}}
            cases.append((state, inp))
    for name in sorted(os.listdir(work)):
        d = os.path.join(work, name)
        with open(os.path.join(d, "definition.json"), encoding="utf-8") as f:
            definition_text = f.read()
        with open(os.path.join(d, "input.json"), encoding="utf-8") as f:
            inp = json.load(f)
        seeds.add("definition", definition_text)
        cases.append((json.loads(definition_text), shrink(inp)))

    for definition, inp in cases:
        seeds.add("definition", compact(definition))
        if len(json.dumps(definition)) < 4000:
            seeds.add("definition", json.dumps(definition, indent=2, ensure_ascii=False))
        found = {"paths": set(), "intrinsics": set(), "templates": []}
        walk(definition, found)
        doc = doc_text(inp)
        for p in sorted(found["paths"]):
            seeds.add("jsonpath", p + "\n" + doc)
        for e in sorted(found["intrinsics"]):
            seeds.add("intrinsics", e + "\n" + doc)
            for p in paths_in_expression(e):
                seeds.add("jsonpath", p + "\n" + doc)
        for t in found["templates"]:
            seeds.add("payload_template", compact(t) + "\n" + doc)
        text = compact(definition)
        if len(text) <= 64 * 1024:
            seeds.add("execution", text + "\0" + doc)

    # Paths and expressions read against the fixed document (no document after the newline).
    for p in ["$", "$$", "$.store.book[*].author", "$..author", "$.store.*", "$..book[2]", "$..book[-1:]",
              "$..book[0,1]", "$..book[:2]", "$..book[?(@.isbn)]", "$..book[?(@.price < 10)]", "$..*",
              "$.items.length()", "$['key with space']", "$.dot\\.key", "$['quote\\'key']", "$.items[?(@ =~ /t.*/i)]",
              "$.store.book[?(@.author in ['Nigel','x'])].price", "$.nested..z[1:3:1]", "$.items[-2:5]",
              "$$.Execution.Input.a", "$.store.book[?(@.price > $.c && !@.isbn)]", "$.unicode", "$.big", "$.neg"]:
        seeds.add("jsonpath", p + "\n")
    for e in ["States.Format('{} and {}', $.a, $.b)", "States.StringToJson($.s)", "States.JsonToString($.items)",
              "States.Array($.a, 'x', 1.5, null, true)", "States.ArrayPartition($.items, 4)",
              "States.ArrayContains($.items, 1)", "States.ArrayRange(1, 9, 2)", "States.ArrayGetItem($.items, 2)",
              "States.ArrayLength($.items)", "States.ArrayUnique($.items)", "States.Base64Encode($.b)",
              "States.Base64Decode('aGVsbG8=')", "States.Hash($.b, 'SHA-256')", "States.Hash('x', 'MD5')",
              "States.JsonMerge($.nested, $.store, false)", "States.MathRandom(1, 9, 7)", "States.MathAdd($.a, -3)",
              "States.StringSplit('a,b,c', ',')", "States.UUID()", "States.Format($$.Execution.Name)",
              "States.Format('\\{\\} {}', States.ArrayLength(States.Array(1, 2)))"]:
        seeds.add("intrinsics", e + "\n")

    # JSONata: every expression of the official suite with its data (a dataset, shrunk when
    # large) and bindings; an expression may span lines, so the parts are split at NUL bytes.
    jsonata_dir = os.path.join(args.shared, "jsonata")
    if os.path.exists(os.path.join(jsonata_dir, "test-suite.jsonl")):
        for c in load_jsonl(os.path.join(jsonata_dir, "test-suite.jsonl")):
            if not isinstance(c.get("expr"), str):
                continue
            data = ""
            if c.get("dataset"):
                with open(os.path.join(jsonata_dir, "datasets", c["dataset"] + ".json"), encoding="utf-8") as f:
                    data = doc_text(json.load(f))
            elif "data" in c:
                data = doc_text(c["data"])
            text = c["expr"] + "\0" + data
            if c.get("bindings"):
                text += "\0" + compact(c["bindings"])
            # Lone surrogates (a few string-function cases) as UTF-8 would be; still seeds.
            seeds.add("jsonata", text.encode("utf-8", "surrogatepass"))

    # Generator-mode execution seeds: deterministic pseudo-random bytes (never starting with '{').
    rng = random.Random(20240229)
    for i in range(64):
        n = rng.choice([8, 32, 64, 128, 256, 512])
        data = bytes([rng.randrange(256) for _ in range(n)])
        if data[:1] == b"{":
            data = b"\0" + data[1:]
        seeds.add("execution", data)

    for t in sorted(seeds.count):
        print(f"{t}: {seeds.count[t]} new seeds in {os.path.join(args.out, t)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
