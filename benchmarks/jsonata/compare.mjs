// Side-by-side benchmark of asl's JSONata evaluator (`asl eval-jsonata --repeat`) and jsonata-js
// on the expressions of workloads.json over generated inputs, in one sitting; prints a table.
//
//   node benchmarks/jsonata/compare.mjs --asl build/jn/benchmarks/asl --peer /tmp/jnpeer [options]
//
// --peer DIR      a copy of benchmarks/jsonata with `npm install` done in it (jsonata-js, pinned)
// --out DIR       where the generated inputs and results.jsonl go (default /tmp/asl-jsonata-bench)
// --only REGEX    only the workloads whose name matches
// --target-ms MS  timed time per side and workload (default 1000; at least 5 samples each)
//
// Each side runs in a process of its own per workload (so peak RSS is the workload's): the peer
// as `node compare.mjs --peer-run`, asl as `asl eval-jsonata --expression-file --input --repeat
// --warmup`. Both compile once and time evaluate() alone (jsonata-js: `await expr.evaluate`;
// asl: evaluate plus the conversion of the result to JSON). Results must agree (numbers to a
// relative 1e-9), or the row says DIFF.
// SPDX-License-Identifier: MIT
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};

// Deterministic inputs: N items {id, name, category, price, qty, tags} plus a small order.
function makeInput(n) {
  let seed = 12345;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const words = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet'];
  const cats = ['books', 'games', 'tools', 'food', 'music', 'garden', 'toys', 'sport'];
  const items = [];
  for (let i = 0; i < n; ++i) {
    items.push({
      id: i,
      name: `${words[Math.floor(rnd() * words.length)]}-${Math.floor(rnd() * 100000)}`,
      category: cats[Math.floor(rnd() * cats.length)],
      price: Math.round(rnd() * 10000) / 100,
      qty: Math.floor(rnd() * 20),
      tags: [words[i % words.length], cats[i % cats.length]],
    });
  }
  return { order: { id: 'o-1', total: 123.45, customer: { name: 'Ann', city: 'Oslo' } }, items };
}
const sizes = { items_1k: 1000, items_10k: 10000, items_100k: 100000 };

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

// --peer-run: one workload on jsonata-js, one JSON line out.
async function peerRun() {
  const require = createRequire(path.join(path.resolve(opt('--peer')), 'package.json'));
  const jsonata = require('jsonata');
  const version = require('jsonata/package.json').version;
  const input = JSON.parse(fs.readFileSync(opt('--input'), 'utf8'));
  const target = Number(opt('--target-ms', '1000')) * 1e6;
  const t0 = process.hrtime.bigint();
  const expr = jsonata(fs.readFileSync(opt('--expression-file'), 'utf8'));
  const loadNs = Number(process.hrtime.bigint() - t0);
  let result;
  const once = async () => {
    const a = process.hrtime.bigint();
    result = await expr.evaluate(input);
    return Number(process.hrtime.bigint() - a);
  };
  // Warm-up: the JIT needs a few hundred milliseconds (or 3 runs, whichever is longer).
  let warm = 0, warmups = 0;
  while (warmups < 3 || (warm < target / 4 && warmups < 2000)) warm += await once(), ++warmups;
  const samples = [];
  let spent = 0;
  while (samples.length < 5 || (spent < target && samples.length < 5000)) {
    const ns = await once();
    samples.push(ns);
    spent += ns;
  }
  process.stdout.write(JSON.stringify({
    engine: `jsonata-js@${version}`, runtime: `node ${process.version}`, result: result === undefined ? null : result,
    undefined: result === undefined, load_ns: loadNs, warmup: warmups, repeat: samples.length,
    median_ns: median(samples), min_ns: Math.min(...samples), max_ns: Math.max(...samples),
    peak_rss_kb: process.resourceUsage().maxRSS,
  }) + '\n');
}

function close(a, b) {
  if (typeof a === 'number' && typeof b === 'number') return a === b || Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => close(x, b[i]));
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const ka = Object.keys(a), kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => k in b && close(a[k], b[k]));
  }
  return a === b;
}

