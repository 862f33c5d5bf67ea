/**
 * RedisModelStore against the real Redis on 127.0.0.1:6379 (REDIS_URL overrides). Every test uses
 * unique model names, ACL users and client names, and removes them afterwards.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import {
  aclRules,
  CorruptBlobError,
  modelKeys,
  RedisModelStore,
  retry,
  StorePermissionError,
  StoreUnavailableError,
  StoreValidationError,
  type StoreError,
} from '../src/index.js';
import { collectNotifications, contractSuite, request, uniqueModel } from './contract-suite.js';

const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';

contractSuite('RedisModelStore', (keep) => new RedisModelStore({ url: REDIS_URL, keep }));

describe('RedisModelStore on real Redis', () => {
  const admin = new Redis(REDIS_URL, { lazyConnect: true });
  const store = new RedisModelStore({ url: REDIS_URL, keep: 3 });
  const models: string[] = [];
  const model = (): string => {
    const m = uniqueModel('redis');
    models.push(m);
    return m;
  };
  before(() => admin.connect());
  after(async () => {
    for (const m of models) await store.deleteModel(m);
    await store.close();
    await admin.quit();
  });

  it('uses the documented key layout, all under one hash tag', async () => {
    const m = model();
    const epoch = await store.acquireEpoch(m);
    await store.publish(request(m, epoch, 7));
    const keys = (await admin.keys(`{streamlr:${m}}*`)).sort();
    assert.deepEqual(keys, [
      `{streamlr:${m}}:epoch`,
      `{streamlr:${m}}:latest`,
      `{streamlr:${m}}:v:7:ckpt`,
      `{streamlr:${m}}:v:7:meta`,
      `{streamlr:${m}}:v:7:serving`,
      `{streamlr:${m}}:versions`,
    ]);
    assert.equal(await admin.type(`{streamlr:${m}}:versions`), 'zset');
    assert.equal(await admin.type(`{streamlr:${m}}:v:7:meta`), 'hash');
    assert.equal(await admin.get(`{streamlr:${m}}:latest`), '7');
    const keysOf = modelKeys(m);
    assert.equal(keysOf.serving(7), `{streamlr:${m}}:v:7:serving`);
    assert.equal(keysOf.channel, `streamlr:model:${m}:published`);
    await store.deleteModel(m);
    assert.deepEqual(await admin.keys(`{streamlr:${m}}*`), []);
  });

  it('detects a corrupted or truncated blob on load with CorruptBlobError', async () => {
    const m = model();
    const epoch = await store.acquireEpoch(m);
    const serving = randomBytes(4096);
    await store.publish(request(m, epoch, 1, { serving }));
    const key = modelKeys(m).serving(1);
    const flipped = Buffer.from([serving[1000]! ^ 0x01]);
    await admin.setrange(key, 1000, flipped);
    for (const load of [() => store.getServing(m, 1), () => store.getLatest(m, 'serving')]) {
      await assert.rejects(load(), (error: unknown) => {
        assert.ok(error instanceof CorruptBlobError, String(error));
        assert.deepEqual([error.model, error.version, error.part, error.retriable], [m, 1, 'serving', false]);
        assert.match(error.message, /sha256/);
        return true;
      });
    }
    // The other blob of the version is intact.
    assert.equal((await store.getCheckpoint(m, 1)).data.toString(), `checkpoint of ${m} v1`);
    await admin.set(key, serving.subarray(0, 100));
    await assert.rejects(store.getServing(m, 1), /size 100 bytes, expected 4096/);
    await admin.del(key);
    await assert.rejects(store.getServing(m, 1), /blob missing/);
  });

  it('fences a zombie trainer on its own connection (two stores, two writers)', async () => {
    const m = model();
    const zombie = new RedisModelStore({ url: REDIS_URL });
    try {
      const old = await zombie.acquireEpoch(m);
      await zombie.publish(request(m, old, 1));
      const current = await store.acquireEpoch(m);
      await store.publish(request(m, current, 2));
      await assert.rejects(zombie.publish(request(m, old, 3)), /epoch 1 is stale \(current epoch 2\)/);
      assert.equal(await zombie.latestVersion(m), 2);
    } finally {
      await zombie.close();
    }
  });

  it('fails a write fast with a retriable StoreUnavailableError when Redis is unreachable', async () => {
    const port = await closedPort();
    const down = new RedisModelStore({ url: `redis://127.0.0.1:${port}`, connectTimeoutMs: 1000 });
    try {
      for (const write of [
        () => down.acquireEpoch('unreachable'),
        () => down.publish(request('unreachable', 1, 1)),
        () => down.acquireEpoch('unreachable'), // again, now while ioredis is reconnecting
        () => down.getLatest('unreachable', 'serving'),
      ]) {
        const started = performance.now();
        await assert.rejects(write(), (error: unknown) => {
          assert.ok(error instanceof StoreUnavailableError, String(error));
          assert.equal(error.retriable, true);
          return true;
        });
        assert.ok(performance.now() - started < 2500, `took ${performance.now() - started} ms`);
      }
    } finally {
      await down.close();
    }
  });

  it('after the writer connection drops, a write fails clearly and a retry succeeds', async () => {
    const m = model();
    const clientName = `streamlr-test-${process.pid}-${randomBytes(4).toString('hex')}`;
    const flaky = new RedisModelStore({ url: REDIS_URL, clientName });
    try {
      const epoch = await flaky.acquireEpoch(m);
      await flaky.publish(request(m, epoch, 1));
      const list = (await admin.client('LIST')) as string;
      const id = /id=(\d+) [^\n]*name=([^ ]+)/g;
      let writerId: string | undefined;
      for (const match of list.matchAll(id)) if (match[2] === `${clientName}:writer`) writerId = match[1];
      assert.ok(writerId, 'writer connection listed');
      await admin.client('KILL', 'ID', writerId);
      const failures: StoreError[] = [];
      const result = await retry(() => flaky.publish(request(m, epoch, 2)), {
        attempts: 20,
        initialDelayMs: 50,
        onRetry: (error) => failures.push(error as StoreError),
      });
      assert.equal(result.version, 2);
      assert.ok(failures.every((error) => error instanceof StoreUnavailableError));
      assert.equal(await flaky.latestVersion(m), 2);
    } finally {
      await flaky.close();
    }
  });

  it('works for a trainer user with only the documented ACL rules', async () => {
    const m = model();
    await withAclUser(admin, 'trainer', async (url) => {
      const trainer = new RedisModelStore({ url, keep: 2 });
      try {
        const { received } = await collectNotifications(trainer, m, 1);
        const epoch = await trainer.acquireEpoch(m);
        for (const version of [1, 2, 3]) await trainer.publish(request(m, epoch, version));
        assert.deepEqual((await trainer.list(m)).map((meta) => meta.version), [3, 2]);
        assert.equal((await trainer.getLatest(m, 'checkpoint'))?.version, 3);
        assert.equal((await received)[0]?.version, 1);
        await trainer.rollback(m, 2);
        await trainer.deleteModel(m);
        assert.equal(await trainer.latestVersion(m), null);
      } finally {
        await trainer.close();
      }
    });
  });

  it('a read-only scorer user reads latest/serving/meta and subscribes, but cannot write', async () => {
    const m = model();
    const epoch = await store.acquireEpoch(m);
    await store.publish(request(m, epoch, 1));
    await withAclUser(admin, 'scorer', async (url) => {
      const scorer = new RedisModelStore({ url });
      try {
        assert.equal(await scorer.latestVersion(m), 1);
        assert.equal((await scorer.getLatest(m, 'serving'))?.data.toString(), `serving of ${m} v1`);
        assert.equal((await scorer.getMeta(m, 1))?.samplesSeen, 1000);
        assert.equal((await scorer.list(m)).length, 1);
        const { received } = await collectNotifications(scorer, m, 1);
        await store.publish(request(m, epoch, 2));
        assert.equal((await received)[0]?.version, 2);
        for (const write of [
          () => scorer.acquireEpoch(m),
          () => scorer.publish(request(m, epoch, 3)),
          () => scorer.rollback(m, 1),
          () => scorer.deleteModel(m),
        ]) {
          await assert.rejects(write(), (error: unknown) => {
            assert.ok(error instanceof StorePermissionError, String(error));
            assert.equal(error.retriable, false);
            return true;
          });
        }
        // Not even a raw write gets through: the keys are read-only for this user.
        const raw = new Redis(url);
        try {
          await assert.rejects(raw.set(modelKeys(m).latest, '99'), /NOPERM/);
          await assert.rejects(raw.publish(modelKeys(m).channel, 'x'), /NOPERM/);
        } finally {
          raw.disconnect();
        }
        assert.equal(await store.latestVersion(m), 2);
      } finally {
        await scorer.close();
      }
    });
  });

  it('validates its options, naming the option', () => {
    const bad: [string, ConstructorParameters<typeof RedisModelStore>[0]][] = [
      ['url', { url: 'http://localhost:6379' }],
      ['url', { url: 'not a url' }],
      ['keep', { keep: 0 }],
      ['connectTimeoutMs', { connectTimeoutMs: -1 }],
      ['writeMaxRetries', { writeMaxRetries: 1.5 }],
      ['namespace', { namespace: 'a{b}' }],
    ];
    for (const [field, options] of bad) {
      assert.throws(() => new RedisModelStore(options), (e: unknown) => e instanceof StoreValidationError && e.field === field);
    }
  });
});

/** A local port with nothing listening (bind, read the port, close). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Creates an ACL user with aclRules(role), runs `body` with its URL, deletes the user. */
async function withAclUser(admin: Redis, role: 'trainer' | 'scorer', body: (url: string) => Promise<void>): Promise<void> {
  const user = `streamlr-test-${role}-${process.pid}-${randomBytes(4).toString('hex')}`;
  const password = randomBytes(16).toString('hex');
  await admin.call('ACL', 'SETUSER', user, 'on', `>${password}`, ...aclRules(role));
  try {
    const url = new URL(REDIS_URL);
    url.username = user;
    url.password = password;
    await body(url.toString());
  } finally {
    await admin.call('ACL', 'DELUSER', user);
  }
}
