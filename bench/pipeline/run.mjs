#!/usr/bin/env node
// `npm run bench:pipeline`: samples/s of the trainer (`streamlr trainer`: kafkajs → RxJS → decode →
// hash → learn → snapshots in the real Redis) against a raw kafkajs consumer that only decodes and
// discards (bench/pipeline/raw-consumer.mjs), on the same topic, against the real local Kafka
// (127.0.0.1:9092) and Redis (127.0.0.1:6379). Needs `npm run build` first.
//
// - The topic holds --messages MovieLens samples (the 100,004 rows repeated; default 500,000), as
//   the JSON of DESIGN section 4, on 1 partition and, as a second topic, on 2 partitions.
// - Each round runs the raw consumer, then the trainer, each from a fresh consumer group from the
//   beginning, each in its own process. Raw: from group join to the last message decoded. Trainer:
//   from its `assigned` log line to the moment the Redis snapshot that includes every message is
//   published (the default cadence: every 100,000 samples or 10 s), so the trainer's figure pays
//   for its snapshots. Peak RSS is each process's high-water mark (VmHWM / maxRSS).
// - Figures are medians over --rounds rounds (default 3).
// - With --profile (or when the trainer is below 0.8× raw), one more trainer run on the 1-partition
//   topic under `node --cpu-prof`, summarised by bench/pipeline/profile.mjs.
// Writes bench/pipeline/RESULTS.md and bench/.work/pipeline.json.
//
// - With --baseline DIR, the trainer of another build of streamlr in DIR (say `git archive main` built
//   in a temp dir) runs in every round too: before and after side by side in one run.
//
//   node bench/pipeline/run.mjs [--messages N] [--rounds N] [--partitions 1,2] [--profile|--no-profile] [--no-write]
//                               [--baseline DIR [--baseline-label TEXT]]
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { encodeSample, readRecords } from '@streamlr/protocol';
import { RedisModelStore } from '@streamlr/store';
import { describeMachine, lastJson, machine, median, run, say } from '../lib.mjs';
import { summarize } from './profile.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const HERE = fileURLToPath(new URL('.', import.meta.url));
const WORK = join(ROOT, 'bench/.work');
const CLI = join(ROOT, 'services/cli/bin/streamlr.js');
const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const RUN = `${Date.now()}-${randomUUID().slice(0, 6)}`;
const TARGET = 0.8;

function movielensPath() {
  const relative = ['data/movielens.csv', 'test/data/movielens.csv'].find((p) => existsSync(join(ROOT, p)));
  if (relative === undefined) throw new Error('bench:pipeline: no movielens.csv in data/ or test/data/');
  return { path: join(ROOT, relative), relative };
}

async function produce(kafka, topic, partitions, values, n) {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const started = performance.now();
  const sends = [];
  for (let i = 0; i < n; i += 1_000) {
    const messages = [];
    for (let j = i; j < Math.min(n, i + 1_000); j++) messages.push({ key: `k${j}`, value: values[j % values.length] });
    sends.push(producer.send({ topic, acks: 1, messages }));
    if (sends.length === 8) await Promise.all(sends.splice(0));
  }
  await Promise.all(sends);
  await producer.disconnect();
  return (performance.now() - started) / 1000;
}

async function rawRun(topic, n) {
  const group = `bench-pipeline-raw-${RUN}-${randomUUID().slice(0, 6)}`;
  const { stdout } = await run(process.execPath, [join(HERE, 'raw-consumer.mjs'), '--topic', topic, '--group', group, '--messages', String(n)], {
    env: { ...process.env, KAFKA_BROKERS: BROKERS.join(',') },
  });
  const r = lastJson(stdout);
  if (r.invalid > 0) throw new Error(`raw consumer: ${r.invalid} messages did not decode`);
  return { ...r, usPerMessage: (r.consumingCpuSeconds * 1e6) / n, group };
}

/** utime + stime of a process so far, in seconds (/proc/<pid>/stat, clock ticks of 1/100 s). */
function cpuSecondsOf(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function vmHwmMb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1]);
  return kb / 1024;
}

