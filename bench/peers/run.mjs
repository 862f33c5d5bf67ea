#!/usr/bin/env node
// `npm run bench:peers`: streamlr against River, Vowpal Wabbit and scikit-learn, side by side, on
// the same files (movielens, spam, a synthetic 1M-sample click stream), one online pass each.
//
// 1. Makes the Python environment itself: bench/.venv with the exact pins of
//    bench/peers/requirements.txt (reinstalled when that file changes).
// 2. Resolves the datasets, generates the synthetic stream once (bench/.work), converts each file to
//    VW's text format once (bench/.work/vw).
// 3. Runs every system on every dataset, --runs rounds (default 5; the 1M-sample synthetic stream
//    --synthetic-runs rounds, default 3, to keep `npm run bench` under 20 minutes on 2 cores); each
//    round runs all systems one after the other, so the shared machine's load drifts over all of
//    them alike. Each run is
//    its own process: whole-process time is measured here, from spawn to exit; in-loop time, peak
//    RSS and the metrics are reported by the runner.
//    River on the synthetic stream learns only its first --river-cap samples (default 30,000) and
//    scores only 20,000 held-out rows: a full pass is ~80 s (SGD) and ~5 min (FTRL) per run here.
//    Its samples/s is measured on those samples and its full-pass time extrapolated; its held-out
//    figures then describe a model that saw 3% of the stream and are not compared.
// 4. Profiles one more streamlr run per dataset (node --cpu-prof; spam is too small to profile).
// 5. Writes every run to bench/.work/peers.json (bench/report.mjs turns it into bench/RESULTS.md).
//
//   node bench/peers/run.mjs [--runs N] [--synthetic-runs N] [--datasets a,b] [--systems a,b] [--river-cap N] [--no-batch] [--no-profile]
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { datasets, ROOT, WORK } from './datasets.mjs';
import { describeMachine, lastJson, machine, run, say } from '../lib.mjs';
import { summarize } from '../pipeline/profile.mjs';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const VENV = join(ROOT, 'bench/.venv');
const PYTHON = join(VENV, 'bin/python');
export const SYSTEMS = ['streamlr', 'river', 'river-ftrl', 'vw', 'vw-sgd', 'sklearn'];

