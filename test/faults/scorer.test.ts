// Fault 12: the scorer under HTTP load while new versions publish and its Redis pub/sub
// connection is killed — first by CLIENT KILL (it reconnects; notifications sent meanwhile are
// lost), then for good (the scorer's ACL user loses the channel: Redis drops the subscriber and
// refuses to resubscribe it). The scorer must reach every new version by polling within its
// interval, keep serving, and never answer a request from two versions. Own redis-server.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { encodeCheckpoint, encodeServing, hashFeatures, LogisticRegression, seededRandom, SparseVector } from '@streamlr/model';
import { aclRules, type RedisModelStore } from '@streamlr/store';
import { figure, labelledSample, megabytes, modelStore, runCli, sampleId, type ScoringEvent, scoringLoad, seconds, sleep, stop, unique, until } from './harness.js';
import { OwnRedis } from './own-redis.js';

const POLL_INTERVAL_MS = 500;
const model = unique('scorer-model').slice(0, 100);
let redis: OwnRedis;
let store: RedisModelStore;

before(async () => {
  redis = await OwnRedis.start();
  store = modelStore(redis.url);
});

after(async () => {
  await store.close().catch(() => undefined);
  await redis.destroy();
});

/** Version `version`, trained on its own slice of samples so each version scores differently. */
async function publishVersion(version: number, samples: readonly string[]): Promise<number> {
  const learner = new LogisticRegression({ featureSpace: { bits: 16, seed: 0 } });
  const x = new SparseVector(16);
  for (const s of samples.slice((version - 1) * 500, version * 500)) {
    const { label, features } = JSON.parse(s) as { label: 0 | 1; features: Record<string, string | number> };
    learner.learn(hashFeatures(features, learner.options.featureSpace, x), label);
  }
  const meta = { model, version, createdAt: Date.now() };
  const epoch = await store.acquireEpoch(model);
  const publishedAt = Date.now();
  await store.publish({ model, epoch, version, checkpoint: encodeCheckpoint(learner, meta), serving: encodeServing(learner, meta), meta: { createdAt: meta.createdAt, samplesSeen: 500, offsets: {} } });
  return publishedAt;
}

describe('fault 12: the scorer loses its pub/sub connection under load', () => {
  test('every new version is served within the poll interval; no request sees two versions; the scorer keeps serving', async (t) => {
    const admin = redis.client();
    t.after(() => admin.disconnect());
    const random = seededRandom(12);
    const samples = Array.from({ length: 20 * 500 }, (_, i) => labelledSample(sampleId(0, i), random));
    const events = samples.slice(0, 2_000).map((s) => JSON.parse(s) as ScoringEvent);
    const user = 'streamlr-faults-scorer';
    await admin.call('ACL', 'SETUSER', user, 'on', '>secret', ...aclRules('scorer'));
    await publishVersion(1, samples);
    const scorer = runCli(
      ['scorer', '--model', model, '--http-only', '--port', '0', '--host', '127.0.0.1', '--poll-interval', String(POLL_INTERVAL_MS / 1000)],
      { REDIS_URL: `redis://${user}:secret@127.0.0.1:${redis.port}` },
    );
    t.after(() => void (scorer.child.exitCode === null && scorer.child.kill('SIGKILL')));
    const url = await scorer.url();
    const load = scoringLoad(store, url, model, events, 4);
    t.after(() => load.stop());
    const probe = events.slice(0, 1);
    const served = async (version: number): Promise<void> => {
      await until(`version ${version} served`, async () => {
        assert.equal(scorer.child.exitCode, null, `the scorer exited:\n${scorer.lines.slice(-10).join('\n')}`);
        const response = await fetch(`${url}/score`, { method: 'POST', body: JSON.stringify(probe) }).catch(() => null);
        return response !== null && response.status === 200 && ((await response.json()) as { version: number }).version === version;
      }, 10_000, 5);
    };
    const trigger = (version: number): unknown => scorer.logged('model loaded').find((l) => l['version'] === version)?.['trigger'];
    await served(1);

    // The fast path, for comparison: a notification.
    let at = await publishVersion(2, samples);
    await served(2);
    const notified = Date.now() - at;

    // CLIENT KILL: the subscriber reconnects, but what was published meanwhile is not delivered.
    const afterKill: number[] = [];
    for (let version = 3; version <= 7; version++) {
      const killed = Number(await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub'));
      assert.ok(killed >= 1, 'a pub/sub connection to kill');
      at = await publishVersion(version, samples);
      await served(version);
      afterKill.push(Date.now() - at);
      await sleep(300);
    }
    // For good: the scorer's user loses the channel; Redis drops the subscriber and refuses it back.
    await admin.call('ACL', 'SETUSER', user, 'resetchannels');
    const revoked: number[] = [];
    for (let version = 8; version <= 12; version++) {
      at = await publishVersion(version, samples);
      await served(version);
      revoked.push(Date.now() - at);
      await sleep(200);
    }
    await load.stop();
    const peak = scorer.peakRss();
    assert.equal(await stop(scorer), 0, scorer.lines.slice(-10).join('\n'));
    const byPoll = Array.from({ length: 10 }, (_, i) => i + 3).filter((v) => trigger(v) === 'poll').length;
    const worst = Math.max(...afterKill, ...revoked);
    assert.equal(load.figures.mismatched, 0, 'scores not from the version the answer names');
    assert.equal(load.figures.backwards, 0, 'a client saw versions go backwards');
    assert.ok(load.figures.versions.size >= 10, `the load saw ${load.figures.versions.size} versions`);
    assert.equal(trigger(8), 'poll');
    assert.ok(worst <= POLL_INTERVAL_MS + 500, `a version took ${worst} ms to be served (poll interval ${POLL_INTERVAL_MS} ms)`);
    figure('scorer pub/sub killed under load', {
      trials: afterKill.length + revoked.length,
      lost: 0,
      double: 0,
      dlq: 0,
      requests: load.figures.requests,
      mixedVersion: load.figures.mismatched,
      versionsByPoll: byPoll,
      notified: `${notified}ms`,
      afterKill: `${Math.max(...afterKill)}ms(max)`,
      revoked: `${Math.max(...revoked)}ms(max)`,
      peakRSS: megabytes(peak),
      recovery: seconds(worst),
    });
  });
});
