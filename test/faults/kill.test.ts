// Faults 1–3: the trainer process dies (kill -9) mid-batch, around the store's publish, and after
// a publish but before the Kafka commit. Real Kafka, real Redis, the real `streamlr trainer`.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeCheckpoint, decodeServing, seededRandom, ServingModel } from '@streamlr/model';
import {
  checkCounting,
  compareWithReplay,
  drainThenStop,
  faultSuite,
  figure,
  labelledSample,
  latestMeta,
  meanAndMax,
  megabytes,
  metric,
  nextVersion,
  oracleFigures,
  produceCounting,
  produceTo,
  readTopic,
  runCli,
  sampleId,
  scoringLoad,
  sleep,
  stop,
  stopCleanly,
  trainer,
} from './harness.js';

const { kafka, admin, producer, store, newTopic } = faultSuite();

describe('fault 1: kill -9 mid-batch', () => {
  test('ten kills at random points, a restart each time: every id applied exactly once, bad ones in the DLQ', async () => {
    const { topic, model } = await newTopic('kill', 2);
    const random = seededRandom(Number(process.env.STREAMLR_FAULTS_SEED ?? Date.now() % 1e9));
    // A backlog, and more samples arriving while the trainer crashes and restarts.
    await produceCounting(producer, topic, { partitions: 2, count: 40_000, badEvery: 5_000 });
    const producing = produceCounting(producer, topic, { partitions: 2, from: 40_000, count: 20_000, slice: 1_000, pauseMs: 300, badEvery: 5_000 });
    const recoveries: number[] = [];
    let unpublished = 0;
    let peak = 0;
    for (let trial = 0; trial < 10; trial++) {
      const before = (await store.latestVersion(model)) ?? 0;
      const startedAt = Date.now();
      // Slowed to ~0.1 ms a sample, so the kill lands while a batch is being worked through.
      const service = trainer({ topic, model, env: { STREAMLR_FAULT_SLOW_MS: '0.1' } });
      const url = await service.url();
      await nextVersion(store, model, before, service);
      recoveries.push(Date.now() - startedAt);
      const resumedFrom = before === 0 ? 0 : (await store.getMeta(model, before))!.samplesSeen;
      await sleep(Math.floor(random() * 800));
      // Learned by this process but not yet in a published snapshot: the work the kill throws away.
      const learned = (await metric(url, 'streamlr_trainer_samples_total')) ?? 0;
      service.child.kill('SIGKILL');
      assert.equal(await service.exited, 'SIGKILL');
      peak = Math.max(peak, service.peakRss());
      const latest = await latestMeta(store, model);
      unpublished += Math.max(0, learned - (latest.samplesSeen - resumedFrom));
    }
    await producing;
    const last = trainer({ topic, model });
    await drainThenStop(admin, store, topic, model, last);
    const report = await checkCounting(kafka, store, topic, model);
    figure('kill -9 mid-batch', {
      trials: 10,
      ...oracleFigures(report),
      dlqRepeats: report.dlqRepeats,
      redone: unpublished,
      peakRSS: megabytes(Math.max(peak, last.peakRss())),
      recovery: meanAndMax(recoveries),
    });
  });
});

/** Every stored version of `model`: both blobs pass the store's checksum, name the same version, and agree with each other and with the meta. */
async function verifyVersions(model: string): Promise<number> {
  const versions = await store.list(model);
  for (const meta of versions) {
    const [serving, checkpoint] = await Promise.all([store.getServing(model, meta.version), store.getCheckpoint(model, meta.version)]);
    const s = decodeServing(serving.data);
    const c = decodeCheckpoint(checkpoint.data);
    assert.equal(s.header.version, meta.version, `serving blob of version ${meta.version} says ${s.header.version}`);
    assert.equal(c.header.version, meta.version, `checkpoint blob of version ${meta.version} says ${c.header.version}`);
    assert.deepEqual(c.header.offsets, meta.offsets, `version ${meta.version}: checkpoint offsets vs meta`);
    assert.equal(c.learner.samplesSeen, meta.samplesSeen);
    const expected = ServingModel.fromLearner(c.learner, s.model.precision);
    assert.ok(Buffer.from(expected.weights.buffer).equals(Buffer.from(s.model.weights.buffer)), `version ${meta.version}: serving weights are not the checkpoint's`);
    assert.ok(Object.is(expected.bias, s.model.bias));
  }
  return versions.length;
}

