/**
 * Core benchmark of @streamlr/model: `npm run bench:core` (from the repository root).
 * Writes bench/core/RESULTS.md. Every figure is a median of RUNS runs.
 *
 * 1. updates/s on pre-hashed sparse vectors with 40 features (30 one-hot + 10 numeric);
 * 2. updates/s from JSON messages: real movielens rows (4 features) and synthetic 20 and 40
 *    features, with JSON.parse or with the trainer's decoder (@streamlr/protocol decodeSample
 *    from bytes), + hashFeatures + learn;
 * 3. cost of one update at 2^16 … 2^24 slots with the same nnz (lazy), against the eager
 *    reference that regularises every slot every step;
 * 4. bytes per weight: learner memory, checkpoint and serving blobs;
 * 5. where the time goes: prediction alone, hot and at 2^20 slots.
 *
 * Before/after: with BENCH_BASELINE_REF=<git ref> the same cases also run on @streamlr/model as
 * of that commit (exported with `git archive`, compiled into the OS temp directory), runs of
 * the two interleaved so that both see the same machine load, and the tables show both.
 *
 * Rates are per second of this process's CPU time (user + system, GC threads included): the
 * machine is shared, and wall-clock time under load mostly measures the other jobs. The wall-
 * clock rate of the default case is printed alongside.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as current from '@streamlr/model';
import { seededRandom, type LearnerOptionsInput, type SparseVector as SparseVectorType } from '@streamlr/model';
import { decodeSample, DEFAULT_DECODE_LIMITS } from '@streamlr/protocol';
import { HashedEntries, SampleScanner } from '@streamlr/stream';

const RUNS = Number(process.env['BENCH_RUNS'] ?? 5);
const BASELINE_REF = process.env['BENCH_BASELINE_REF'];
const HERE = fileURLToPath(new URL('..', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const FIXTURES = fileURLToPath(new URL('../../../data/', import.meta.url));

type Model = typeof current;
interface Impl {
  readonly name: string;
  readonly model: Model;
}

/** @streamlr/model as of `ref`, compiled from `git archive` (cached per commit). */
async function baselineModel(ref: string): Promise<Model> {
  const commit = execFileSync('git', ['-C', ROOT, 'rev-parse', '--short', ref], { encoding: 'utf8' }).trim();
  const dir = path.join(os.tmpdir(), `streamlr-core-baseline-${commit}`);
  const entry = path.join(dir, 'packages/model/dist/index.js');
  if (!existsSync(entry)) {
    mkdirSync(dir, { recursive: true });
    const archive = path.join(dir, 'model.tar');
    execFileSync('git', ['-C', ROOT, 'archive', `--output=${archive}`, commit, 'packages/model/src', 'packages/model/package.json', 'tsconfig.base.json']);
    execFileSync('tar', ['-x', '-f', archive, '-C', dir]);
    const config = {
      extends: './tsconfig.base.json',
      compilerOptions: { rootDir: 'packages/model/src', outDir: 'packages/model/dist', typeRoots: [path.join(ROOT, 'node_modules/@types')], composite: false, declaration: false, declarationMap: false },
      include: ['packages/model/src'],
    };
    writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify(config));
    execFileSync(path.join(ROOT, 'node_modules/.bin/tsc'), ['-p', dir], { stdio: 'inherit' });
  }
  return (await import(pathToFileURL(entry).href)) as Model;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** CPU seconds (user + system) and wall seconds of `fn`. */