function runAsl(asl, exprFile, inputFile, repeat, warmup) {
  const r = spawnSync('/usr/bin/time', ['-f', '%M', asl, 'eval-jsonata', '--expression-file', exprFile, '--input', inputFile,
    '--repeat', String(repeat), '--warmup', String(warmup)], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const lines = r.stdout.trim().split('\n');
  if (r.status !== 0 || lines.length < 2) throw new Error(`asl failed (${r.status}): ${r.stdout.slice(0, 300)} ${r.stderr.slice(0, 300)}`);
  const out = JSON.parse(lines[0]);
  const timing = JSON.parse(lines[1]).timing;
  return { out, timing, rss_kb: Number(r.stderr.trim().split('\n').pop()) };
}

async function main() {
  const asl = path.resolve(opt('--asl', 'build/jn/benchmarks/asl'));
  const peer = opt('--peer');
  if (!peer) throw new Error('--peer DIR is needed (a copy of benchmarks/jsonata with npm install done)');
  const out = opt('--out', path.join(os.tmpdir(), 'asl-jsonata-bench'));
  const only = new RegExp(opt('--only', '.'));
  const targetMs = Number(opt('--target-ms', '1000'));
  fs.mkdirSync(out, { recursive: true });
  for (const [name, n] of Object.entries(sizes)) {
    const f = path.join(out, `${name}.json`);
    if (!fs.existsSync(f)) fs.writeFileSync(f, JSON.stringify(makeInput(n)));
  }
  const workloads = JSON.parse(fs.readFileSync(path.join(here, 'workloads.json'), 'utf8')).filter((w) => only.test(w.name));
  const cpu = (os.cpus()[0] || {}).model || '?';
  console.log(`host: ${os.cpus().length} cores, ${cpu}, ${new Date().toISOString()}`);
  console.log('\n| workload | asl µs | jsonata-js µs | ratio | asl peak RSS MB | js peak RSS MB | check |');
  console.log('|---|---:|---:|---:|---:|---:|---|');
  const rows = [];
  for (const w of workloads) {
    const exprFile = path.join(out, `${w.name}.jsonata`);
    fs.writeFileSync(exprFile, w.expression);
    const inputFile = path.join(out, `${w.input}.json`);
    const p = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--peer-run', '--peer', peer, '--input', inputFile,
      '--expression-file', exprFile, '--target-ms', String(targetMs)], { encoding: 'utf8', maxBuffer: 1 << 30 });
    if (p.status !== 0) throw new Error(`peer failed on ${w.name}: ${p.stderr.slice(0, 500)}`);
    const js = JSON.parse(p.stdout);
    // asl: a short probe, then enough samples for about target-ms.
    const probe = runAsl(asl, exprFile, inputFile, 3, 1);
    const repeat = Math.max(5, Math.min(20000, Math.round((targetMs * 1e6) / Math.max(1, probe.timing.median_ns))));
    const a = runAsl(asl, exprFile, inputFile, repeat, Math.max(1, Math.round(repeat / 10)));
    const same = js.undefined ? a.out.undefined === true : 'result' in a.out && close(a.out.result, js.result);
    const ratio = js.median_ns / a.timing.median_ns;
    const row = {
      workload: w.name, expression: w.expression, input: w.input, asl_median_ns: a.timing.median_ns, asl_repeat: repeat,
      js_median_ns: js.median_ns, js_repeat: js.repeat, ratio, asl_peak_rss_kb: a.rss_kb, js_peak_rss_kb: js.peak_rss_kb,
      check: same ? 'ok' : 'DIFF', peer: js.engine, node: js.runtime, asl: a.timing.engine, compiler: a.timing.runtime,
    };
    rows.push(row);
    const us = (ns) => (ns / 1000).toFixed(ns < 1e5 ? 2 : 0);
    console.log(`| ${w.name} | ${us(row.asl_median_ns)} | ${us(row.js_median_ns)} | ${ratio.toFixed(1)}× | ${(row.asl_peak_rss_kb / 1024).toFixed(1)} | ${(row.js_peak_rss_kb / 1024).toFixed(1)} | ${row.check} |`);
    if (!same) console.log(`  DIFF: asl ${JSON.stringify(a.out).slice(0, 200)} vs js ${JSON.stringify(js.result).slice(0, 200)}`);
  }
  const ratios = rows.map((r) => r.ratio);
  console.log(`\nmedian ratio ${median(ratios).toFixed(1)}×, lowest ${Math.min(...ratios).toFixed(1)}× (${rows.find((r) => r.ratio === Math.min(...ratios)).workload})`);
  fs.writeFileSync(path.join(out, 'results.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  console.log(`results written to ${path.join(out, 'results.jsonl')}`);
}

if (args.includes('--peer-run')) await peerRun();
else await main();
