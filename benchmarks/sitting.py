#!/usr/bin/env python3
# One side-by-side sitting: the peer once, then asl in alternating rounds (pool, inline), pooled into the README's table.
#
#   benchmarks/sitting.py --asl build/bench/benchmarks/asl --bench /tmp/sb [--rounds 7] [--out DIR]
#   benchmarks/sitting.py --table-only --out DIR        # re-print the table of an earlier sitting
#   --e1 NS: floor_bench's e1 in this sitting; adds "this / floor here", the floor scaled by e1 / 236
#
# --bench is a copy of ../shared/bench with `npm install` done in it and in node22/ (../shared is
# read-only). Rounds alternate the two configurations so that a slow minute of a shared guest hits
# both. Why pooled samples: one round has only 5 timed executions per workload, too few for a
# median on a machine whose speed swings from minute to minute.
import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

# RESULTS.md "Floor estimates" (ms): (low, high) per workload; map_fanout on 2 threads uses the
# 2-core figure, as the README's tables always have.
FLOOR_MS = {
    "pass_chain_1000": (0.25, 0.25),
    "choice_loop_10000": (1.5, 2.0),
    "map_fanout_10000_unbounded": (9.0, 9.0),
    "map_fanout_10000_mc8": (9.0, 9.0),
    "parallel_branches_8x10_x1000": (20.0, 20.0),
    "retry_catch_1000": (1.0, 2.0),
    "ml_pipeline": (0.3, 0.5),
    "large_payload_100": (0.03, 1.2),
}
FLOOR_2CORE_MS = {"map_fanout_10000_unbounded": (5.0, 5.0), "map_fanout_10000_mc8": (5.0, 5.0)}
RESULTS_E1_NS = 236.0  # RESULTS.md's e1, the machine its floor estimates were measured on
CONFIGS = (("pool", "asl, 2 threads (pool)", 0), ("inline", "asl, 1 thread (inline)", 1))
FANOUT = ("map_fanout_10000_unbounded", "map_fanout_10000_mc8", "parallel_branches_8x10_x1000",
          "retry_catch_1000")


def run_bench(bench, out, name, engine, env=None):
    cmd = [str(bench / "bench.sh"), "-n", name, "-T", "-o", str(out), "--"] + engine
    subprocess.run(cmd, cwd=bench, env=env, check=True, stdout=subprocess.DEVNULL)


def read_rows(path):
    rows = {}
    with open(path) as f:
        for line in f:
            if line.strip():
                row = json.loads(line)
                rows[row["workload"]] = row
    return rows


def fmt_ms(v):
    return f"{v:.3f}" if v < 1 else f"{v:.2f}" if v < 100 else f"{v:.1f}"


def fmt_ratio(lo, hi):
    return f"{lo:.1f}×" if abs(hi - lo) < 0.05 else f"{lo:.1f}–{hi:.1f}×"


def pooled(rounds):
    """Median, min and max over every timed sample; load, cold and RSS as medians over rounds."""
    samples = [ns for r in rounds for ns in r["timing"]["exec_ns"]]
    cold = [r["timing"]["warmup_ns"][0] for r in rounds if r["timing"].get("warmup_ns")]
    return {
        "median": statistics.median(samples) / 1e6,
        "min": min(samples) / 1e6,
        "max": max(samples) / 1e6,
        "load": statistics.median(r["timing"]["load_ns"] for r in rounds) / 1e6,
        "cold": statistics.median(cold) / 1e6 if cold else None,
        "rss": statistics.median(r["peak_rss_kb"] for r in rounds) / 1024,
        "ok": sum(r["check"] == "ok" for r in rounds),
        "n": len(rounds),
        "transitions": rounds[0]["transitions"],
    }


