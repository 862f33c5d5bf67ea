// Faults 5–7: the consumer group. A zombie trainer (SIGSTOP past the session timeout) woken after
// a second trainer took over; a batch slower than the session timeout; SIGTERM in the middle of a
// batch. Real Kafka, real Redis, the real `streamlr trainer`.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  caughtUp,
  checkCounting,
  countingSnapshot,
  drainThenStop,
  faultSuite,
  figure,
  megabytes,
  metric,
  nextVersion,
  oracleFigures,
  produceCounting,
  produceTo,
  sampleId,
  seconds,
  sleep,
  stopCleanly,
  trainer,
} from './harness.js';

const { kafka, admin, producer, store, newTopic } = faultSuite();
const SESSION_TIMEOUT_MS = 6_000;

/** `count` counting samples of partition 0 in ONE send: one record batch, so one fetch hands the trainer all of them. */
async function oneBatch(topic: string, count: number, from = 0): Promise<void> {
  const values = Array.from({ length: count }, (_, i) => JSON.stringify({ id: sampleId(0, from + i) }));
  await produceTo(producer, topic, 0, values, count);
}

describe('fault 5: a zombie trainer (SIGSTOP past the session timeout)', () => {
  test('a second trainer takes over; the woken zombie\'s publish is refused by the epoch fence; counts stay exactly once', async () => {
    const { topic, model } = await newTopic('zombie', 2);
    await produceCounting(producer, topic, { partitions: 2, count: 15_000, badEvery: 4_000 });
    // Slowed (0.2 ms a sample), so it is in the middle of a batch, with unpublished work, when stopped.
    const zombie = trainer({ topic, model, env: { STREAMLR_FAULT_SLOW_MS: '0.2' } });
    const first = await nextVersion(store, model, 0, zombie);
    await sleep(300);
    zombie.child.kill('SIGSTOP');
    const stoppedAt = Date.now();
    const successor = trainer({ topic, model });
    const taken = await nextVersion(store, model, first, successor, 60_000);
    const takeover = Date.now() - stoppedAt;
    const takenMeta = (await store.getMeta(model, taken))!;
    assert.ok(takenMeta.epoch > (await store.getMeta(model, first))!.epoch, 'the successor writes under a newer epoch');
    zombie.child.kill('SIGCONT');
    const wokeAt = Date.now();
    const code = await Promise.race([zombie.exited, sleep(30_000).then(() => 'still running')]);
    const fenced = zombie.lines.some((l) => l.includes('epoch fenced'));
    assert.equal(code, 3, `the zombie should stop with exit 3 (fenced):\n${zombie.lines.slice(-6).join('\n')}`);
    const zombieStopped = Date.now() - wokeAt;
    // Nothing the zombie did reached the store: every version after the takeover is the successor's.
    for (const meta of await store.list(model)) if (meta.version >= taken) assert.equal(meta.epoch, takenMeta.epoch, `version ${meta.version} by epoch ${meta.epoch}`);
    await produceCounting(producer, topic, { partitions: 2, from: 15_000, count: 2_000, badEvery: 4_000 });
    await drainThenStop(admin, store, topic, model, successor);
    const report = await checkCounting(kafka, store, topic, model);
    figure('SIGSTOP zombie', {
      trials: 1,
      ...oracleFigures(report),
      zombieExit: code,
      zombiePublishRefused: fenced ? 1 : 0,
      peakRSS: megabytes(Math.max(zombie.peakRss(), successor.peakRss())),
      recovery: `${seconds(takeover)}(takeover) ${seconds(zombieStopped)}(zombie stops after SIGCONT)`,
    });
  });
});

