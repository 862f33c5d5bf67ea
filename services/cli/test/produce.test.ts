/**
 * `streamlr produce` as a child process against the real Kafka broker (KAFKA_BROKERS, default
 * 127.0.0.1:9092); unique topics, deleted afterwards.
 */
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { decodeEvent, decodeSample } from '@streamlr/protocol';
import { BROKERS, cli, tempDir, unique } from './helpers.js';

describe('streamlr produce on real Kafka', () => {
  const kafka = new Kafka({ brokers: BROKERS.split(','), clientId: 'produce-test', logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const topics: string[] = [];
  const dir = tempDir();
  const csv = join(dir, 'rows.csv');
  const topic = (): string => {
    const t = unique('streamlr-test-produce');
    topics.push(t);
    return t;
  };

  /** Every message of a topic, read with a throwaway group. */
  const consumeAll = async (name: string): Promise<{ key: string; value: string; partition: number }[]> => {
    const marks = await admin.fetchTopicOffsets(name);
    const expected = marks.reduce((n, m) => n + Number(m.high), 0);
    const consumer = kafka.consumer({ groupId: unique('produce-test-reader') });
    const out: { key: string; value: string; partition: number }[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic: name, fromBeginning: true });
    await new Promise<void>((resolve) => {
      if (expected === 0) resolve();
      void consumer.run({
        eachMessage: async ({ message, partition }) => {
          out.push({ key: message.key?.toString() ?? '', value: message.value?.toString() ?? '', partition });
          if (out.length >= expected) resolve();
        },
      });
    });
    await consumer.disconnect();
    return out;
  };

  before(async () => {
    const lines = ['label,country,amount'];
    for (let i = 0; i < 500; i++) lines.push(`${i % 2},${['US', 'FR', 'DE'][i % 3]},${i / 10}`);
    lines.splice(101, 0, '7,US,1'); // line 102: label not 0/1
    lines.splice(301, 0, 'x,FR,2'); // line 302
    writeFileSync(csv, `${lines.join('\n')}\n`);
    await admin.connect();
  });

  after(async () => {
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.disconnect();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends every good row as a sample keyed by its line number and reports bad rows by line', async () => {
    const name = topic();
    const result = await cli(['produce', '--data', csv, '--topic', name, '--partitions', '2', '--batch-size', '64']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^produced 500 samples to \S+ \(2 partitions\) in [\d.]+ s \([\d.k]+ msgs\/s\); 2 bad rows not sent \(bad_label 2\)\n$/);
    assert.match(result.stderr, /rows\.csv:102: bad_label \(label\)/);
    assert.match(result.stderr, /rows\.csv:302: bad_label \(label\)/);
    const messages = await consumeAll(name);
    assert.equal(messages.length, 500);
    assert.deepEqual(new Set(messages.map((m) => m.partition)), new Set([0, 1]));
    const byKey = new Map(messages.map((m) => [m.key, decodeSample(m.value)]));
    assert.equal(byKey.size, 500);
    assert.deepEqual(byKey.get('2'), { label: 0, features: { country: 'US', amount: 0 }, weight: 1 });
    assert.deepEqual(byKey.get('103'), { label: 0, features: { country: 'FR', amount: 10 }, weight: 1 }); // row 100, after the bad line 102
    assert.equal(byKey.has('102'), false);
  });

  it('--as events --limit N sends the first N rows as events', async () => {
    const name = topic();
    const result = await cli(['produce', '--data', csv, '--topic', name, '--as', 'events', '--limit', '50']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^produced 50 events to /);
    const messages = await consumeAll(name);
    assert.equal(messages.length, 50);
    const event = decodeEvent(messages.find((m) => m.key === '3')!.value);
    assert.deepEqual(event, { label: 1, features: { country: 'FR', amount: 0.1 }, weight: 1 });
  });

  it('--rate paces the sends', async () => {
    const name = topic();
    // 60 messages at 100/s take at least about half a second however fast the broker is.
    const result = await cli(['produce', '--data', csv, '--topic', name, '--rate', '100', '--limit', '60']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^produced 60 samples/);
    assert.ok(result.seconds >= 0.5, `took ${result.seconds} s`);
  });

  it('bad flags and unreadable files give one line and a non-zero exit', async () => {
    for (const [args, pattern, code] of [
      [['produce', '--topic', 't'], /^streamlr produce: --data \(STREAMLR_DATA\): required\n$/, 2],
      [['produce', '--data', csv, '--topic', 't', '--rate=-5'], /^streamlr produce: --rate \(STREAMLR_RATE\): must be > 0, got -5\n$/, 2],
      [['produce', '--data', csv, '--topic', 't', '--as', 'things'], /^streamlr produce: --as \(STREAMLR_AS\): must be one of samples, events, got 'things'\n$/, 2],
      [['produce', '--data', join(dir, 'missing.csv'), '--topic', 't'], /^streamlr produce: .*missing\.csv: cannot read: ENOENT/, 1],
      [['produce', '--data', join(dir, 'rows.parquet'), '--topic', 't'], /^streamlr produce: --format: cannot tell the format/, 2],
      [['produce', '--data', csv, '--topic', 't', '--bogus'], /^streamlr produce: unknown option '--bogus'/, 2],
    ] as const) {
      const result = await cli(args);
      assert.equal(result.code, code, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, pattern);
      assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
      assert.equal(result.stdout, '');
    }
  });
});
