// The ceiling the trainer is measured against: a raw kafkajs consumer that decodes each message
// with the same decoder (tryDecodeSample: JSON.parse + validation) and discards it. Same consumer
// settings as the trainer's transport (packages/stream/src/kafka.ts): autoCommit off,
// eachBatchAutoResolve off, offsets resolved per batch, 1 MiB per partition, 500 ms fetch wait.
//
//   node bench/pipeline/raw-consumer.mjs --topic T --group G --messages N
//
// Prints one JSON line: seconds from group join to the N-th decoded message, rate, peak RSS, and
// the process's CPU seconds over the same span.
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { tryDecodeSample } from '@streamlr/protocol';

const { values } = parseArgs({ options: { topic: { type: 'string' }, group: { type: 'string' }, messages: { type: 'string' } } });
const n = Number(values.messages);
const kafka = new Kafka({ clientId: 'streamlr-bench-raw', brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','), logLevel: logLevel.NOTHING });
const consumer = kafka.consumer({
  groupId: values.group,
  sessionTimeout: 30_000,
  heartbeatInterval: 3_000,
  maxBytesPerPartition: 1_048_576,
  maxWaitTimeInMs: 500,
  allowAutoTopicCreation: false,
});
let joinedAt = 0;
let count = 0;
let invalid = 0;
let finish;
const finished = new Promise((resolve) => (finish = resolve));
let cpuAtJoin = { user: 0, system: 0 };
consumer.on(consumer.events.GROUP_JOIN, () => {
  joinedAt = performance.now();
  cpuAtJoin = process.cpuUsage();
});
await consumer.connect();
await consumer.subscribe({ topics: [values.topic], fromBeginning: true });
await consumer.run({
  autoCommit: false,
  eachBatchAutoResolve: false,
  partitionsConsumedConcurrently: 1,
  eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning }) => {
    for (const message of batch.messages) {
      if (!isRunning()) break;
      if (!tryDecodeSample(message.value).ok) invalid++;
      count++;
    }
    const last = batch.messages.at(-1);
    if (last !== undefined) resolveOffset(last.offset);
    await heartbeat();
    if (count >= n) finish({ end: performance.now(), cpu: process.cpuUsage(cpuAtJoin) });
  },
});
const { end, cpu: consumingCpu } = await finished;
await consumer.disconnect();
const cpu = process.cpuUsage();
process.stdout.write(
  `${JSON.stringify({
    messages: count,
    invalid,
    seconds: (end - joinedAt) / 1000,
    rate: n / ((end - joinedAt) / 1000),
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    // CPU of this process from group join to the last message: less moved by other work on the machine than the rate.
    consumingCpuSeconds: (consumingCpu.user + consumingCpu.system) / 1e6,
  })}\n`,
);