describe('fault 6: a batch slower than the session timeout', () => {
  test('heartbeats between steps keep the member in the group: no rebalance, nothing processed twice', async () => {
    const { topic, model, group } = await newTopic('slow-batch', 1);
    const records = 8_000;
    await oneBatch(topic, records);
    // 1 ms a sample: the one batch of 8,000 takes > 8 s, beyond the 6 s session timeout.
    const service = trainer({ topic, model, snapshotEvery: 0, snapshotInterval: 1, env: { STREAMLR_FAULT_SLOW_MS: '1' } });
    const url = await service.url();
    await nextVersion(store, model, 0, service);
    const startedAt = Date.now();
    const members = new Set<string>();
    const states = new Set<string>();
    const watching = (async () => {
      while (service.child.exitCode === null) {
        const { groups } = await admin.describeGroups([group]);
        for (const m of groups[0]?.members ?? []) members.add(m.memberId);
        if (groups[0]?.state !== undefined) states.add(groups[0].state);
        const meta = await store.getMeta(model, (await store.latestVersion(model)) ?? 1);
        if (meta?.offsets[`${topic}/0`] === String(records)) return;
        await sleep(500);
      }
    })();
    await caughtUp(admin, store, topic, model, service, 60_000);
    const batchMs = Date.now() - startedAt;
    await watching;
    const rebalances = await metric(url, 'streamlr_trainer_rebalances_total');
    const skipped = await metric(url, 'streamlr_trainer_skipped_messages_total');
    await stopCleanly(service);
    assert.ok(batchMs > SESSION_TIMEOUT_MS, `the batch took ${batchMs} ms, not longer than the session timeout`);
    assert.equal(members.size, 1, `one member throughout, saw ${[...members].join(', ')}`);
    assert.deepEqual([...states], ['Stable']);
    assert.equal(rebalances, 1, 'only the first assignment');
    assert.equal(skipped, 0, 'nothing fetched again');
    const report = await checkCounting(kafka, store, topic, model);
    figure('batch slower than the session timeout', {
      trials: 1,
      ...oracleFigures(report),
      batch: `${seconds(batchMs)}>${seconds(SESSION_TIMEOUT_MS)}`,
      rebalances: rebalances ?? -1,
      peakRSS: megabytes(service.peakRss()),
      recovery: 'n/a',
    });
  });
});

describe('fault 7: SIGTERM in the middle of a batch', () => {
  test('final snapshot and commit of exactly what was applied; no unprocessed offset resolved; a restart finishes the rest', async () => {
    const { topic, model, group } = await newTopic('sigterm', 1);
    const records = 8_000;
    await oneBatch(topic, records);
    // Snapshots by count only (every 2,500): SIGTERM lands in the step after the first one, so
    // the final snapshot at SIGTERM has work of its own to publish and commit.
    const service = trainer({ topic, model, snapshotEvery: 2_500, snapshotInterval: 0, env: { STREAMLR_FAULT_SLOW_MS: '1' } });
    const first = await nextVersion(store, model, 0, service);
    await sleep(500);
    const signalledAt = Date.now();
    service.child.kill('SIGTERM');
    assert.equal(await service.exited, 0, service.lines.slice(-10).join('\n'));
    const stopMs = Date.now() - signalledAt;
    const snapshot = await countingSnapshot(store, model);
    assert.ok(snapshot.version > first, 'a final snapshot was published');
    assert.ok((await store.getMeta(model, snapshot.version))!.createdAt >= signalledAt, 'the final snapshot was taken at SIGTERM');
    const position = Number(snapshot.offsets[`${topic}/0`]);
    assert.ok(position > 0 && position < records, `stopped mid-batch (position ${position} of ${records})`);
    const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    assert.equal(committed!.partitions[0]!.offset, String(position), 'Kafka commit = the final snapshot\'s position');
    // Exactly the records below the position are in the model, each once; none above it.
    for (let i = 0; i < records; i++) assert.equal(snapshot.counts.get(sampleId(0, i)), i < position ? 1 : undefined, `sample ${i}`);
    const restart = trainer({ topic, model });
    await drainThenStop(admin, store, topic, model, restart);
    const report = await checkCounting(kafka, store, topic, model);
    figure('SIGTERM mid-batch', {
      trials: 1,
      ...oracleFigures(report),
      stoppedAt: `${position}/${records}`,
      peakRSS: megabytes(Math.max(service.peakRss(), restart.peakRss())),
      recovery: `${seconds(stopMs)}(SIGTERM to exit)`,
    });
  });
});
