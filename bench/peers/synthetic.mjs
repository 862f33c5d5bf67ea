// A synthetic click-like stream with a KNOWN sparse true model, for the peer benchmark.
//
//   node bench/peers/synthetic.mjs [--out DIR]     (writes DIR/synthetic-v2.jsonl and its .meta.json once)
//
// 1,200,000 samples as JSON lines in the message format of DESIGN section 4
// ({"label":0,"features":{"c0":"v1k",...}}, what a click stream on Kafka carries): the first
// 1,000,000 are the online training stream, the last 200,000 are held out.
// Each row has 40 categorical fields c0..c39 whose values are Zipf-like draws (index ⌊V·u³⌋, a few
// values very frequent, a long tail) from vocabularies of 3 to 100,000 values. The label is drawn
// from the true model P(y=1) = σ(b + Σ_f w_f(value_f)): only 12 of the 40 fields carry signal, and
// inside those only 30% of the values have a non-zero weight (N(0, 0.8²)); the other 28 fields
// are noise. Everything is a pure function of the seed, so the file is identical on every machine.
// The meta file records the Bayes log loss and AUC (the true probabilities scored on the held-out
// rows): the floor any learner's held-out log loss can approach.
import { createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { evaluateScores, seededRandom } from '@streamlr/model';

export const SYNTHETIC = Object.freeze({
  version: 2,
  seed: 20261124,
  rows: 1_200_000,
  train: 1_000_000,
  fields: 40,
  informativeFields: 12,
  nonzeroShare: 0.3,
  weightSd: 0.8,
  bias: -1.6,
  vocabularies: [3, 10, 30, 100, 300, 1_000, 3_000, 10_000, 30_000, 100_000],
});

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const DEFAULT_WORK_DIR = join(ROOT, 'bench/.work');

/** 32-bit integer hash (lowbias32, C. Wellons): the true weights are a function of (seed, field, value). */
function mix32(x) {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

const unit = (h) => (h + 0.5) / 4294967296;

/** The true weight of value `v` of field `f` (0 for noise fields and for 70% of the values of the others). */
export function trueWeight(f, v) {
  const s = SYNTHETIC;
  if (f % Math.round(s.fields / s.informativeFields) !== 0 || f / Math.round(s.fields / s.informativeFields) >= s.informativeFields) return 0;
  const h = mix32(mix32(s.seed ^ Math.imul(f + 1, 0x9e3779b1)) ^ Math.imul(v + 1, 0x85ebca77));
  if (unit(h) >= s.nonzeroShare) return 0;
  // Box–Muller from two more hashes of the same key.
  const u1 = unit(mix32(h ^ 0x68e31da4));
  const u2 = unit(mix32(h ^ 0xb5297a4d));
  return s.weightSd * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

export function syntheticPaths(workDir = DEFAULT_WORK_DIR) {
  const base = join(workDir, `synthetic-v${SYNTHETIC.version}`);
  return { data: `${base}.jsonl`, meta: `${base}.meta.json` };
}

/** Writes the JSON lines and their meta file unless both already exist; returns the meta. */
export async function ensureSynthetic(workDir = DEFAULT_WORK_DIR, log = () => undefined) {
  const paths = syntheticPaths(workDir);
  if (existsSync(paths.data) && existsSync(paths.meta)) return JSON.parse(readFileSync(paths.meta, 'utf8'));
  mkdirSync(dirname(paths.data), { recursive: true });
  const started = performance.now();
  const s = SYNTHETIC;
  const rand = seededRandom(s.seed); // mulberry32: the file's bytes depend on this exact sequence
  const vocab = Array.from({ length: s.fields }, (_, f) => s.vocabularies[f % s.vocabularies.length]);
  const heldScores = new Float64Array(s.rows - s.train);
  const heldLabels = new Uint8Array(s.rows - s.train);
  let positives = 0;
  const tmp = `${paths.data}.tmp`;
  const out = createWriteStream(tmp);
  let chunk = '';
  for (let i = 0; i < s.rows; i++) {
    let z = s.bias;
    let cells = '';
    for (let f = 0; f < s.fields; f++) {
      const u = rand();
      const v = Math.floor(vocab[f] * u * u * u);
      z += trueWeight(f, v);
      cells += `${f === 0 ? '' : ','}"c${f}":"v${v.toString(36)}"`;
    }
    const p = 1 / (1 + Math.exp(-z));
    const y = rand() < p ? 1 : 0;
    positives += y;
    if (i >= s.train) {
      heldScores[i - s.train] = p;
      heldLabels[i - s.train] = y;
    }
    chunk += `{"label":${y},"features":{${cells}}}\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
  renameSync(tmp, paths.data);
  const bayes = evaluateScores(heldScores, heldLabels);
  const meta = {
    ...s,
    file: paths.data,
    positiveRate: positives / s.rows,
    bayesHeldoutLogloss: bayes.logloss,
    bayesHeldoutAuc: bayes.auc,
    seconds: (performance.now() - started) / 1000,
  };
  writeFileSync(paths.meta, `${JSON.stringify(meta, null, 2)}\n`);
  log(`synthetic: wrote ${paths.data} (${s.rows} rows, ${(meta.positiveRate * 100).toFixed(1)}% positive, Bayes held-out log loss ${bayes.logloss.toFixed(4)}) in ${meta.seconds.toFixed(1)} s`);
  return meta;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { out: { type: 'string', default: DEFAULT_WORK_DIR } } });
  const meta = await ensureSynthetic(values.out, (line) => process.stdout.write(`${line}\n`));
  process.stdout.write(`${JSON.stringify(meta)}\n`);
}
