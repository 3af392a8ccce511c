#!/usr/bin/env python3
"""JSONata versions of three benchmark workloads (issue #19): the same machines and the same
outputs as ../shared/bench/workloads/{pass_chain_1000, choice_loop_10000, map_fanout_10000_mc8},
written with QueryLanguage "JSONata" (Output / Condition / Items / Arguments instead of
Parameters / ResultPath / ItemsPath / Variable).

    python3 benchmarks/jsonata_states/make_workloads.py ../shared/bench/workloads OUT_DIR

writes OUT_DIR/<workload>_jsonata/{definition.json,input.json} and copies expected.json (the
output digest is the JSONPath version's: same output, bit for bit)."""
import json
import shutil
import sys
from pathlib import Path


def expr(text):
    return "{% " + text + " %}"


def jsonata_value(template, root):
    """A JSONPath payload template as a JSONata object constructor's source text."""
    parts = []
    for key, value in template.items():
        if key.endswith(".$"):
            path = value
            if path.startswith("States.MathAdd("):
                a, b = path[len("States.MathAdd("):-1].split(",")
                parts.append(f'"{key[:-2]}": {jpath(a.strip(), root)} + {b.strip()}')
            else:
                parts.append(f'"{key[:-2]}": {jpath(path, root)}')
        elif isinstance(value, dict):
            parts.append(f'"{key}": {jsonata_value(value, root)}')
        else:
            parts.append(f'"{key}": {json.dumps(value)}')
    return "{" + ", ".join(parts) + "}"


def jpath(path, root):
    assert path.startswith("$"), path
    return root + path[1:]


def pass_chain(defn):
    out = {"Comment": defn["Comment"] + " (JSONata)", "QueryLanguage": "JSONata", "StartAt": defn["StartAt"],
           "States": {}}
    for name, st in defn["States"].items():
        root = "$states.input"
        if "InputPath" in st:
            root = jpath(st["InputPath"], "$states.input")
        value = jsonata_value(st["Parameters"], root)
        member = st["ResultPath"][2:]
        assert st.get("OutputPath", "$") == "$"
        # ResultPath "$.member": the input with that member set (replaced in place, or added last).
        s = {"Type": "Pass", "Output": expr(f'$merge([$states.input, {{"{member}": {value}}}])')}
        s.update({k: st[k] for k in ("Next", "End") if k in st})
        out["States"][name] = s
    return out


def choice_loop(defn):
    return {"Comment": defn["Comment"] + " (JSONata)", "QueryLanguage": "JSONata", "StartAt": "Check",
            "States": {
                "Check": {"Type": "Choice", "Choices": [
                    {"Condition": expr("$states.input.counter.i < $states.input.limit"), "Next": "Increment"}],
                    "Default": "Done"},
                "Increment": {"Type": "Pass", "Next": "Check", "Output": expr(
                    '$merge([$states.input, {"counter": {"i": $states.input.counter.i + 1}}])')},
                "Done": {"Type": "Succeed"}}}


def map_fanout(defn):
    m = defn["States"]["FanOut"]
    proc = m["ItemProcessor"]
    return {"Comment": defn["Comment"] + " (JSONata)", "QueryLanguage": "JSONata", "StartAt": "FanOut",
            "States": {"FanOut": {
                "Type": "Map", "Items": expr("$states.input.items"), "MaxConcurrency": m["MaxConcurrency"],
                "ItemProcessor": {"ProcessorConfig": proc["ProcessorConfig"], "StartAt": "ProcessItem", "States": {
                    "ProcessItem": {"Type": "Task", "Resource": proc["States"]["ProcessItem"]["Resource"],
                                    "Output": expr('$merge([$states.input, {"task": $states.result}])'),
                                    "Next": "Shape"},
                    "Shape": {"Type": "Pass", "Next": "Route", "Output": {
                        "id": expr("$states.input.id"), "v": expr("$states.input.value"),
                        "g": expr("$states.input.group"), "ok": expr("$states.input.task.ok")}},
                    "Route": {"Type": "Choice", "Choices": [
                        {"Condition": expr("$states.input.v > 50"), "Next": "High"}], "Default": "Low"},
                    "High": {"Type": "Succeed"}, "Low": {"Type": "Succeed"}}},
                "End": True}}}


def main():
    src, dst = Path(sys.argv[1]), Path(sys.argv[2])
    for name, convert in (("pass_chain_1000", pass_chain), ("choice_loop_10000", choice_loop),
                          ("map_fanout_10000_mc8", map_fanout)):
        out = dst / (name + "_jsonata")
        out.mkdir(parents=True, exist_ok=True)
        defn = json.loads((src / name / "definition.json").read_text())
        (out / "definition.json").write_text(json.dumps(convert(defn), indent=1) + "\n")
        for f in ("input.json", "expected.json"):
            shutil.copy(src / name / f, out / f)


if __name__ == "__main__":
    main()