def table(out, e1=None):
    peer = read_rows(out / "peer" / "summary.jsonl")
    per_config = {}
    for key, _, _ in CONFIGS:
        dirs = sorted(out.glob(f"{key}-r*"))
        per_config[key] = [read_rows(d / "summary.jsonl") for d in dirs]
    lines = [
        "| workload | engine | check | median ms | min–max ms | transitions/s | peak RSS MB | load ms "
        "| cold ms | cold / median | peer / this | this / floor |" + (" this / floor here |" if e1 else ""),
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|" + ("---:|" if e1 else ""),
    ]
    scale = RESULTS_E1_NS / e1 if e1 else None
    medians = {}
    for wl in sorted(peer):
        p = peer[wl]
        pm = p["median_ns"] / 1e6
        for key, label, _ in CONFIGS:
            s = pooled([rows[wl] for rows in per_config[key] if wl in rows])
            medians[(wl, key)] = s
            lo, hi = (FLOOR_2CORE_MS if key == "pool" else {}).get(wl, FLOOR_MS[wl])
            floor_ratio = lambda k: fmt_ratio(s["median"] / hi * k, s["median"] / lo * k)
            cold = f"{fmt_ms(s['cold'])} | {s['cold'] / s['median']:.2f}×" if s["cold"] else "– | –"
            lines.append(
                f"| {wl} | {label} | {'ok' if s['ok'] == s['n'] else 'NOT ok'} ({s['ok']}/{s['n']}) "
                f"| {fmt_ms(s['median'])} | {fmt_ms(s['min'])}–{fmt_ms(s['max'])} "
                f"| {s['transitions'] * 1e3 / s['median']:,.0f} | {s['rss']:.1f} | {fmt_ms(s['load'])} "
                f"| {cold} | {pm / s['median']:.0f}× | {floor_ratio(1.0)} |"
                + (f" {floor_ratio(scale)} |" if e1 else ""))
        pt = p["timing"] or {}
        pcold = pt.get("warmup_ns", [None])[0]
        lines.append(
            f"| | peer | {p['check']} | {fmt_ms(pm)} | {fmt_ms(pt['min_ns'] / 1e6)}–{fmt_ms(pt['max_ns'] / 1e6)} "
            f"| {p['transitions'] * 1e3 / pm:,.0f} | {p['peak_rss_kb'] / 1024:.1f} | {fmt_ms(pt['load_ns'] / 1e6)} "
            f"| {fmt_ms(pcold / 1e6) if pcold else '–'} | | — | |" + (" |" if e1 else ""))
    lines += ["", "| workload | 1 thread median ms | 2 threads median ms | 2 over 1 (median) | 2 over 1 (min) |",
              "|---|---:|---:|---:|---:|"]
    for wl in FANOUT:
        one, two = medians[(wl, "inline")], medians[(wl, "pool")]
        lines.append(f"| {wl} | {fmt_ms(one['median'])} | {fmt_ms(two['median'])} "
                     f"| {one['median'] / two['median']:.2f}× | {one['min'] / two['min']:.2f}× |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description="One side-by-side sitting of asl and the peer (see benchmarks/README.md).")
    ap.add_argument("--asl", type=Path, help="the Release `asl` tool")
    ap.add_argument("--bench", type=Path, help="a copy of ../shared/bench with npm install done")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--out", type=Path, default=Path("/tmp/asl-sitting"))
    ap.add_argument("--table-only", action="store_true")
    ap.add_argument("--e1", type=float, help="floor_bench's e1 (ns) in this sitting")
    args = ap.parse_args()
    if not args.table_only:
        if not args.asl or not args.bench:
            ap.error("--asl and --bench are required unless --table-only")
        # bench.sh runs with its own directory as cwd, so every path handed to it is absolute.
        args.out = args.out.resolve()
        args.bench = args.bench.resolve()
        args.out.mkdir(parents=True, exist_ok=True)
        asl = args.asl.resolve()
        wrapper = args.out / "asl-threads.sh"
        wrapper.write_text('#!/usr/bin/env bash\nexec "${ASL_BIN:?}" "$1" --threads "${ASL_THREADS:?}" "${@:2}"\n')
        wrapper.chmod(0o755)
        stamp = lambda what: print(f"{time.strftime('%H:%M:%S', time.gmtime())} UTC {what}", flush=True)
        stamp("peer")
        run_bench(args.bench, args.out / "peer", "peer", ["engines/aws-local-stepfunctions.sh"])
        for r in range(args.rounds):
            for key, _, threads in CONFIGS:
                stamp(f"asl {key} round {r + 1}")
                env = dict(os.environ, ASL_BIN=str(asl), ASL_THREADS=str(threads))
                run_bench(args.bench, args.out / f"{key}-r{r + 1}", f"asl-{key}", [str(wrapper)], env)
        stamp("done")
    print(table(args.out, args.e1))


if __name__ == "__main__":
    sys.exit(main())