/** Creates bench/.venv with the pinned peers unless it already has exactly these pins. */
export async function ensureVenv(log = say) {
  const requirements = readFileSync(join(HERE, 'requirements.txt'), 'utf8');
  const marker = join(VENV, '.streamlr-requirements.txt');
  if (existsSync(PYTHON) && existsSync(marker) && readFileSync(marker, 'utf8') === requirements) return 0;
  const started = performance.now();
  const python = process.env.PYTHON ?? 'python3';
  log(`peers: creating ${VENV} with ${python} and installing bench/peers/requirements.txt`);
  await run(python, ['-m', 'venv', '--clear', VENV]);
  await run(PYTHON, ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', '-r', join(HERE, 'requirements.txt')], { echo: false });
  writeFileSync(marker, requirements);
  const seconds = (performance.now() - started) / 1000;
  log(`peers: venv ready in ${seconds.toFixed(0)} s`);
  return seconds;
}

function command(system, dataset, options) {
  const common = ['--data', dataset.path, '--label', dataset.label, '--train', String(dataset.train)];
  const capped = system.startsWith('river') && dataset.name === 'synthetic' && options.riverCap > 0;
  const cap = capped ? ['--limit', String(options.riverCap), '--test-limit', '20000'] : [];
  switch (system) {
    case 'streamlr':
      return { cmd: process.execPath, args: [join(HERE, 'streamlr-runner.mjs'), ...common], capped };
    case 'river':
      return { cmd: PYTHON, args: [join(HERE, 'river_runner.py'), '--optimizer', 'sgd', ...common, ...cap], capped };
    case 'river-ftrl':
      return { cmd: PYTHON, args: [join(HERE, 'river_runner.py'), '--optimizer', 'ftrl', ...common, ...cap], capped };
    case 'vw':
      return { cmd: PYTHON, args: [join(HERE, 'vw_runner.py'), '--mode', 'default', '--work', WORK, ...common], capped };
    case 'vw-sgd':
      return { cmd: PYTHON, args: [join(HERE, 'vw_runner.py'), '--mode', 'sgd', '--work', WORK, ...common], capped };
    case 'sklearn':
      return { cmd: PYTHON, args: [join(HERE, 'sklearn_runner.py'), ...common], capped };
    case 'sklearn-batch':
      return { cmd: PYTHON, args: [join(HERE, 'sklearn_runner.py'), '--batch-reference', ...common], capped };
    default:
      throw new Error(`unknown system ${system}`);
  }
}

export async function runPeers(options = {}) {
  const o = { runs: 5, syntheticRuns: 3, riverCap: 30_000, batch: true, profile: true, datasets: null, systems: SYSTEMS, log: say, ...options };
  const log = o.log;
  const started = performance.now();
  const before = machine();
  log(`peers: ${describeMachine(before)}`);
  mkdirSync(WORK, { recursive: true });
  const venvSeconds = await ensureVenv(log);
  const prepStarted = performance.now();
  const all = (await datasets(log)).filter((d) => o.datasets === null || o.datasets.includes(d.name));
  // VW's text files, converted once (not timed: VW reads its own format, as streamlr reads the CSV).
  for (const d of all) {
    if (!o.systems.some((s) => s.startsWith('vw'))) break;
    await run(PYTHON, [join(HERE, 'vw_runner.py'), '--mode', 'default', '--prepare-only', '--work', WORK, '--data', d.path, '--label', d.label, '--train', String(d.train)]);
  }
  const prepSeconds = (performance.now() - prepStarted) / 1000;
  const runs = [];
  const roundsOf = (d) => (d.name === 'synthetic' ? Math.min(o.runs, o.syntheticRuns) : o.runs);
  for (let round = 1; round <= o.runs; round++) {
    for (const d of all.filter((x) => round <= roundsOf(x))) {
      for (const system of o.systems) {
        const { cmd, args, capped } = command(system, d, o);
        const { stdout, seconds } = await run(cmd, args, { cwd: ROOT });
        const result = { ...lastJson(stdout), dataset: d.name, round, wall_seconds: seconds, capped };
        runs.push(result);
        log(
          `peers round ${round}/${roundsOf(d)} ${d.name} ${system}: ${Math.round(result.train_n / result.in_loop_seconds).toLocaleString('en-US')} samples/s in-loop, ` +
            `${Math.round(result.train_n / seconds).toLocaleString('en-US')} whole-process, held-out log loss ${result.heldout_logloss.toFixed(4)}, ` +
            `peak RSS ${result.peak_rss_mb.toFixed(0)} MB${capped ? ` (capped at ${result.train_n} samples)` : ''}`,
        );
      }
    }
  }
  // The batch reference is deterministic and not an online learner: one run, small datasets only
  // (lbfgs on the synthetic stream takes ~9 minutes here; its Bayes figures are the reference there).
  const references = [];
  if (o.batch) {
    for (const d of all.filter((x) => x.name !== 'synthetic')) {
      const { cmd, args } = command('sklearn-batch', d, o);
      const { stdout, seconds } = await run(cmd, args, { cwd: ROOT });
      references.push({ ...lastJson(stdout), dataset: d.name, wall_seconds: seconds });
      log(`peers ${d.name} batch reference: held-out log loss ${references.at(-1).heldout_logloss.toFixed(4)}`);
    }
  }
  // Where streamlr's time goes: one more run per dataset under `node --cpu-prof` (not in the medians).
  const profiles = [];
  if (o.profile && o.systems.includes('streamlr')) {
    for (const d of all.filter((x) => x.name !== 'spam')) {
      const dir = join(WORK, `prof-streamlr-${d.name}-${Date.now()}`);
      mkdirSync(dir, { recursive: true });
      const { args } = command('streamlr', d, o);
      const { stdout } = await run(process.execPath, ['--cpu-prof', '--cpu-prof-dir', dir, ...args], { cwd: ROOT });
      const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
      if (file === undefined) continue;
      const r = lastJson(stdout);
      profiles.push({ dataset: d.name, file: join('bench/.work', dir.split('/').pop(), file), inLoop: r.train_n / r.in_loop_seconds, ...summarize(join(dir, file), r.train_n) });
      log(`peers: profiled streamlr on ${d.name}: ${profiles.at(-1).parts.slice(0, 5).map((p) => `${p.part} ${p.ms.toFixed(0)} ms`).join(', ')}`);
    }
  }
  const result = {
    machine: { before, after: machine() },
    node: process.version,
    seconds: (performance.now() - started) / 1000,
    venvSeconds,
    prepSeconds,
    runsPerSystem: o.runs,
    syntheticRuns: Math.min(o.runs, o.syntheticRuns),
    riverCap: o.riverCap,
    datasets: all.map(({ name, relative, rows, train, bayes, positiveRate }) => ({ name, file: relative, rows, train, test: rows - train, bayes, positiveRate })),
    runs,
    references,
    profiles,
  };
  writeFileSync(join(WORK, 'peers.json'), `${JSON.stringify(result, null, 2)}\n`);
  log(`peers: done in ${result.seconds.toFixed(0)} s, wrote bench/.work/peers.json`);
  return result;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '5' },
      'synthetic-runs': { type: 'string', default: '3' },
      datasets: { type: 'string' },
      systems: { type: 'string' },
      'river-cap': { type: 'string', default: '30000' },
      'no-batch': { type: 'boolean', default: false },
      'no-profile': { type: 'boolean', default: false },
    },
  });
  await runPeers({
    runs: Number(values.runs),
    syntheticRuns: Number(values['synthetic-runs']),
    riverCap: Number(values['river-cap']),
    batch: !values['no-batch'],
    profile: !values['no-profile'],
    datasets: values.datasets?.split(',') ?? null,
    systems: values.systems?.split(',') ?? SYSTEMS,
  });
}
