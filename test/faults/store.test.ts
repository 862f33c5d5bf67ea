// Faults 4 and 9: Redis restarted (from an older copy, or empty) and Redis unreachable during
// snapshots. Each test runs its OWN redis-server on a free port (the shared one is never touched)
// and the real Kafka broker.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  caughtUp,
  checkCounting,
  drainThenStop,
  faultSuite,
  figure,
  latestMeta,
  megabytes,
  metric,
  nextVersion,
  oracleFigures,
  produceCounting,
  seconds,
  sleep,
  stop,
  stopCleanly,
  trainer,
  until,
} from './harness.js';
import { OwnRedis } from './own-redis.js';

// The trainers' Redis, restarted and emptied by these tests (the suite destroys it at the end).
const redis = await OwnRedis.start();
const { kafka, admin, producer, store, newTopic } = faultSuite(redis);

describe('fault 4: Redis restarted', () => {
  test('restarted from an older copy while the trainer was down: the restart detects the older snapshot and re-applies from its offsets', async () => {
    const { topic, model } = await newTopic('redis-older', 2);
    await produceCounting(producer, topic, { partitions: 2, count: 6_000, badEvery: 2_500 });
    const first = trainer({ topic, model, redis: redis.url, snapshotEvery: 2_000 });
    await caughtUp(admin, store, topic, model, first);
    await redis.saveAs('older.rdb');
    const older = await latestMeta(store, model);
    await produceCounting(producer, topic, { partitions: 2, from: 6_000, count: 6_000, badEvery: 2_500 });
    await drainThenStop(admin, store, topic, model, first);
    // Redis loses everything since the older copy; Kafka's commits are ahead of it now.
    await redis.stop('kill');
    redis.useData('older.rdb');
    await redis.start();
    assert.equal(await store.latestVersion(model), older.version);
    const startedAt = Date.now();
    const second = trainer({ topic, model, redis: redis.url, snapshotEvery: 2_000 });
    const url = await second.url();
    await caughtUp(admin, store, topic, model, second);
    const recovery = Date.now() - startedAt;
    const warned = second.logged('the group committed past the snapshot (snapshot lost or older): re-applying from the snapshot');
    const anomalies = await metric(url, 'streamlr_trainer_offset_anomalies_total');
    const reapplied = await metric(url, 'streamlr_trainer_samples_total');
    await stopCleanly(second);
    assert.equal(warned.length, 2, 'one warning per partition');
    assert.equal(anomalies, 2);
    const report = await checkCounting(kafka, store, topic, model);
    figure('Redis restarted from an older copy', {
      trials: 1,
      ...oracleFigures(report),
      olderSnapshotAt: older.samplesSeen,
      reapplied: reapplied ?? -1,
      peakRSS: megabytes(Math.max(first.peakRss(), second.peakRss())),
      recovery: seconds(recovery),
    });
  });

  test('restarted empty under a running trainer: it stops loudly; the restart retrains from the log start', async () => {
    const { topic, model } = await newTopic('redis-empty', 2);
    await produceCounting(producer, topic, { partitions: 2, count: 5_000, badEvery: 2_000 });
    const first = trainer({ topic, model, redis: redis.url, snapshotEvery: 2_000 });
    await caughtUp(admin, store, topic, model, first);
    await redis.stop('kill');
    redis.useData(null);
    await redis.start();
    // More samples: the running trainer has something to publish into the empty store.
    await produceCounting(producer, topic, { partitions: 2, from: 5_000, count: 1_000 });
    const code = await Promise.race([first.exited, sleep(30_000).then(() => 'still running')]);
    assert.notEqual(code, 'still running', 'the trainer did not notice that the store lost its model');
    assert.equal(code, 3);
    assert.ok(first.logged('trainer failed').some((l) => String(l['error']).includes('epoch went back')), first.lines.slice(-3).join('\n'));
    const startedAt = Date.now();
    const second = trainer({ topic, model, redis: redis.url, snapshotEvery: 2_000 });
    await caughtUp(admin, store, topic, model, second);
    const recovery = Date.now() - startedAt;
    await stopCleanly(second);
    const report = await checkCounting(kafka, store, topic, model);
    figure('Redis restarted empty', {
      trials: 1,
      ...oracleFigures(report),
      firstExit: code,
      peakRSS: megabytes(Math.max(first.peakRss(), second.peakRss())),
      recovery: seconds(recovery),
    });
  });

  test('an older snapshot (or none) whose records retention deleted: the trainer stops loudly (exit 4), never jumps ahead', async () => {
    const { topic, model } = await newTopic('redis-gone', 1);
    await produceCounting(producer, topic, { partitions: 1, count: 4_000 });
    const first = trainer({ topic, model, redis: redis.url, snapshotEvery: 1_000 });
    await caughtUp(admin, store, topic, model, first);
    await redis.saveAs('gone.rdb');
    await produceCounting(producer, topic, { partitions: 1, from: 4_000, count: 4_000 });
    await drainThenStop(admin, store, topic, model, first);
    // Retention removes the records the older snapshot would continue from.
    await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '6000' }] });
    const codes: (number | string)[] = [];
    for (const data of ['gone.rdb', null] as const) {
      await redis.stop('kill');
      redis.useData(data);
      await redis.start();
      const second = trainer({ topic, model, redis: redis.url });
      const code = await Promise.race([second.exited, sleep(30_000).then(() => 'still running')]);
      if (code === 'still running') await stop(second);
      assert.equal(code, 4, `${data ?? "empty store"}: ${second.lines.slice(-40).join('\n')}`);
      assert.ok(second.logged('trainer failed').some((l) => String(l['error']).includes('log starts at 6000')), second.lines.slice(-3).join('\n'));
      codes.push(code);
    }
    // The way out the message names: --reset retrains from what the log still holds.
    const reset = trainer({ topic, model, redis: redis.url, extra: ['--reset'] });
    await drainThenStop(admin, store, topic, model, reset);
    assert.equal((await latestMeta(store, model)).samplesSeen, 2_000);
    figure('snapshot older than the log start', { trials: 2, lost: 0, double: 0, dlq: 0, exits: codes.join(','), peakRSS: megabytes(first.peakRss()), recovery: 'refuses (exit 4); --reset retrains from the log start' });
  });
});

