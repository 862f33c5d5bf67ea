#!/usr/bin/env node
// `npm run bench:complexity`: the cost of one update and of one prediction as the number of slots m
// grows (2^10 … 2^24 at nnz = 32) and as the number of non-zeros grows (1 … 1,000 at m = 2^20),
// for streamlr's lazy updates (LogisticRegression) and for the eager reference
// (EagerReferenceLearner, which regularises every slot at every step, the textbook O(m) form),
// with L1, L2 (SGD, η0/√t) and FTRL-Proximal with L1 + L2; and for prediction, also a dense
// textbook dot product w·x over all m slots. Fitted log-log slopes say which is O(nnz) and which
// is O(m). Writes docs/complexity.md and docs/complexity.svg, and bench/.work/complexity.json.
//
//   node bench/complexity/run.mjs [--reps N] [--budget-ms N] [--no-write]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { EagerReferenceLearner, LogisticRegression, SparseVector, seededRandom } from '@streamlr/model';
import { describeMachine, machine, median, say } from '../lib.mjs';
import { renderSvg } from './plot.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BITS = [10, 12, 14, 16, 18, 20, 22, 24];
const NNZ = [1, 3, 10, 30, 100, 300, 1000];
const FIXED_NNZ = 32;
const FIXED_BITS = 20;

/** Regularisers, each run lazily (streamlr) and eagerly (reference); no normalisation, so only regularisation differs. */
const REGULARISERS = [
  { key: 'sgd-l1', label: 'SGD + L1 (λ1 1e-4)', options: { optimizer: { name: 'sgd', l1: 1e-4 }, normalization: 'none' } },
  { key: 'sgd-l2', label: 'SGD + L2 (λ2 1e-4)', options: { optimizer: { name: 'sgd', l2: 1e-4 }, normalization: 'none' } },
  { key: 'ftrl', label: 'FTRL + L1 + L2 (λ1 1, λ2 1)', options: { optimizer: { name: 'ftrl', l1: 1, l2: 1 }, normalization: 'none' } },
];

/** `count` samples with `nnz` distinct slots drawn uniformly from 2^bits, values in [0.5, 1.5). */
function pool(bits, nnz, count, seed) {
  const rand = seededRandom(seed);
  const m = 2 ** bits;
  const k = Math.min(nnz, m);
  return Array.from({ length: count }, () => {
    const x = new SparseVector(k);
    const seen = new Set();
    while (x.nnz < k) {
      const j = Math.floor(rand() * m);
      if (seen.has(j)) continue;
      seen.add(j);
      x.add(j, 0.5 + rand());
    }
    return { x, y: rand() < 0.4 ? 1 : 0 };
  });
}

/**
 * Nanoseconds per call of `op(i)`: calls are batched to ~budgetMs per repetition (at least
 * `minCalls`), and the median over `reps` repetitions is returned.
 */
function nsPerCall(op, { reps, budgetMs, minCalls = 3 }) {
  let calls = minCalls;
  // Calibrate: double until one batch takes ≥ budget/4 (or the batch is already slow).
  for (;;) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) op(i);
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (ms >= budgetMs / 4 || calls >= 1 << 22) {
      calls = Math.max(minCalls, Math.round((calls * budgetMs) / Math.max(ms, 1e-3)));
      break;
    }
    calls *= 2;
  }
  const costs = [];
  for (let r = 0; r < reps; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) op(i);
    costs.push(Number(process.hrtime.bigint() - start) / calls);
  }
  return median(costs);
}

/** Least-squares slope of log(cost) against log(size). */
export function slope(points) {
  const xs = points.map((p) => Math.log(p.size));
  const ys = points.map((p) => Math.log(p.ns));
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < xs.length; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return num / den;
}

function measurePoint(series, bits, nnz, o) {
  const samples = pool(bits, nnz, 2_000, bits * 7919 + nnz);
  const n = samples.length;
  const options = { ...series.options, featureSpace: { bits } };
  if (series.kind === 'dense-predict') {
    // The textbook inference: x as a dense vector, w·x over every slot.
    const m = 2 ** bits;
    const w = new Float64Array(m).map((_, j) => ((j * 2654435761) % 1000) / 1e6);
    const dense = samples.slice(0, 8).map(({ x }) => {
      const d = new Float64Array(m);
      for (let k = 0; k < x.nnz; k++) d[x.indices[k]] = x.values[k];
      return d;
    });
    let sink = 0;
    const ns = nsPerCall((i) => {
      const d = dense[i & 7];
      let z = 0;
      for (let j = 0; j < m; j++) z += w[j] * d[j];
      sink += 1 / (1 + Math.exp(-z));
    }, o);
    if (sink === -1) say('');
    return ns;
  }
  const learner = series.eager ? new EagerReferenceLearner(options) : new LogisticRegression(options);
  // Warm-up: JIT, and the first touch of the slots the pool uses.
  const warm = series.eager ? Math.min(n, Math.max(3, Math.round(2 ** 18 / 2 ** bits))) : n;
  for (let i = 0; i < warm; i++) learner.learn(samples[i].x, samples[i].y);
  if (series.kind === 'update') {
    return nsPerCall((i) => {
      const s = samples[i % n];
      learner.learn(s.x, s.y);
    }, { ...o, minCalls: series.eager ? 3 : 100 });
  }
  let sink = 0;
  const ns = nsPerCall((i) => {
    sink += learner.predictProba(samples[i % n].x);
  }, o);
  if (sink === -1) say('');
  return ns;
}

