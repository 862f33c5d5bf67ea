// Summarises a V8 CPU profile (`node --cpu-prof`) of the trainer by what the time went to.
//
//   node bench/pipeline/profile.mjs FILE.cpuprofile [--messages N]
//
// Each sample is charged to a part: first by a known caller anywhere on its stack (snapshot
// export, model gauges, the feature-name dictionary: O(m) or allocating work that the hot path
// only triggers), otherwise by the innermost frame that belongs to a known part, so a native leaf
// such as JSON.parse or Math.sqrt counts for the code that called it; Node's own modules (node:*)
// count for their caller when it is known and as "Node internals" otherwise (sockets, timers).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

/**
 * Work known by a frame anywhere on the stack, whatever it calls (checked first, in this order):
 * a snapshot's O(m) export and encoding, the model gauges' O(m) weight scan, the feature-name
 * dictionary.
 */
const CALLERS = [
  ['snapshots: export, encode, publish to Redis', (u, f) => /packages\/store\/|node_modules\/ioredis\/|packages\/model\/dist\/src\/(snapshot|crc32c)\.js/.test(u) || (/packages\/stream\//.test(u) && /^snapshot/.test(f))],
  ['model gauges (weightStats, O(m))', (u, f) => f === 'weightStats' || f === 'refreshModelGauges'],
  ['streamlr: feature-name dictionary (FeatureNames.record)', (u, f) => /packages\/model\/dist\/src\/features\.js/.test(u) && f === 'record'],
];

/** Otherwise the innermost frame with a known part decides (native leaves count for their caller). */
const PARTS = [
  ['kafkajs: record-batch decoding', (u) => /node_modules\/kafkajs\/src\/protocol\//.test(u)],
  ['kafkajs: fetch loop, group, network', (u) => /node_modules\/kafkajs\//.test(u)],
  ['streamlr: decode (records file or message: parse + validate)', (u) => /packages\/protocol\/|packages\/stream\/dist\/src\/sample-scanner\.js/.test(u)],
  ['streamlr: hash features', (u) => /packages\/model\/dist\/src\/(murmur3|features|sparse-vector)\.js|packages\/stream\/dist\/src\/featurize\.js/.test(u)],
  ['streamlr: learn (predict + update + progressive metrics)', (u) => /packages\/model\//.test(u)],
  ['RxJS', (u) => /node_modules\/rxjs\//.test(u)],
  ['streamlr: pipeline glue (operators, positions)', (u) => /packages\/stream\//.test(u)],
  ['metrics (prom-client)', (u) => /packages\/metrics\/|node_modules\/prom-client\//.test(u)],
  ['benchmark runner loop', (u) => /\/bench\//.test(u)],
];
const NODE_INTERNALS = 'Node internals (net, streams, timers, Buffer)';

export function summarize(path, messages = 0) {
  const profile = JSON.parse(readFileSync(path, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const partOf = new Map();
  const classify = (leaf) => {
    if (partOf.has(leaf)) return partOf.get(leaf);
    const name = byId.get(leaf).callFrame.functionName;
    let part = null;
    if (name === '(idle)') part = 'idle (waiting for Kafka / Redis)';
    else if (name === '(garbage collector)') part = 'garbage collection';
    else if (name === '(program)') part = 'V8 / native (unattributed)';
    else {
      const stack = [];
      for (let id = leaf; id !== undefined; id = parent.get(id)) stack.push(byId.get(id).callFrame);
      for (const [label, test] of CALLERS) {
        if (stack.some((f) => test(f.url, f.functionName))) {
          part = label;
          break;
        }
      }
      for (const f of part === null ? stack : []) {
        const rule = f.url === '' ? undefined : PARTS.find(([, test]) => test(f.url));
        if (rule !== undefined) {
          part = rule[0];
          break;
        }
      }
      if (part === null) part = stack.some((f) => f.url.startsWith('node:')) ? NODE_INTERNALS : 'other';
    }
    partOf.set(leaf, part);
    return part;
  };
  const micros = new Map();
  const { samples, timeDeltas } = profile;
  for (let i = 0; i < samples.length; i++) {
    const part = classify(samples[i]);
    micros.set(part, (micros.get(part) ?? 0) + (timeDeltas[i] ?? 0));
  }
  const total = [...micros.values()].reduce((a, b) => a + b, 0);
  const idle = micros.get('idle (waiting for Kafka / Redis)') ?? 0;
  const busy = total - idle;
  const parts = [...micros.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([part, us]) => ({
      part,
      ms: us / 1000,
      shareOfBusy: part.startsWith('idle') ? null : us / busy,
      usPerMessage: messages > 0 ? us / messages : null,
    }));
  return { totalMs: total / 1000, busyMs: busy / 1000, parts };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { messages: { type: 'string', default: '0' } } });
  const s = summarize(positionals[0], Number(values.messages));
  for (const p of s.parts) {
    process.stdout.write(`${p.part.padEnd(50)} ${p.ms.toFixed(0).padStart(7)} ms  ${p.shareOfBusy === null ? '' : `${(p.shareOfBusy * 100).toFixed(1)}%`}  ${p.usPerMessage === null ? '' : `${p.usPerMessage.toFixed(2)} µs/msg`}\n`);
  }
}