describe('fault 2: kill -9 around the snapshot publish', () => {
  test('crash just before and just after the atomic publish script: the scorer never sees a torn or mismatched model; SGD weights = a clean replay, bit for bit', async () => {
    const { topic, model } = await newTopic('publish-crash', 1);
    const flags = ['--optimizer', 'sgd', '--bits', '16'];
    const random = seededRandom(7);
    const samples = Array.from({ length: 40_000 }, (_, i) => labelledSample(sampleId(0, i), random));
    await produceTo(producer, topic, 0, samples.slice(0, 10_000));
    const scorer = runCli(['scorer', '--model', model, '--http-only', '--port', '0', '--host', '127.0.0.1', '--poll-interval', '0.2']);
    const load = scoringLoad(store, await scorer.url(), model, samples.slice(0, 2_000).map((s) => JSON.parse(s) as { id: string; features: Record<string, string | number> }));
    const points = ['before-publish', 'after-publish', 'before-publish', 'after-publish'] as const;
    const recoveries: number[] = [];
    let peak = 0;
    for (const [trial, point] of points.entries()) {
      const before = (await store.latestVersion(model)) ?? 0;
      // More samples arrive between crashes.
      await produceTo(producer, topic, 0, samples.slice(10_000 + trial * 7_500, 17_500 + trial * 7_500));
      const startedAt = Date.now();
      const on = 1 + Math.floor(random() * 3);
      const service = trainer({ topic, model, learner: 'logistic', snapshotEvery: 2_000, extra: [...flags, '--keep', '1000'], env: { STREAMLR_FAULT_CRASH_AT: point, STREAMLR_FAULT_CRASH_ON: String(on) } });
      assert.equal(await service.exited, 'SIGKILL', service.lines.slice(-5).join('\n'));
      peak = Math.max(peak, service.peakRss());
      const after = (await store.latestVersion(model)) ?? 0;
      // before-publish: the crash's version never reached Redis; after-publish: it did.
      assert.equal(after - before, point === 'before-publish' ? on - 1 : on, `${point} #${on}: versions ${before} → ${after}`);
      recoveries.push(Date.now() - startedAt);
    }
    const last = trainer({ topic, model, learner: 'logistic', snapshotEvery: 2_000, extra: [...flags, '--keep', '1000'] });
    await drainThenStop(admin, store, topic, model, last);
    await sleep(500);
    await load.stop();
    await stopCleanly(scorer);
    const failed = scorer.logged('model load failed; the previous weights keep serving');
    assert.deepEqual(failed.map((l) => l['reason']), [], 'the scorer refused a model');
    assert.equal(load.figures.mismatched, 0, 'scores that are not their version\'s model');
    const versions = await verifyVersions(model);
    const log = await readTopic(kafka, topic);
    const { differing, samples: seen } = await compareWithReplay(store, model, flags, log);
    assert.equal(seen, log.length);
    assert.deepEqual(differing, [], 'learner state differs from a clean replay');
    figure('kill -9 around the publish script', {
      trials: points.length,
      produced: log.length,
      lost: 0,
      double: 0,
      dlq: 0,
      versionsChecked: versions,
      scorerRequests: load.figures.requests,
      scorerVersions: load.figures.versions.size,
      torn: failed.length,
      mismatched: load.figures.mismatched,
      stateBitsDiffering: differing.length,
      peakRSS: megabytes(Math.max(peak, last.peakRss())),
      recovery: meanAndMax(recoveries),
    });
  });
});

describe('fault 3: crash after the snapshot, before the Kafka commit', () => {
  test('the restart skips the records the snapshot holds but Kafka\'s committed offsets do not', async () => {
    const { topic, model, group } = await newTopic('commit-crash', 2);
    await produceCounting(producer, topic, { partitions: 2, count: 30_000, badEvery: 7_000 });
    let window = 0;
    let skipped = 0;
    let peak = 0;
    const recoveries: number[] = [];
    for (let trial = 0; trial < 3; trial++) {
      const service = trainer({ topic, model, snapshotEvery: 4_000, env: { STREAMLR_FAULT_CRASH_AT: 'after-publish', STREAMLR_FAULT_CRASH_ON: String(2 + trial) } });
      assert.equal(await service.exited, 'SIGKILL', service.lines.slice(-5).join('\n'));
      peak = Math.max(peak, service.peakRss());
      const meta = await latestMeta(store, model);
      const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
      // What Kafka believes was consumed trails the published snapshot: that gap would be applied twice without the snapshot's offsets.
      const gap = committed!.partitions.reduce((n, p) => n + Number(BigInt(meta.offsets[`${topic}/${p.partition}`] ?? '0') - BigInt(p.offset === '-1' ? '0' : p.offset)), 0);
      assert.ok(gap > 0, `the crash left Kafka's commits behind the snapshot (gap ${gap})`);
      window += gap;
      // The restart: it must resume at the snapshot's offsets, not at the committed ones.
      const startedAt = Date.now();
      const restart = trainer({ topic, model, snapshotEvery: 4_000 });
      const url = await restart.url();
      await nextVersion(store, model, meta.version, restart);
      recoveries.push(Date.now() - startedAt);
      skipped += (await metric(url, 'streamlr_trainer_skipped_messages_total')) ?? 0;
      if (trial < 2) {
        restart.child.kill('SIGKILL');
        await restart.exited;
      } else {
        await drainThenStop(admin, store, topic, model, restart);
      }
      peak = Math.max(peak, restart.peakRss());
    }
    const report = await checkCounting(kafka, store, topic, model);
    figure('crash after publish, before commit', {
      trials: 3,
      ...oracleFigures(report),
      replayWindow: window,
      skippedBelowSnapshot: skipped,
      peakRSS: megabytes(peak),
      recovery: meanAndMax(recoveries),
    });
  });
});