function allSeries() {
  const list = [];
  for (const r of REGULARISERS) {
    list.push({ id: `update-lazy-${r.key}`, kind: 'update', eager: false, label: `streamlr lazy, ${r.label}`, options: r.options, group: r.key });
    list.push({ id: `update-eager-${r.key}`, kind: 'update', eager: true, label: `eager reference, ${r.label}`, options: r.options, group: r.key });
  }
  const sgd = REGULARISERS[0];
  list.push({ id: 'predict-lazy', kind: 'predict', eager: false, label: `streamlr predictProba (lazy, ${sgd.label})`, options: sgd.options, group: 'sgd-l1' });
  list.push({ id: 'predict-eager', kind: 'predict', eager: true, label: `eager reference predictProba (${sgd.label})`, options: sgd.options, group: 'sgd-l1' });
  list.push({ id: 'predict-dense', kind: 'dense-predict', eager: true, label: 'dense textbook w·x over all m slots', options: {}, group: 'dense' });
  return list;
}

export async function runComplexity(options = {}) {
  const o = { reps: 5, budgetMs: 40, write: true, log: say, ...options };
  const log = o.log;
  const started = performance.now();
  const before = machine();
  log(`complexity: ${describeMachine(before)}`);
  const series = allSeries();
  const results = [];
  for (const s of series) {
    const bySlots = [];
    for (const bits of BITS) {
      const ns = measurePoint(s, bits, FIXED_NNZ, o);
      bySlots.push({ size: 2 ** bits, bits, ns });
    }
    const byNnz = [];
    for (const nnz of NNZ) {
      const ns = measurePoint(s, FIXED_BITS, nnz, o);
      byNnz.push({ size: nnz, ns });
    }
    const r = { ...s, bySlots, byNnz, slopeSlots: slope(bySlots), slopeNnz: slope(byNnz) };
    delete r.options;
    results.push(r);
    log(`complexity ${s.id}: slope in m ${r.slopeSlots.toFixed(2)}, in nnz ${r.slopeNnz.toFixed(2)}; ${bySlots.map((p) => `2^${p.bits} ${fmtNs(p.ns)}`).join(', ')}`);
  }
  const result = { machine: { before, after: machine() }, node: process.version, seconds: (performance.now() - started) / 1000, fixedNnz: FIXED_NNZ, fixedBits: FIXED_BITS, reps: o.reps, results };
  mkdirSync(join(ROOT, 'bench/.work'), { recursive: true });
  writeFileSync(join(ROOT, 'bench/.work/complexity.json'), `${JSON.stringify(result, null, 2)}\n`);
  if (o.write) {
    writeFileSync(join(ROOT, 'docs/complexity.svg'), renderSvg(result));
    writeFileSync(join(ROOT, 'docs/complexity.md'), renderMarkdown(result));
    log('complexity: wrote docs/complexity.md and docs/complexity.svg');
  }
  log(`complexity: done in ${result.seconds.toFixed(0)} s`);
  return result;
}

export function fmtNs(ns) {
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(ns >= 1e7 ? 0 : 1)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(ns >= 1e4 ? 0 : 1)} µs`;
  return `${ns.toFixed(0)} ns`;
}

function renderMarkdown(r) {
  const updates = r.results.filter((s) => s.kind === 'update');
  const predictions = r.results.filter((s) => s.kind !== 'update');
  const table = (list, key, header, sizes) => [
    `| ${header} | ${sizes.join(' | ')} | slope |`,
    `|---|${sizes.map(() => '---:').join('|')}|---:|`,
    ...list.map((s) => `| ${s.label} | ${s[key].map((p) => fmtNs(p.ns)).join(' | ')} | **${(key === 'bySlots' ? s.slopeSlots : s.slopeNnz).toFixed(2)}** |`),
  ].join('\n');
  const slotHeads = BITS.map((b) => `2^${b}`);
  const nnzHeads = NNZ.map(String);
  const get = (id) => r.results.find((s) => s.id === id);
  const lazyMax = Math.max(...updates.filter((s) => !s.eager).map((s) => s.slopeSlots));
  const eagerMin = Math.min(...updates.filter((s) => s.eager).map((s) => s.slopeSlots));
  return `# Cost of an update and of a prediction: measured