async function trainerRun(store, topic, n, profileDir, cli = CLI) {
  const model = `bench-pipeline-${RUN}-${randomUUID().slice(0, 6)}`;
  const group = `${model}-group`;
  const node = profileDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', profileDir];
  const child = spawn(process.execPath, [...node, cli, 'trainer', '--topic', topic, '--model', model, '--group', group, '--port', '0', '--host', '127.0.0.1'], {
    env: { ...process.env, KAFKA_BROKERS: BROKERS.join(','), REDIS_URL, KAFKAJS_NO_PARTITIONER_WARNING: '1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = [];
  let buffered = '';
  let wake = () => undefined;
  child.stdout.on('data', (chunk) => {
    buffered += chunk.toString();
    const parts = buffered.split('\n');
    buffered = parts.pop();
    for (const text of parts) {
      try {
        lines.push({ ...JSON.parse(text), receivedAt: performance.now() });
      } catch {
        lines.push({ msg: text, receivedAt: performance.now() });
      }
    }
    wake();
  });
  const exited = once(child, 'exit');
  try {
    let assigned;
    while ((assigned = lines.find((l) => l.msg === 'assigned')) === undefined) {
      if (child.exitCode !== null) throw new Error(`trainer exited with ${child.exitCode} before being assigned:\n${lines.map((l) => l.msg).join('\n')}`);
      await new Promise((resolve) => {
        wake = resolve;
        setTimeout(resolve, 100);
      });
    }
    const cpuAtAssign = cpuSecondsOf(child.pid);
    let end = 0;
    let version = 0;
    for (;;) {
      const latest = await store.latestVersion(model);
      if (latest !== null && latest !== version) {
        version = latest;
        const meta = await store.getMeta(model, latest);
        if (meta !== null && meta.samplesSeen >= n) {
          end = performance.now();
          break;
        }
      }
      if (child.exitCode !== null) throw new Error(`trainer exited with ${child.exitCode} while training`);
      await new Promise((r) => setTimeout(r, 10));
    }
    const cpuSeconds = cpuSecondsOf(child.pid) - cpuAtAssign;
    const peakRssMb = vmHwmMb(child.pid);
    const url = lines.find((l) => typeof l.http === 'string')?.http;
    let samplesTotal = null;
    if (url !== undefined) {
      const metrics = await (await fetch(`${url}/metrics`)).text();
      samplesTotal = Number(/streamlr_trainer_samples_total\{[^}]*\} (\d+)/.exec(metrics)?.[1]);
    }
    const seconds = (end - assigned.receivedAt) / 1000;
    return { seconds, rate: n / seconds, cpuSeconds, usPerMessage: (cpuSeconds * 1e6) / n, peakRssMb, samplesTotal, versions: version, model, group };
  } finally {
    if (child.exitCode === null) child.kill('SIGTERM');
    const [code] = await exited;
    if (code !== 0 && code !== null) say(`bench:pipeline: trainer exited with ${code}`);
    await store.deleteModel(model).catch(() => undefined);
  }
}

export async function runPipeline(options = {}) {
  const o = { messages: 500_000, rounds: 3, partitions: [1, 2], profile: 'auto', write: true, log: say, baseline: null, ...options };
  // --baseline DIR: another build of streamlr (e.g. `git archive <ref>` built in a temp dir), whose
  // trainer runs in every round too, between the raw consumer and this trainer: before/after in one run.
  const baselineCli = o.baseline === null ? null : join(o.baseline.dir, 'services/cli/bin/streamlr.js');
  const log = o.log;
  const started = performance.now();
  const before = machine();
  log(`pipeline: ${describeMachine(before)}`);
  const source = movielensPath();
  const values = [];
  for await (const r of readRecords(source.path, { label: 'label' })) if (r.sample !== undefined) values.push(encodeSample(r.sample));
  const bytes = values.reduce((a, v) => a + v.length, 0) / values.length;
  const kafka = new Kafka({ clientId: 'streamlr-bench-pipeline', brokers: BROKERS, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const store = new RedisModelStore({ url: REDIS_URL });
  const topics = [];
  const groups = [];
  const results = [];
  let profile = null;
  try {
    for (const partitions of o.partitions) {
      const topic = `streamlr-bench-pipeline-${RUN}-p${partitions}`;
      topics.push(topic);
      const produceSeconds = await produce(kafka, topic, partitions, values, o.messages);
      log(`pipeline: produced ${o.messages.toLocaleString('en-US')} samples (~${Math.round(bytes)} B each) to ${topic} (${partitions} partition${partitions > 1 ? 's' : ''}) in ${produceSeconds.toFixed(1)} s`);
      const raw = [];
      const trainer = [];
      const baseline = [];
      for (let round = 1; round <= o.rounds; round++) {
        const r = await rawRun(topic, o.messages);
        groups.push(r.group);
        raw.push(r);
        log(`pipeline ${partitions}p round ${round}: raw decode-only consumer ${Math.round(r.rate).toLocaleString('en-US')} samples/s, ${r.usPerMessage.toFixed(2)} CPU µs/message, peak RSS ${r.peakRssMb.toFixed(0)} MB`);
        if (baselineCli !== null) {
          const b = await trainerRun(store, topic, o.messages, undefined, baselineCli);
          groups.push(b.group);
          baseline.push(b);
          log(`pipeline ${partitions}p round ${round}: baseline trainer (${o.baseline.label}) ${Math.round(b.rate).toLocaleString('en-US')} samples/s (${b.versions} snapshots), ${b.usPerMessage.toFixed(2)} CPU µs/message, peak RSS ${b.peakRssMb.toFixed(0)} MB`);
        }
        const t = await trainerRun(store, topic, o.messages);
        groups.push(t.group);
        trainer.push(t);
        if (t.samplesTotal !== null && t.samplesTotal !== o.messages) throw new Error(`trainer learned ${t.samplesTotal} samples, expected ${o.messages}`);
        log(`pipeline ${partitions}p round ${round}: trainer ${Math.round(t.rate).toLocaleString('en-US')} samples/s (${t.versions} snapshots), ${t.usPerMessage.toFixed(2)} CPU µs/message, peak RSS ${t.peakRssMb.toFixed(0)} MB`);
      }
      const rawRate = median(raw.map((r) => r.rate));
      const trainerRate = median(trainer.map((t) => t.rate));
      results.push({
        partitions,
        topic,
        produceSeconds,
        raw,
        trainer,
        rawRate,
        trainerRate,
        ratio: trainerRate / rawRate,
        rawRssMb: median(raw.map((r) => r.peakRssMb)),
        trainerRssMb: median(trainer.map((t) => t.peakRssMb)),
        rawUs: median(raw.map((r) => r.usPerMessage)),
        trainerUs: median(trainer.map((t) => t.usPerMessage)),
        ...(baseline.length === 0
          ? {}
          : {
              baseline,
              baselineRate: median(baseline.map((b) => b.rate)),
              baselineRssMb: median(baseline.map((b) => b.peakRssMb)),
              baselineUs: median(baseline.map((b) => b.usPerMessage)),
            }),
      });
    }
    const missed = results.some((r) => r.ratio < TARGET);
    if (o.profile === true || (o.profile === 'auto' && missed)) {
      const dir = join(WORK, `prof-${RUN}`);
      mkdirSync(dir, { recursive: true });
      const t = await trainerRun(store, topics[0], o.messages, dir);
      groups.push(t.group);
      const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
      if (file !== undefined) {
        profile = { ...summarize(join(dir, file), o.messages), rate: t.rate, file: join('bench/.work', `prof-${RUN}`, file) };
        log(`pipeline: profiled trainer run at ${Math.round(t.rate).toLocaleString('en-US')} samples/s, profile in ${profile.file}`);
      }
    }
  } finally {
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.deleteGroups(groups).catch(() => undefined);
    await admin.disconnect();
    await store.close();
  }
  const result = {
    machine: { before, after: machine() },
    node: process.version,
    seconds: (performance.now() - started) / 1000,
    messages: o.messages,
    rounds: o.rounds,
    source: source.relative,
    bytesPerMessage: bytes,
    baseline: o.baseline === null ? null : o.baseline.label,
    results,
    profile,
  };
  mkdirSync(WORK, { recursive: true });
  writeFileSync(join(WORK, 'pipeline.json'), `${JSON.stringify(result, null, 2)}\n`);
  if (o.write) writeFileSync(join(HERE, 'RESULTS.md'), renderPipeline(result));
  log(`pipeline: done in ${result.seconds.toFixed(0)} s`);
  return result;
}

const int = (n) => Math.round(n).toLocaleString('en-US');

export function renderPipeline(p) {
  const lines = [
    '# Pipeline benchmark: trainer vs a raw kafkajs consumer',
    '',
    `Generated by \`npm run bench:pipeline\` (bench/pipeline/run.mjs) at ${new Date().toISOString()}, ${p.rounds} rounds, medians.`,
    `Machine: ${describeMachine(p.machine.before)} at start; load ${p.machine.after.load.join(' ')} at the end. Kafka 3.9 (single`,
    'broker, KRaft) and Redis run on the same 2 cores, shared with other work: figures move between runs.',
    '',
    `Topic: ${int(p.messages)} MovieLens samples (the rows of \`${p.source}\` repeated), DESIGN section 4 JSON, ~${Math.round(p.bytesPerMessage)} B each.`,
    'Raw: a kafkajs consumer with the trainer\'s consumer settings that decodes each message (`tryDecodeSample`) and',
    'discards it, timed from group join to the last message. Trainer: `streamlr trainer` with its defaults',
    '(FTRL, 2^20 slots, snapshot every 100,000 samples or 10 s to Redis), timed from its assignment to the publication',
    'of the snapshot that includes the last message. Each run is a fresh consumer group from the beginning, in its own process.',
    '',
    ...(p.baseline
      ? [
          `Before/after in this one run: every round ran the raw consumer, then the trainer built from ${p.baseline} ("before"), then this`,
          'tree\'s trainer ("after"), each on the same topic from a fresh group.',
          '',
          '| partitions | raw consumer (samples/s) | trainer before | before / raw | trainer after | after / raw | raw peak RSS | before peak RSS | after peak RSS |',
          '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
          ...p.results.map(
            (r) =>
              `| ${r.partitions} | ${int(r.rawRate)} | ${int(r.baselineRate)} | ${(r.baselineRate / r.rawRate).toFixed(2)}× | ${int(r.trainerRate)} | ${r.ratio.toFixed(2)}× | ${r.rawRssMb.toFixed(0)} MB | ${r.baselineRssMb.toFixed(0)} MB | ${r.trainerRssMb.toFixed(0)} MB |`,
          ),
        ]
      : [
          '| partitions | raw consumer (samples/s) | trainer (samples/s) | trainer / raw | raw peak RSS | trainer peak RSS |',
          '|---|---:|---:|---:|---:|---:|',
          ...p.results.map(
            (r) =>
              `| ${r.partitions} | ${int(r.rawRate)} | ${int(r.trainerRate)} | ${r.ratio.toFixed(2)}× | ${r.rawRssMb.toFixed(0)} MB | ${r.trainerRssMb.toFixed(0)} MB |`,
          ),
        ]),
    '',
    `Target trainer ≥ ${TARGET}× raw: ${p.results.every((r) => r.ratio >= TARGET) ? 'met' : `NOT met (${p.results.map((r) => `${r.partitions} partition${r.partitions > 1 ? 's' : ''}: ${r.ratio.toFixed(2)}×, ${((1 - r.ratio / TARGET) * 100).toFixed(0)}% short`).join('; ')})`}.`,
    '',
    'CPU per message (the process\'s user + system CPU over the same span, medians): less moved by other work on the',
    'shared cores than the rates, so the ratio raw / trainer CPU is the steadier figure of what the trainer adds.',
    '',
    ...(p.baseline
      ? [
          '| partitions | raw (CPU µs/message) | trainer before | raw / before | trainer after | raw / after |',
          '|---|---:|---:|---:|---:|---:|',
          ...p.results.map(
            (r) =>
              `| ${r.partitions} | ${r.rawUs.toFixed(2)} | ${r.baselineUs.toFixed(2)} | ${(r.rawUs / r.baselineUs).toFixed(2)}× | ${r.trainerUs.toFixed(2)} | ${(r.rawUs / r.trainerUs).toFixed(2)}× |`,
          ),
        ]
      : [
          '| partitions | raw (CPU µs/message) | trainer (CPU µs/message) | raw / trainer |',
          '|---|---:|---:|---:|',
          ...p.results.map((r) => `| ${r.partitions} | ${r.rawUs.toFixed(2)} | ${r.trainerUs.toFixed(2)} | ${(r.rawUs / r.trainerUs).toFixed(2)}× |`),
        ]),
    '',
    'Every round:',
    '',
    ...(p.baseline
      ? [
          '| partitions | round | raw (samples/s) | trainer before (samples/s) | trainer after (samples/s) | snapshots before / after |',
          '|---|---:|---:|---:|---:|---:|',
          ...p.results.flatMap((r) =>
            r.raw.map((raw, i) => `| ${r.partitions} | ${i + 1} | ${int(raw.rate)} | ${int(r.baseline[i].rate)} | ${int(r.trainer[i].rate)} | ${r.baseline[i].versions} / ${r.trainer[i].versions} |`),
          ),
        ]
      : [
          '| partitions | round | raw (samples/s) | trainer (samples/s) | snapshots published |',
          '|---|---:|---:|---:|---:|',
          ...p.results.flatMap((r) => r.raw.map((raw, i) => `| ${r.partitions} | ${i + 1} | ${int(raw.rate)} | ${int(r.trainer[i].rate)} | ${r.trainer[i].versions} |`)),
        ]),
    '',
  ];
  if (p.profile !== null) {
    lines.push(
      '## Where the trainer\'s time goes',
      '',
      `One more trainer run on the 1-partition topic under \`node --cpu-prof\` (${int(p.profile.rate)} samples/s with the profiler on),`,
      'summarised by `bench/pipeline/profile.mjs`: a profile sample counts for snapshots (or the model gauges, or the',
      'feature-name dictionary) when such a frame is anywhere on its stack, and otherwise for the innermost frame of a',
      'known part, so native leaves (JSON.parse, Math) count for their caller.',
      '',
      '| part | CPU ms | share of busy time | µs per message |',
      '|---|---:|---:|---:|',
      ...p.profile.parts.map((x) => `| ${x.part} | ${x.ms.toFixed(0)} | ${x.shareOfBusy === null ? '—' : `${(x.shareOfBusy * 100).toFixed(1)}%`} | ${x.usPerMessage === null ? '—' : x.usPerMessage.toFixed(2)} |`),
      '',
    );
  }
  return lines.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      messages: { type: 'string', default: '500000' },
      rounds: { type: 'string', default: '3' },
      partitions: { type: 'string', default: '1,2' },
      profile: { type: 'boolean' },
      'no-profile': { type: 'boolean' },
      'no-write': { type: 'boolean', default: false },
      baseline: { type: 'string' },
      'baseline-label': { type: 'string' },
    },
  });
  await runPipeline({
    messages: Number(values.messages),
    rounds: Number(values.rounds),
    partitions: values.partitions.split(',').map(Number),
    profile: values.profile ? true : values['no-profile'] ? false : 'auto',
    write: !values['no-write'],
    baseline: values.baseline === undefined ? null : { dir: values.baseline, label: values['baseline-label'] ?? values.baseline },
  });
}
