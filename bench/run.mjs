#!/usr/bin/env node
// `npm run bench`: every benchmark in one go, then bench/RESULTS.md and bench/results.json.
//
//   1. peers      bench/peers/run.mjs      streamlr vs River, VW, scikit-learn (makes bench/.venv)
//   2. core       bench/core (npm run bench:core)   in-loop learner throughput, bench/core/RESULTS.md
//   3. pipeline   bench/pipeline/run.mjs   trainer vs raw kafkajs consumer, bench/pipeline/RESULTS.md
//   4. scorer     bench/scorer/run.mjs     HTTP p50/p99 and Kafka events/s, bench/scorer/RESULTS.md
//   5. complexity bench/complexity/run.mjs docs/complexity.md + docs/complexity.svg
//
// Kafka (127.0.0.1:9092) and Redis (127.0.0.1:6379) are reused when they are up; otherwise
// infra/local starts them and stops them at the end.
//
//   node bench/run.mjs [--only peers,core,pipeline,scorer,complexity] [--runs N] [--synthetic-runs N]
//   (BENCH_RUNS=N sets the core bench's runs, 3 here)
import { createConnection } from 'node:net';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { machine, describeMachine, run, say } from './lib.mjs';
import { runPeers } from './peers/run.mjs';
import { runPipeline } from './pipeline/run.mjs';
import { runComplexity } from './complexity/run.mjs';
import { writeReport } from './report.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WORK = join(ROOT, 'bench/.work');
const ALL = ['peers', 'core', 'pipeline', 'scorer', 'complexity'];

function reachable(port) {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** Runs a command, echoing its output lines as they come. */
async function echoRun(cmd, args) {
  return run(cmd, args, { cwd: ROOT, echo: true });
}

async function core() {
  await echoRun(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-b', 'bench/core']);
  // Three runs instead of the core bench's default five: its 1M-update loops × 14 configurations take
  // ~4–6 minutes at five runs on this machine, too much of the 20-minute budget (BENCH_RUNS overrides).
  const { stdout, seconds } = await run(process.execPath, [join(ROOT, 'bench/core/dist/core-bench.js')], {
    cwd: ROOT,
    echo: true,
    env: { ...process.env, BENCH_RUNS: process.env.BENCH_RUNS ?? '3' },
  });
  const headlines = stdout
    .split('\n')
    .filter((l) => /^prehashed FTRL, standard normalisation|^json \d+ features/.test(l))
    .map((l) => l.replace(/^prehashed /, 'pre-hashed, 40 features, ').replace(/^json (\d+) features/, 'JSON message → JSON.parse + hash + learn, $1 features'));
  return { seconds, headlines, runs: Number(process.env.BENCH_RUNS ?? 3) };
}

async function scorer() {
  const { stdout, seconds } = await echoRun(process.execPath, [join(ROOT, 'bench/scorer/run.mjs')]);
  const number = (re) => Number(re.exec(stdout)?.[1]);
  const rounds = [...stdout.matchAll(/kafka round (\d+): scorer (\d+) events\/s/g)].map((m) => Number(m[2]));
  const raw = [...stdout.matchAll(/kafka round (\d+): raw decode-only consumer (\d+) events\/s/g)].map((m) => Number(m[2]));
  const med = (a) => {
    const s = [...a].sort((p, q) => p - q);
    return s.length === 0 ? null : s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  };
  return {
    seconds,
    httpRate: number(/http: (\d+) requests\/s for/),
    httpP50Ms: number(/http: p50 ([\d.]+) ms/),
    httpP99Ms: number(/http: p50 [\d.]+ ms, p99 ([\d.]+) ms/),
    kafkaPerS: med(rounds),
    rawPerS: med(raw),
    rounds: rounds.length,
  };
}

async function main() {
  const { values } = parseArgs({
    options: { only: { type: 'string' }, runs: { type: 'string', default: '5' }, 'synthetic-runs': { type: 'string', default: '3' } },
  });
  const only = values.only?.split(',') ?? ALL;
  const started = performance.now();
  const before = machine();
  say(`bench: ${describeMachine(before)}`);
  mkdirSync(WORK, { recursive: true });
  const started_infra = [];
  if (only.includes('pipeline') || only.includes('scorer')) {
    for (const [name, port] of [['kafka', 9092], ['redis', 6379]]) {
      if (!(await reachable(port))) started_infra.push(name);
    }
    if (started_infra.length > 0) await echoRun(process.execPath, [join(ROOT, 'infra/local/infra.mjs'), 'up', ...started_infra]);
  }
  const parts = [];
  const save = (name, value) => writeFileSync(join(WORK, `${name}.json`), `${JSON.stringify(value, null, 2)}\n`);
  let venvSeconds = 0;
  try {
    for (const part of ALL.filter((p) => only.includes(p))) {
      const t0 = performance.now();
      say(`\n=== bench: ${part} (${describeMachine()}) ===`);
      if (part === 'peers') venvSeconds = (await runPeers({ runs: Number(values.runs), syntheticRuns: Number(values['synthetic-runs']) })).venvSeconds;
      if (part === 'core') save('core', await core());
      if (part === 'pipeline') await runPipeline();
      if (part === 'scorer') save('scorer', await scorer());
      if (part === 'complexity') await runComplexity();
      parts.push({ name: part, seconds: (performance.now() - t0) / 1000 });
    }
  } finally {
    if (started_infra.length > 0) await echoRun(process.execPath, [join(ROOT, 'infra/local/infra.mjs'), 'down', ...started_infra]).catch(() => undefined);
  }
  const seconds = (performance.now() - started) / 1000;
  save('run', { machine: { before, after: machine() }, node: process.version, seconds, parts, venvSeconds, finishedAt: new Date().toISOString() });
  writeReport();
  say(`\nbench: done in ${(seconds / 60).toFixed(1)} min (${parts.map((p) => `${p.name} ${p.seconds.toFixed(0)} s`).join(', ')}); wrote bench/RESULTS.md and bench/results.json`);
}

main().catch((error) => {
  process.stderr.write(`bench: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