function timed(fn: () => void): { cpu: number; wall: number } {
  const cpu0 = process.cpuUsage();
  const wall0 = process.hrtime.bigint();
  fn();
  const used = process.cpuUsage(cpu0);
  return { cpu: (used.user + used.system) / 1e6, wall: Number(process.hrtime.bigint() - wall0) / 1e9 };
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

/** Zipf-like categorical value: index ⌊vocab·u³⌋, so a few values are frequent. */
function zipf(rand: () => number, vocab: number): number {
  const u = rand();
  return Math.floor(vocab * u * u * u);
}

const VOCABS = [10, 50, 100, 1000, 5000, 20000, 100000];

/** Named features: `categorical` one-hot fields with Zipf values and `numeric` fields. */
function namedSample(rand: () => number, categorical: number, numeric: number): Record<string, string | number> {
  const f: Record<string, string | number> = {};
  for (let c = 0; c < categorical; c++) f[`c${c}`] = `v${zipf(rand, VOCABS[c % VOCABS.length]!)}`;
  for (let n = 0; n < numeric; n++) f[`n${n}`] = Math.round(Math.exp(rand() * 6) * 100) / 100;
  return f;
}

function labelOf(rand: () => number, f: Record<string, string | number>): 0 | 1 {
  // A hidden rule on a few fields, plus noise.
  const z = (String(f['c0']).length % 2) - 0.5 + (Number(f['n0'] ?? 0) > 20 ? 0.8 : -0.4) + (rand() - 0.5);
  return z > 0 ? 1 : 0;
}

/** Headed movielens CSV rows as named features (numeric cells as numbers, others strings). */
function movielensRows(): Array<{ features: Record<string, string | number>; y: 0 | 1 }> {
  const lines = readFileSync(`${FIXTURES}movielens.csv`, 'utf8').trim().split('\n');
  const header = lines[0]!.split(',');
  return lines.slice(1).map((line) => {
    const cells = line.split(',');
    const features: Record<string, string | number> = {};
    header.forEach((col, i) => {
      const cell = cells[i] ?? '';
      if (col === 'label' || cell === '') return;
      const n = Number(cell);
      features[col] = Number.isFinite(n) ? n : cell;
    });
    return { features, y: cells[0] === '1' ? 1 : 0 };
  });
}

interface Row {
  readonly name: string;
  readonly value: string;
  readonly note?: string;
}

/**
 * Runs `measure(impl)` RUNS times per implementation, alternating (A B, B A, …) so both see the
 * same load; returns the median rate per implementation.
 */
function interleaved(impls: readonly Impl[], measure: (impl: Impl) => { rate: number; wallRate: number }): Array<{ rate: number; wallRate: number }> {
  const rates = impls.map(() => [] as number[]);
  const wall = impls.map(() => [] as number[]);
  for (let r = 0; r < RUNS; r++) {
    const order = r % 2 === 0 ? impls.map((_, i) => i) : impls.map((_, i) => impls.length - 1 - i);
    for (const i of order) {
      const m = measure(impls[i]!);
      rates[i]!.push(m.rate);
      wall[i]!.push(m.wallRate);
    }
  }
  return impls.map((_, i) => ({ rate: median(rates[i]!), wallRate: median(wall[i]!) }));
}

/** As `interleaved`, over several decoders: each run measures every decoder, in alternating order. */
function interleavedDecodes<D>(
  impls: readonly Impl[],
  decodes: readonly D[],
  measure: (impl: Impl, decode: D) => { rate: number; wallRate: number },
): Array<Array<{ rate: number; wallRate: number }>> {
  const rates = decodes.map(() => impls.map(() => [] as number[]));
  const wall = decodes.map(() => impls.map(() => [] as number[]));
  for (let r = 0; r < RUNS; r++) {
    const order = decodes.map((_, d) => (r % 2 === 0 ? d : decodes.length - 1 - d));
    for (const d of order) {
      for (let i = 0; i < impls.length; i++) {
        const m = measure(impls[i]!, decodes[d]!);
        rates[d]![i]!.push(m.rate);
        wall[d]![i]!.push(m.wallRate);
      }
    }
  }
  return decodes.map((_, d) => impls.map((_, i) => ({ rate: median(rates[d]![i]!), wallRate: median(wall[d]![i]!) })));
}

/** "after" or "before | after (×ratio)" for a row. */
function cells(results: ReadonlyArray<{ rate: number }>): string {
  if (results.length === 1) return fmt(results[0]!.rate);
  const before = results[0]!.rate;
  const after = results[1]!.rate;
  return `${fmt(before)} | ${fmt(after)} | ×${(after / before).toFixed(2)}`;
}

// ---------------------------------------------------------------------------------------------
// 1. Pre-hashed updates/s

interface Prehashed {
  readonly x: SparseVectorType;
  readonly y: 0 | 1;
}

function prehashedPool(model: Model, bits: number, count: number, seed: number): Prehashed[] {
  const rand = seededRandom(seed);
  const space = { bits, seed: 0 };
  return Array.from({ length: count }, () => {
    const f = namedSample(rand, 30, 10);
    return { x: model.hashFeatures(f, space, new model.SparseVector(48)), y: labelOf(rand, f) };
  });
}

function prehashedRate(impl: Impl, options: LearnerOptionsInput, pool: readonly Prehashed[], bits: number, updates: number) {
  const learner = new impl.model.LogisticRegression({ ...options, featureSpace: { bits, seed: 0 } });
  // Warm-up pass (JIT, first touches of slots), then the timed updates.
  for (const s of pool) learner.learn(s.x, s.y);
  const t = timed(() => {
    for (let i = 0, j = 0; i < updates; i++) {
      const s = pool[j]!;
      if (++j === pool.length) j = 0;
      learner.learn(s.x, s.y);
    }
  });
  return { rate: updates / t.cpu, wallRate: updates / t.wall };
}

function predictRate(impl: Impl, pool: readonly Prehashed[], bits: number, predictions: number) {
  const learner = new impl.model.LogisticRegression({ featureSpace: { bits, seed: 0 } });
  for (const s of pool) learner.learn(s.x, s.y);
  let sum = 0;
  const t = timed(() => {
    for (let i = 0, j = 0; i < predictions; i++) {
      sum += learner.predictProba(pool[j]!.x);
      if (++j === pool.length) j = 0;
    }
  });
  if (!(sum >= 0)) throw new Error('unreachable: probabilities are ≥ 0');
  return { rate: predictions / t.cpu, wallRate: predictions / t.wall };
}

// ---------------------------------------------------------------------------------------------
// 2. JSON messages → decode → hashFeatures → learn

type Decode = 'JSON.parse' | 'decodeSample' | 'SampleScanner';

const DECODE_LABELS: Record<Decode, string> = {
  'JSON.parse': 'JSON.parse',
  decodeSample: 'decodeSample(bytes)',
  SampleScanner: 'SampleScanner(bytes), fused',
};

function jsonRate(impl: Impl, messages: readonly string[], bytes: readonly Buffer[], decode: Decode, updates: number) {
  const { LogisticRegression, SparseVector, hashFeatures, DEFAULT_LEARNER_OPTIONS } = impl.model;
  const learner = new LogisticRegression(DEFAULT_LEARNER_OPTIONS);
  const space = learner.options.featureSpace;
  const x = new SparseVector();
  // The trainer's fast path (LogisticLearner.decode/learn): bytes → hashed entries in one pass,
  // added to the vector in order (colliding slots summed as hashFeatures sums them).
  const scanner = new SampleScanner(space, DEFAULT_DECODE_LIMITS);
  const entries = new HashedEntries();
  const run = (count: number): void => {
    if (decode === 'SampleScanner') {
      for (let i = 0, j = 0; i < count; i++) {
        entries.length = 0;
        if (!scanner.scan(bytes[j]!, entries)) throw new Error('bench: the scanner refused a benchmark message');
        if (++j === messages.length) j = 0;
        x.clear();
        for (let k = 0; k < entries.length; k++) x.add(entries.indices[k]!, entries.values[k]!);
        learner.learn(x, scanner.label, scanner.weight);
      }
      return;
    }
    for (let i = 0, j = 0; i < count; i++) {
      const msg = (decode === 'JSON.parse' ? JSON.parse(messages[j]!) : decodeSample(bytes[j]!)) as { label: 0 | 1; features: Record<string, string | number> };
      if (++j === messages.length) j = 0;
      hashFeatures(msg.features, space, x);
      learner.learn(x, msg.label);
    }
  };
  run(messages.length);
  const t = timed(() => run(updates));
  return { rate: updates / t.cpu, wallRate: updates / t.wall };
}

// ---------------------------------------------------------------------------------------------
// 3. Update cost against the number of slots

function vectorsOver(model: Model, bits: number, count: number, nnz: number, seed: number): Prehashed[] {
  const rand = seededRandom(seed);
  const m = 2 ** bits;
  return Array.from({ length: count }, () => {
    const x = new model.SparseVector(nnz);
    while (x.nnz < nnz) x.add(Math.floor(rand() * m), x.nnz % 4 === 0 ? 1 + rand() * 10 : 1);
    return { x, y: rand() < 0.4 ? 1 : 0 };
  });
}

function nsPerUpdate(make: () => { learn(x: SparseVectorType, y: 0 | 1): number }, pool: readonly Prehashed[], updates: number, runs: number): number {
  const costs: number[] = [];
  for (let r = 0; r < runs; r++) {
    const learner = make();
    for (let i = 0; i < Math.min(pool.length, updates); i++) learner.learn(pool[i]!.x, pool[i]!.y);
    const t = timed(() => {
      for (let i = 0; i < updates; i++) {
        const s = pool[i % pool.length]!;
        learner.learn(s.x, s.y);
      }
    });
    costs.push((t.cpu * 1e9) / updates);
  }
  return median(costs);
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const started = process.hrtime.bigint();
  const load0 = os.loadavg();
  const lines: string[] = [];
  const log = (s: string) => {
    process.stdout.write(`${s}\n`);
    lines.push(s);
  };
  const impls: Impl[] = [];
  let baselineCommit = '';
  if (BASELINE_REF !== undefined) {
    baselineCommit = execFileSync('git', ['-C', ROOT, 'rev-parse', '--short', BASELINE_REF], { encoding: 'utf8' }).trim();
    impls.push({ name: `before (${baselineCommit})`, model: await baselineModel(BASELINE_REF) });
  }
  const head = execFileSync('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  const dirty = execFileSync('git', ['-C', ROOT, 'status', '--porcelain', 'packages/model'], { encoding: 'utf8' }).trim() !== '';
  impls.push({ name: `after (${head}${dirty ? '+' : ''})`, model: current });

  // 1.
  const configs: Array<[string, LearnerOptionsInput]> = [
    ['FTRL, standard normalisation (DEFAULT_LEARNER_OPTIONS)', current.DEFAULT_LEARNER_OPTIONS],
    ['FTRL, rms normalisation', { normalization: 'rms' }],
    ['FTRL, no normalisation', { normalization: 'none' }],
    ['AdaGrad, standard normalisation', { optimizer: 'adagrad' }],
    ['SGD (η0/√t), standard normalisation', { optimizer: 'sgd' }],
    ['SGD (η0/√t), no normalisation', { optimizer: 'sgd', normalization: 'none' }],
    ['SGD + elastic net (lazy L1+L2), no normalisation', { optimizer: { name: 'sgd', l1: 1e-6, l2: 1e-5 }, normalization: 'none' }],
  ];
  // Each implementation hashes its own pools (same slots: the hash is part of the contract).
  const pools = new Map(impls.map((impl) => [impl, { cold: prehashedPool(impl.model, 20, 20_000, 1), hot: prehashedPool(impl.model, 16, 1000, 4) }]));
  const distinct = new Set<number>();
  for (const { x } of pools.get(impls[0]!)!.cold) for (let k = 0; k < x.nnz; k++) distinct.add(x.indices[k]!);
  const prehashedRows: Row[] = [];
  const hotRows: Row[] = [];
  let defaultWall = '';
  for (const [name, options] of configs) {
    const cold = interleaved(impls, (impl) => prehashedRate(impl, options, pools.get(impl)!.cold, 20, 500_000));
    const hot = interleaved(impls, (impl) => prehashedRate(impl, options, pools.get(impl)!.hot, 16, 500_000));
    prehashedRows.push({ name, value: cells(cold) });
    hotRows.push({ name, value: cells(hot) });
    if (defaultWall === '') defaultWall = impls.map((impl, i) => `${impl.name} ${fmt(cold[i]!.wallRate)}`).join(', ');
    log(`prehashed ${name}: ${cells(cold)} (hot working set ${cells(hot)})`);
  }

  // 2.
  const jsonRows: Row[] = [];
  const movielens = movielensRows();
  const jsonCases: Array<[string, string[]]> = [];
  jsonCases.push([
    'movielens rows (user_id, movie_id, genres: strings; year: number)',
    movielens.slice(0, 20_000).map((r, i) => JSON.stringify({ id: `r-${i}`, ts: 1_764_000_000_000 + i, label: r.y, features: r.features })),
  ]);
  for (const [categorical, numeric] of [[12, 8], [30, 10]] as const) {
    const jr = seededRandom(2);
    jsonCases.push([
      `${categorical + numeric} features (${categorical} strings, ${numeric} numeric)`,
      Array.from({ length: 20_000 }, (_, i) => {
        const features = namedSample(jr, categorical, numeric);
        return JSON.stringify({ id: `imp-${i}`, ts: 1_764_000_000_000 + i, label: labelOf(jr, features), features });
      }),
    ]);
  }
  for (const [name, messages] of jsonCases) {
    const bytes = messages.map((m) => Buffer.from(m));
    const size = Math.round(bytes.reduce((a, b) => a + b.length, 0) / bytes.length);
    // The decoders' runs interleaved too, so that they see the same machine load.
    const decodes = ['JSON.parse', 'decodeSample', 'SampleScanner'] as const;
    const results = interleavedDecodes(impls, decodes, (impl, decode) => jsonRate(impl, messages, bytes, decode, 200_000));
    decodes.forEach((decode, d) => {
      jsonRows.push({ name: `${name}, ~${size} B/message, ${DECODE_LABELS[decode]}`, value: cells(results[d]!) });
      log(`json ${name} ${decode}: ${cells(results[d]!)}`);
    });
  }

  // 3. (current implementation only)
  const scalingRows: Row[] = [];
  const { LogisticRegression, EagerReferenceLearner } = current;
  const lazyConfigs: Array<[string, LearnerOptionsInput]> = [
    ['SGD + elastic net, lazy', { optimizer: { name: 'sgd', l1: 1e-6, l2: 1e-5 }, normalization: 'none' }],
    ['FTRL, standard (default), lazy', {}],
  ];
  for (const bits of [16, 20, 24]) {
    const vecs = vectorsOver(current, bits, 20_000, 40, 3);
    for (const [name, options] of lazyConfigs) {
      const ns = nsPerUpdate(() => new LogisticRegression({ ...options, featureSpace: { bits } }), vecs, 200_000, RUNS);
      scalingRows.push({ name: `${name}, 2^${bits} slots`, value: ns.toFixed(0) });
      log(`scaling ${name} 2^${bits}: ${ns.toFixed(0)} ns/update`);
    }
    if (bits <= 20) {
      const updates = bits === 16 ? 2000 : 100;
      const ns = nsPerUpdate(
        () => new EagerReferenceLearner({ optimizer: { name: 'sgd', l1: 1e-6, l2: 1e-5 }, normalization: 'none', featureSpace: { bits } }),
        vecs,
        updates,
        3,
      );
      scalingRows.push({ name: `SGD + elastic net, EAGER reference, 2^${bits} slots`, value: ns.toFixed(0) });
      log(`scaling eager 2^${bits}: ${ns.toFixed(0)} ns/update`);
    }
  }

  // 4.
  const memoryRows: Row[] = [];
  for (const [name, options] of configs.slice(0, 6)) {
    const learner = new LogisticRegression(options);
    memoryRows.push({ name: `${name}: learner in memory`, value: `${(learner.byteLength / learner.slots).toFixed(0)} B/slot` });
  }
  const space = current.DEFAULT_LEARNER_OPTIONS.featureSpace;
  const samples = movielens.map((r) => ({ x: current.hashFeatures(r.features, space, new current.SparseVector(8)), y: r.y }));
  const cut = Math.floor(samples.length * 0.8);
  const trained = new LogisticRegression(current.DEFAULT_LEARNER_OPTIONS);
  for (const s of samples.slice(0, cut)) trained.learn(s.x, s.y);
  const stats = trained.weightStats();
  const info = { model: 'movielens', version: 1, createdAt: 0 };
  const checkpoint = current.encodeCheckpoint(trained, info);
  const serving32 = current.encodeServing(trained, info);
  const serving64 = current.encodeServing(trained, info, { precision: 64 });
  const held = current.evaluate(trained, samples.slice(cut));
  memoryRows.push(
    { name: `movielens model (${fmt(stats.nonzero)} non-zero of 2^20 slots): checkpoint`, value: `${fmt(checkpoint.length)} B`, note: `${(checkpoint.length / stats.nonzero).toFixed(1)} B per non-zero weight (sparse arrays)` },
    { name: 'same model, serving Float32', value: `${fmt(serving32.length)} B`, note: `${(serving32.length / stats.nonzero).toFixed(1)} B per non-zero weight (sparse: i32 slot + f32 value)` },
    { name: 'same model, serving Float64', value: `${fmt(serving64.length)} B`, note: `${(serving64.length / stats.nonzero).toFixed(1)} B per non-zero weight` },
    { name: 'dense serving weights (any model with > 1/2 of slots non-zero)', value: '4 B/slot (Float32), 8 B/slot (Float64)' },
  );
  log(`movielens held-out log loss after one pass: ${held.logloss.toFixed(4)}`);

  // 5.
  const boundRows: Row[] = [];
  for (const [name, bits, which] of [['hot working set (2^16 slots, 1,000 samples)', 16, 'hot'], ['2^20 slots, 20,000 samples', 20, 'cold']] as const) {
    const predict = interleaved(impls, (impl) => predictRate(impl, pools.get(impl)![which], bits, 1_000_000));
    boundRows.push({ name: `predictProba only, DEFAULT_LEARNER_OPTIONS, ${name}`, value: cells(predict) });
    log(`predict ${name}: ${cells(predict)}`);
  }

  const total = Number(process.hrtime.bigint() - started) / 1e9;
  const load1 = os.loadavg();
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const compare = impls.length === 2;
  const unit = (what: string) => (compare ? `${what}, before | after | after/before` : what);
  const table = (rows: Row[], header: string, withNote = false) => {
    const valueColumns = header.split(' | ').length;
    return [
      `| case | ${header} |${withNote ? ' note |' : ''}`,
      `|---|${'---:|'.repeat(valueColumns)}${withNote ? '---|' : ''}`,
      ...rows.map((r) => `| ${r.name} | ${r.value} |${withNote ? ` ${r.note ?? ''} |` : ''}`),
    ].join('\n');
  };
  const md = `# Core benchmark (@streamlr/model)

Generated by \`${compare ? `BENCH_BASELINE_REF=${BASELINE_REF} ` : ''}npm run bench:core\` (bench/core/core-bench.ts). Medians of ${RUNS} runs${compare ? `,
the runs of the two implementations interleaved (before = @streamlr/model at ${baselineCommit}, after = the working tree)` : ''}.
Machine: ${os.cpus().length} × ${cpu}, Node ${process.version}. Load average (1, 5, 15 min) at start
${load0.map((l) => l.toFixed(2)).join(', ')}, at end ${load1.map((l) => l.toFixed(2)).join(', ')}: the machine is shared with other jobs.
Rates are per second of this process's CPU time (user + system): under that load wall-clock
rates mostly measure the other jobs (default case, 2^20 slots, wall clock: ${defaultWall} updates/s).
Total ${total.toFixed(0)} s.

## 1. Updates per second, pre-hashed, 40 features per sample

30 one-hot features (Zipf-distributed values, vocabularies 10 … 100,000) + 10 numeric features;
one \`learn(x, y)\` per update (prediction, scaler update, optimizer step). Target: ≥ 2,000,000 updates/s.

2^20 slots, a pool of 20,000 samples cycled (${fmt(distinct.size)} distinct slots, spread over the whole table):

${table(prehashedRows, unit('updates/s'))}

Hot working set: 2^16 slots, 1,000 samples, so weights and inputs stay in cache and the figure
is the compute cost of an update:

${table(hotRows, unit('updates/s'))}

## 2. Updates per second from JSON messages

Message → decode → \`hashFeatures(msg.features)\` (MurmurHash3 of every name / name=value) →
\`learn\`, DEFAULT_LEARNER_OPTIONS, 20,000 distinct messages cycled. Decode is either
\`JSON.parse\` of a string, or the protocol's \`decodeSample\` (@streamlr/protocol) of the
message bytes (UTF-8 check, JSON.parse, validation), or the trainer's fused fast path
(\`SampleScanner\`, @streamlr/stream: the bytes scanned and validated once, each feature hashed
straight from them, no strings, no object; the same slots, values, label and weight as
decodeSample + hashFeatures). The three run interleaved. Target: ≥ 300,000 updates/s.

${table(jsonRows, unit('updates/s'))}

## 3. Update cost against the number of slots (same nnz = 40)

Slots drawn uniformly over the whole space, so larger spaces also pay more cache misses; the
lazy updates' cost does not otherwise depend on 2^bits. The eager reference regularises every
slot every step (O(m)), for contrast.

${table(scalingRows, 'ns/update (CPU time)')}

## 4. Bytes per weight

${table(memoryRows, 'size', true)}

## 5. Where the time goes: prediction alone

\`predictProba(x)\` reads one slot record per feature and does no division or square root: at
2^20 slots it is the memory-access floor under every update of section 1.

${table(boundRows, unit('predictions/s'))}
`;
  writeFileSync(`${HERE}RESULTS.md`, md);
  log(`wrote ${HERE}RESULTS.md`);
}

await main();
