// Shared helpers of the end-to-end and fault tests: unique names, real Kafka topics, real Redis,
// and the `streamlr` command run as a child process (so kill -9 is a real crash).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import { RedisModelStore } from '@streamlr/store';

export const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const CLI = fileURLToPath(new URL('../../services/cli/bin/streamlr.js', import.meta.url));
export const DATA = fileURLToPath(new URL('../../data/', import.meta.url));

/** A name no other run uses: `<prefix>-<what>-<ms>-<random>`. */
export function unique(what: string, prefix = 'streamlr-test'): string {
  return `${prefix}-${what}-${Date.now()}-${randomUUID().slice(0, 6)}`;
}

export const kafka = new Kafka({ clientId: 'streamlr-test', brokers: BROKERS, logLevel: logLevel.NOTHING });

export async function createTopic(admin: Admin, topic: string, partitions = 1): Promise<void> {
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true });
}

/** Sends values in chunks (acks=all), keyed by index. */
export async function produceValues(producer: Producer, topic: string, values: readonly (string | Buffer)[], chunk = 2_000): Promise<void> {
  for (let i = 0; i < values.length; i += chunk) {
    await producer.send({
      topic,
      acks: -1,
      messages: values.slice(i, i + chunk).map((value, j) => ({ key: `k${i + j}`, value })),
    });
  }
}

export async function highWatermarks(admin: Admin, topic: string): Promise<Record<string, string>> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return Object.fromEntries(offsets.map((o) => [`${topic}/${o.partition}`, o.high]));
}

export function store(): RedisModelStore {
  return new RedisModelStore({ url: REDIS_URL });
}

export interface Service {
  readonly child: ChildProcess;
  readonly lines: string[];
  /** Resolves with the exit code (or the signal name). */
  readonly exited: Promise<number | string>;
}

/** Runs `streamlr <args>` as a child process, collecting its stdout/stderr lines. */
export function runCli(args: readonly string[], env: Record<string, string> = {}): Service {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, KAFKA_BROKERS: BROKERS.join(','), REDIS_URL, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let buffered = '';
  const collect = (chunk: Buffer): void => {
    buffered += chunk.toString('utf8');
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    lines.push(...parts);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<number | string>((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? signal ?? -1));
  });
  return { child, lines, exited };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function until<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 60_000, everyMs = 100): Promise<T> {
  const start = Date.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() - start > timeoutMs) throw new Error(`${what}: not reached after ${timeoutMs} ms`);
    await sleep(everyMs);
  }
}