Generated by \`npm run bench:complexity\` (bench/complexity/run.mjs) on ${describeMachine(r.machine.before)}
(load at the end ${r.machine.after.load.join(' ')}); ${r.seconds.toFixed(0)} s. Every figure is the median of ${r.reps} timed
batches of calls, each batch sized to ~40 ms, after a warm-up. The machine is shared, so single
points move by ±30%; the slopes are fitted over 7–8 points spanning 2–4 orders of magnitude.

![cost per update and per prediction against m and nnz, log-log](complexity.svg)

## The claim

The reference notes give batch training as O(n_epoch · m · n) and inference as O(m) "whatever the
regularisation": with m weights, every step touches every weight (L2 shrinks all of them, L1
soft-thresholds all of them) and a prediction sums over all of them. DESIGN section 3 asks for
better on sparse data: one update and one prediction in **O(nnz(x))**, independent of m.

How streamlr does it (packages/model/src/regularization.ts, ftrl.ts):
- **L2**: weight decay is a global scale factor s (w_j = s · v_j): shrinking every weight is one
  multiplication of s; s is folded back into the weights only when it falls below 1e-64 (O(m),
  at most once every ≈147/(η·λ2) steps, so amortised O(1)).
- **L1**: Tsuruoka et al. (2009)'s cumulative penalty: a global running total u of the penalty
  every weight should have received, and per weight the penalty q_j it did receive; a weight is
  brought up to date (clipped at zero) when a sample next touches it or when it is read.
- **FTRL-Proximal** (McMahan et al. 2013) keeps (z_j, n_j) per coordinate and computes w_j from
  them when the coordinate is touched, so L1 and L2 cost nothing for untouched coordinates.
The eager reference (packages/model/src/eager.ts) applies the same mathematics to every slot every
step; the lazy and eager learners give the same weights to 1e-9 (packages/model/test/lazy-eager.test.ts).

## Per update (one \`learn(x, y)\`: predict, gradient, optimizer step, regularisation)

Against m = 2^bits slots, nnz = ${r.fixedNnz} (slope of log cost against log m):

${table(updates, 'bySlots', 'learner', slotHeads)}

Against nnz, m = 2^${r.fixedBits} (slope of log cost against log nnz):

${table(updates, 'byNnz', 'learner', nnzHeads)}

## Per prediction (\`predictProba(x)\`)

Against m, nnz = ${r.fixedNnz}:

${table(predictions, 'bySlots', 'predictor', slotHeads)}

Against nnz, m = 2^${r.fixedBits}:

${table(predictions, 'byNnz', 'predictor', nnzHeads)}

## Reading the slopes

- **Updates against m.** streamlr's lazy updates have slopes ≤ ${lazyMax.toFixed(2)} in m: the cost
  does not grow with the number of slots except through the memory hierarchy (a random slot of a
  2^24-slot table is a cache and TLB miss; the same happens to any hashed model). The eager
  reference has slopes ≥ ${eagerMin.toFixed(2)}: each step is a pass over all m slots, so it is O(m), and at
  2^20 slots it is ${(get('update-eager-sgd-l2').bySlots.find((p) => p.bits === 20).ns / get('update-lazy-sgd-l2').bySlots.find((p) => p.bits === 20).ns).toFixed(0)}× (L2), ${(get('update-eager-sgd-l1').bySlots.find((p) => p.bits === 20).ns / get('update-lazy-sgd-l1').bySlots.find((p) => p.bits === 20).ns).toFixed(0)}× (L1) and ${(get('update-eager-ftrl').bySlots.find((p) => p.bits === 20).ns / get('update-lazy-ftrl').bySlots.find((p) => p.bits === 20).ns).toFixed(0)}× (FTRL) slower than lazy.
- **Updates against nnz.** The lazy slopes (${updates.filter((s) => !s.eager).map((s) => s.slopeNnz.toFixed(2)).join(', ')}) are close to 1 (the first points carry a
  fixed per-call cost, which pulls the fit below 1): O(nnz). The eager reference is flat
  (${updates.filter((s) => s.eager).map((s) => s.slopeNnz.toFixed(2)).join(', ')}) because its O(m) pass dwarfs the per-non-zero work at m = 2^${r.fixedBits}.
- **Predictions.** Both learners predict in O(nnz) (slopes in m ${get('predict-lazy').slopeSlots.toFixed(2)} lazy and ${get('predict-eager').slopeSlots.toFixed(2)} eager; in nnz
  ${get('predict-lazy').slopeNnz.toFixed(2)} and ${get('predict-eager').slopeNnz.toFixed(2)}): the eager reference keeps its weights materialised, so prediction
  only reads them, and streamlr's lazy read applies the pending penalty of just the slots it
  reads. The notes' O(m) inference is the dense textbook product w·x over all slots, shown for
  contrast (slope ${get('predict-dense').slopeSlots.toFixed(2)} in m, ${get('predict-dense').slopeNnz.toFixed(2)} in nnz): it costs the same whatever x holds.

So, per epoch of n samples with at most k non-zeros each, streamlr trains in O(n_epoch · n · k)
and predicts in O(k), against O(n_epoch · n · m) and O(m) for the textbook form; memory stays O(m)
for the weights and optimizer state.

Reproduce: \`npm run build && npm run bench:complexity\` (~1–2 minutes; \`--reps\`, \`--budget-ms\`).
`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { reps: { type: 'string', default: '5' }, 'budget-ms': { type: 'string', default: '40' }, 'no-write': { type: 'boolean', default: false } } });
  await runComplexity({ reps: Number(values.reps), budgetMs: Number(values['budget-ms']), write: !values['no-write'] });
}
