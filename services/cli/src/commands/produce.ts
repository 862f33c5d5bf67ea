import { basename } from 'node:path';
import { createProgress, formatCount, formatRate } from '@streamlr/metrics';
import { encodeEvent, encodeSample, readRecordBatches, type EncodeError, type Sample, type ScoreEvent } from '@streamlr/protocol';
import { KAFKA_SETTINGS, KafkaTransport, kafkaOptions, type OutgoingRecord, type SettingSpecs } from '@streamlr/stream';
import { guarded, helpText, interruptFlag, parseFlags } from '../cli.js';
import type { Command } from '../command.js';
import { BadRows, countRows, DATA_SETTINGS, recordFormat } from '../records.js';

export const PRODUCE_SETTINGS = {
  ...DATA_SETTINGS,
  topic: { type: 'string', required: true, help: 'Kafka topic to send to (created when missing)' },
  as: { type: 'string', choices: ['samples', 'events'], default: 'samples', help: 'samples need a label; events keep one when present (held-out scoring)' },
  rate: { type: 'number', min: 0, minExclusive: true, help: 'at most N messages per second (default: as fast as the broker takes them)' },
  limit: { type: 'integer', min: 1, help: 'stop after sending N messages' },
  partitions: { type: 'integer', min: 1, default: 1, help: 'partitions of the topic when it is created (one keeps the file order for a trainer)' },
  // kafkajs groups a request's messages by partition in time quadratic in their number
  // (groupMessagesPerPartition copies the list per message): ~1,000 per request is the sweet spot.
  batchSize: { type: 'integer', min: 1, max: 100_000, default: 1_000, help: 'messages per produce request' },
  batchBytes: { type: 'integer', min: 1024, default: 512 * 1024, help: 'bytes per produce request (below the broker\'s message.max.bytes)' },
  inFlight: { type: 'integer', min: 1, max: 32, default: 4, help: 'produce requests awaiting acknowledgement at once' },
  ...KAFKA_SETTINGS,
} as const satisfies SettingSpecs;

const HELP = helpText({
  usage: 'streamlr produce --data FILE --topic T [--label COL] [--as samples|events] [--rate N] [--limit N] [--partitions N]',
  description: [
    'Sends the rows of a records file to a Kafka topic as section-4 JSON messages (one per row), keyed',
    'by the row\'s id, or by its line number when it has none. Bad rows are reported with their line',
    'number on stderr, counted, and not sent. Progress on stderr; the final count on stdout.',
  ].join('\n'),
  specs: PRODUCE_SETTINGS,
  examples: [
    ['the movielens samples, as fast as the broker takes them', 'streamlr produce --data data/movielens.csv --topic streamlr.samples'],
    ['events to score, 1,000 per second, the first 50,000 rows', 'streamlr produce --data data/movielens.csv --topic streamlr.events --as events --rate 1000 --limit 50000'],
    ['JSON lines to a 6-partition topic on another cluster', 'KAFKA_BROKERS=kafka-1:9092,kafka-2:9092 streamlr produce --data clicks.jsonl --topic clicks --partitions 6'],
  ],
});

export interface ProduceSummary {
  readonly sent: number;
  readonly bad: number;
  readonly seconds: number;
  readonly stopped: boolean;
}

export const produceCommand: Command = {
  name: 'produce',
  summary: 'send a records file to a Kafka topic as sample or event messages',
  help: HELP,
  run: (argv) => guarded('produce', () => produce(argv)),
};

async function produce(argv: readonly string[]): Promise<number> {
  const flags = parseFlags(PRODUCE_SETTINGS, argv);
  const format = recordFormat(flags.data, flags.format);
  // Fewer client retries than a service: an unreachable broker is reported in seconds, not a minute.
  const transport = new KafkaTransport({ ...kafkaOptions(flags), retries: 4 });
  const rows = await countRows(flags.data, format);
  const total = flags.limit === undefined ? rows : Math.min(rows, flags.limit);
  // Open the file before connecting: a missing file fails at once, not after the broker handshake.
  const batches = readRecordBatches(flags.data, { format, label: flags.label, as: flags.as === 'events' ? 'events' : 'samples' });
  const first = await batches.next();

  const admin = transport.admin();
  const producer = transport.producer();
  await admin.connect();
  try {
    await admin.ensureTopic(flags.topic, flags.partitions);
    const partitions = (await admin.watermarks(flags.topic)).length;
    if (partitions !== flags.partitions && argv.some((a) => a.startsWith('--partitions'))) {
      process.stderr.write(`streamlr produce: topic ${flags.topic} already exists with ${partitions} partition(s); --partitions applies only when it is created\n`);
    }
    await producer.connect();
    const bad = new BadRows(basename(flags.data), 'produce');
    const progress = createProgress({ total, label: `produce → ${flags.topic}` });
    const interrupt = interruptFlag();
    const encode = flags.as === 'events' ? (s: Sample | ScoreEvent) => encodeEvent(s as ScoreEvent) : (s: Sample | ScoreEvent) => encodeSample(s as Sample);
    // With --rate, requests are small enough that a burst is at most ~50 ms of the rate.
    const perRequest = flags.rate === undefined ? flags.batchSize : Math.max(1, Math.min(flags.batchSize, Math.ceil(flags.rate / 20)));
    const started = performance.now();
    const inFlight: Promise<void>[] = [];
    let sent = 0;
    let queued = 0;
    let pending: OutgoingRecord[] = [];
    let pendingBytes = 0;

    const flush = async (): Promise<void> => {
      if (pending.length === 0) return;
      const records = pending;
      pending = [];
      pendingBytes = 0;
      if (flags.rate !== undefined) {
        // Pace by what was queued so far: the request goes out when the rate allows it.
        const due = started + ((queued - records.length) / flags.rate) * 1000;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      }
      const request = producer.send(flags.topic, records).then(() => {
        sent += records.length;
        progress.tick(records.length);
      });
      inFlight.push(request);
      if (inFlight.length >= flags.inFlight) await inFlight.shift();
    };

    try {
      let batch = first;
      outer: while (batch.done !== true) {
        for (const row of batch.value) {
          if (row.error !== undefined) {
            bad.report(row.line, row.error);
            continue;
          }
          if (flags.limit !== undefined && queued >= flags.limit) break outer;
          let value: Buffer;
          try {
            value = encode(row.sample);
          } catch (error) {
            bad.report(row.line, error as EncodeError);
            continue;
          }
          pending.push({ key: row.sample.id ?? String(row.line), value });
          pendingBytes += value.length;
          queued++;
          if (pending.length >= perRequest || pendingBytes >= flags.batchBytes) await flush();
        }
        if (interrupt.stopped) break;
        batch = await batches.next();
      }
      await flush();
      await Promise.all(inFlight);
    } finally {
      interrupt.dispose();
      progress.done();
      await batches.return(undefined);
    }
    const seconds = (performance.now() - started) / 1000;
    const summary: ProduceSummary = { sent, bad: bad.count, seconds, stopped: interrupt.stopped };
    const badText = bad.summary('not sent');
    process.stdout.write(
      `produced ${formatCount(summary.sent)} ${flags.as} to ${flags.topic} (${partitions} partition${partitions === 1 ? '' : 's'}) ` +
        `in ${seconds.toFixed(1)} s (${formatRate(sent / Math.max(seconds, 1e-9))} msgs/s)` +
        `${badText === '' ? '' : `; ${badText}`}${interrupt.stopped ? '; stopped early' : ''}\n`,
    );
    return interrupt.stopped ? 130 : 0;
  } finally {
    await producer.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
}
