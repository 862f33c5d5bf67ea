/**
 * `streamlr produce` → `streamlr replay` → `streamlr model export` → `streamlr evaluate`, as child
 * processes against the real Kafka broker and Redis: the movielens train split goes to a topic, is
 * replayed for one and for three epochs into new model names, and both are scored on the test split.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { RedisModelStore } from '@streamlr/store';
import { BROKERS, cli, REDIS_URL, splitMovielens, tempDir, unique } from './helpers.js';

interface ReplaySummary {
  version: number;
  records: number;
  learned: number;
  epochs: { logloss: number }[];
  partitions: { partition: number; start: string; end: string }[];
  seconds: number;
  rate: number;
  groupId: string;
}

describe('streamlr replay on real Kafka and Redis', () => {
  const dir = tempDir();
  const kafka = new Kafka({ brokers: BROKERS.split(','), clientId: 'replay-cli-test', logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const store = new RedisModelStore({ url: REDIS_URL });
  const topic = unique('streamlr-test-replay-cli');
  const models: string[] = [];
  let split: Awaited<ReturnType<typeof splitMovielens>>;

  const replayAndScore = async (epochs: number): Promise<{ summary: ReplaySummary; logloss: number }> => {
    const model = unique('cli-replay');
    models.push(model);
    const replayed = await cli(['replay', '--topic', topic, '--to-model', model, '--epochs', String(epochs), '--json']);
    assert.equal(replayed.code, 0, replayed.stderr);
    const summary = JSON.parse(replayed.stdout) as ReplaySummary;
    const out = join(dir, `${model}.bin`);
    const exported = await cli(['model', 'export', '--model', model, '--out', out]);
    assert.equal(exported.code, 0, exported.stderr);
    const evaluated = await cli(['evaluate', '--model', out, '--data', split.test, '--json']);
    assert.equal(evaluated.code, 0, evaluated.stderr);
    return { summary, logloss: (JSON.parse(evaluated.stdout) as { logloss: number }).logloss };
  };

  before(async () => {
    split = await splitMovielens(dir);
    await admin.connect();
    const produced = await cli(['produce', '--data', split.train, '--topic', topic, '--partitions', '2']);
    assert.equal(produced.code, 0, produced.stderr);
    process.stderr.write(`  ${produced.stdout}`);
  });

  after(async () => {
    for (const m of models) await store.deleteModel(m);
    await store.close();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
    rmSync(dir, { recursive: true, force: true });
  });

  it('three epochs score at least as well on held-out data as one pass', async () => {
    const one = await replayAndScore(1);
    const three = await replayAndScore(3);
    process.stderr.write(
      `  replay 1 epoch: held-out logloss ${one.logloss.toFixed(4)}, ${one.summary.seconds.toFixed(2)} s (${Math.round(one.summary.rate)} msgs/s)\n` +
        `  replay 3 epochs: held-out logloss ${three.logloss.toFixed(4)}, ${three.summary.seconds.toFixed(2)} s (${Math.round(three.summary.rate)} msgs/s)\n`,
    );
    assert.equal(one.summary.records, split.trainRows);
    assert.equal(one.summary.learned, split.trainRows);
    assert.equal(three.summary.learned, 3 * split.trainRows);
    assert.equal(three.summary.epochs.length, 3);
    assert.ok(three.logloss <= one.logloss, `3 epochs ${three.logloss} vs one pass ${one.logloss}`);
    assert.ok(one.logloss <= 0.5668 + 0.005, `one pass ${one.logloss}`);
    // The version's offsets are the end of the range, and the replay's group committed nothing.
    const marks = await admin.fetchTopicOffsets(topic);
    const meta = await store.getMeta(models[1]!, three.summary.version);
    assert.deepEqual(meta?.offsets, Object.fromEntries(marks.map((m) => [`${topic}/${m.partition}`, m.high])));
    const [committed] = await admin.fetchOffsets({ groupId: three.summary.groupId, topics: [topic] });
    assert.ok(committed?.partitions.every((p) => p.offset === '-1'));
    assert.match(three.summary.groupId, /^streamlr-replay\.cli-replay-/);
  });

  it('refuses a model that already has versions unless --allow-existing, and checks its flags', async () => {
    const model = models[0]!;
    const refused = await cli(['replay', '--topic', topic, '--to-model', model]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, new RegExp(`^streamlr replay: model '${model}' already has versions \\(latest 1\\)`));
    assert.equal(refused.stderr.trim().split('\n').length, 1);
    const later = new Date(Date.now() + 3_600_000).toISOString();
    for (const [args, pattern] of [
      [['--from-beginning', '--from-timestamp', '2025-01-01T00:00:00Z'], /--from-beginning and --from-timestamp: give one or the other/],
      [['--from-timestamp', 'yesterday'], /--from-timestamp: 'yesterday' is not an ISO date\/time/],
      [['--from-timestamp', later, '--until-timestamp', '2025-01-01T00:00:00Z'], /--until-timestamp: must be after --from-timestamp/],
      [['--optimizer', 'sgd', '--beta', '1'], /--beta: applies to ftrl only/],
    ] as const) {
      const result = await cli(['replay', '--topic', topic, '--to-model', unique('never'), ...args]);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, pattern);
      assert.equal(result.stderr.trim().split('\n').length, 1);
    }
    const missing = await cli(['replay', '--topic', unique('no-such-topic'), '--to-model', unique('never')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^streamlr replay: topic '.*' does not exist\n$/);
    // An empty range (everything was written before the start time) is refused before reading.
    const empty = await cli(['replay', '--topic', topic, '--to-model', unique('never'), '--from-timestamp', later]);
    assert.equal(empty.code, 1);
    assert.match(empty.stderr, /the replay range holds no records/);

    const appended = await cli(['replay', '--topic', topic, '--to-model', model, '--allow-existing', '--until-timestamp', new Date().toISOString()]);
    assert.equal(appended.code, 0, appended.stderr);
    assert.match(appended.stdout, new RegExp(`^epoch 1/1: progressive logloss 0\\.\\d{4}`));
    assert.match(appended.stdout, new RegExp(`\\npublished ${model} v2: optimizer=ftrl .* 80,003 updates over 1 epoch of 80,003 records \\(2 partitions\\)`));
    assert.equal(await store.latestVersion(model), 2);
  });
});