describe('fault 9: Redis unreachable during snapshots', () => {
  test('training pauses (heartbeats go on), memory stays bounded, and it catches up when Redis is back', async () => {
    const { topic, model } = await newTopic('redis-down', 2);
    await produceCounting(producer, topic, { partitions: 2, count: 5_000, badEvery: 3_000 });
    const service = trainer({ topic, model, redis: redis.url, snapshotEvery: 2_000 });
    const url = await service.url();
    await caughtUp(admin, store, topic, model, service);
    const rssBefore = service.rss();
    await redis.stop('save');
    const downAt = Date.now();
    // Samples keep arriving during the outage; the trainer must not buffer them.
    await produceCounting(producer, topic, { partitions: 2, from: 5_000, count: 40_000, badEvery: 3_000 });
    let rssDuring = 0;
    await until('the trainer reports it is paused', async () => (await metric(url, 'streamlr_trainer_paused')) === 1, 20_000, 100);
    while (Date.now() - downAt < 10_000) {
      rssDuring = Math.max(rssDuring, service.rss());
      assert.equal(service.child.exitCode, null, `the trainer exited during the outage:\n${service.lines.slice(-8).join('\n')}`);
      await sleep(100);
    }
    const failures = await metric(url, 'streamlr_trainer_snapshot_failures_total');
    const learnedDuring = await metric(url, 'streamlr_trainer_samples_total');
    await redis.start();
    const backAt = Date.now();
    const before = (await store.latestVersion(model)) ?? 0;
    await nextVersion(store, model, before, service);
    const recovery = Date.now() - backAt;
    await caughtUp(admin, store, topic, model, service);
    assert.equal(await metric(url, 'streamlr_trainer_paused'), 0);
    const rebalances = await metric(url, 'streamlr_trainer_rebalances_total');
    await stopCleanly(service);
    assert.equal(rebalances, 1, 'the member stayed in the group through the outage');
    // Paused means paused: at most one snapshot's worth of samples was learned after the store went away.
    assert.ok(learnedDuring !== undefined && learnedDuring <= 10_000 + 2 * 2_000 + 2, `learned ${learnedDuring} samples with the store down`);
    const report = await checkCounting(kafka, store, topic, model);
    figure('Redis unreachable during snapshots', {
      trials: 1,
      ...oracleFigures(report),
      outage: seconds(backAt - downAt),
      failedPublishes: failures ?? 0,
      rss: `${megabytes(rssBefore)}→${megabytes(rssDuring)}`,
      peakRSS: megabytes(service.peakRss()),
      recovery: seconds(recovery),
    });
  });

  test('an outage that begins while the trainer is idle with unpublished samples: it still pauses and recovers', async () => {
    const { topic, model } = await newTopic('redis-down-idle', 1);
    // Time-only snapshots every 3 s: after these samples are learned, a snapshot is due while nothing else arrives.
    const service = trainer({ topic, model, redis: redis.url, snapshotEvery: 0, snapshotInterval: 3 });
    const url = await service.url();
    await until('assigned', () => service.logged('assigned').length > 0, 60_000, 50);
    await produceCounting(producer, topic, { partitions: 1, count: 2_000 });
    await until('learned', async () => (await metric(url, 'streamlr_trainer_samples_total')) === 2_000, 20_000, 50);
    await redis.stop('save');
    const downAt = Date.now();
    await sleep(4_000);
    // More samples during the outage: a batch waits behind the idle-time snapshot.
    await produceCounting(producer, topic, { partitions: 1, from: 2_000, count: 2_000 });
    while (Date.now() - downAt < 12_000) {
      assert.equal(service.child.exitCode, null, `the trainer exited during the outage:\n${service.lines.slice(-8).join('\n')}`);
      await sleep(100);
    }
    await redis.start();
    const backAt = Date.now();
    await caughtUp(admin, store, topic, model, service, 60_000);
    const recovery = Date.now() - backAt;
    const rebalances = (await metric(url, 'streamlr_trainer_rebalances_total')) ?? 0;
    await stopCleanly(service);
    // The case under test: no heartbeat while the idle-time snapshot waited, so the session expired and the member rejoined.
    assert.ok(rebalances >= 2, `the member was never dropped from the group (rebalances ${rebalances})`);
    const report = await checkCounting(kafka, store, topic, model);
    figure('Redis unreachable while idle', {
      trials: 1,
      ...oracleFigures(report),
      outage: seconds(backAt - downAt),
      rejoins: rebalances - 1,
      peakRSS: megabytes(service.peakRss()),
      recovery: seconds(recovery),
    });
  });
});
