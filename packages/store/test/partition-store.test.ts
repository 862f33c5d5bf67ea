/**
 * The PartitionStateStore contract against Redis (the real server on 127.0.0.1:6379, REDIS_URL
 * overrides) and in memory: fences per partition, the base check against `latest` (a published
 * version retires every state continuing an older one), forward-only offsets, checksums, the
 * merge lock. Unique model names; everything is deleted afterwards.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import {
  CorruptPartitionStateError,
  MemoryModelStore,
  MemoryPartitionStore,
  PartitionNotForwardError,
  partitionKeys,
  partitionedTrainerAclRules,
  RedisModelStore,
  RedisPartitionStore,
  StalePartitionFenceError,
  StoreValidationError,
  type ModelStore,
  type PartitionStateStore,
  type PartitionWriteRequest,
} from '../src/index.js';
import { request, uniqueModel } from './contract-suite.js';

const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';

function write(model: string, partition: string, fence: number, base: number | null, offset: number, extra: Partial<PartitionWriteRequest> = {}): PartitionWriteRequest {
  return {
    model,
    partition,
    fence,
    base,
    offset: String(offset),
    samples: offset,
    deadLettered: '0',
    checkpoint: Buffer.from(`state of ${partition} at ${offset}`),
    owner: 'replica-a',
    writtenAt: 1_764_000_000_000,
    ...extra,
  };
}

function contract(name: string, make: () => { models: ModelStore; states: PartitionStateStore; close(): Promise<void> }): void {
  describe(`${name} partition states`, () => {
    const { models, states, close } = make();
    const created: string[] = [];
    const model = (): string => {
      const m = uniqueModel('parts');
      created.push(m);
      return m;
    };
    after(async () => {
      for (const m of created) {
        await states.deletePartitions(m);
        await models.deleteModel(m);
      }
      await close();
    });

    it('stores a state under the current fence and base, and lists and reads it back verified', async () => {
      const m = model();
      const fence = await states.acquirePartition(m, 't.a/0');
      assert.equal(fence, 1);
      assert.deepEqual(await states.listPartitions(m), [], 'an acquired partition has no state yet');
      const first = await states.writePartition(write(m, 't.a/0', fence, null, 10));
      assert.deepEqual(first, { status: 'ok', seq: 1 });
      const second = await states.writePartition(write(m, 't.a/0', fence, null, 25));
      assert.deepEqual(second, { status: 'ok', seq: 2 });
      const [summary] = await states.listPartitions(m);
      assert.equal(summary?.partition, 't.a/0');
      assert.equal(summary?.offset, '25');
      assert.equal(summary?.samples, 25);
      assert.equal(summary?.base, null);
      assert.equal(summary?.seq, 2);
      assert.equal(summary?.deadLettered, '0');
      const state = await states.readPartition(m, 't.a/0');
      assert.equal(state?.checkpoint.toString(), 'state of t.a/0 at 25');
      assert.equal(await states.readPartition(m, 't.a/1'), null);
    });

    it('a newer fence fences the older writer of that partition only', async () => {
      const m = model();
      const old = await states.acquirePartition(m, 't/0');
      const other = await states.acquirePartition(m, 't/1');
      const current = await states.acquirePartition(m, 't/0');
      assert.ok(current > old);
      await assert.rejects(states.writePartition(write(m, 't/0', old, null, 5)), (e: unknown) => e instanceof StalePartitionFenceError && e.currentFence === current);
      assert.equal((await states.writePartition(write(m, 't/0', current, null, 5))).status, 'ok');
      assert.equal((await states.writePartition(write(m, 't/1', other, null, 7))).status, 'ok');
    });

    it('a state can only continue the version latest points to: a publish retires older states', async () => {
      const m = model();
      const fence = await states.acquirePartition(m, 't/0');
      assert.equal((await states.writePartition(write(m, 't/0', fence, null, 3))).status, 'ok');
      const epoch = await models.acquireEpoch(m);
      await models.publish(request(m, epoch, 1));
      assert.deepEqual(await states.writePartition(write(m, 't/0', fence, null, 4)), { status: 'stale-base', latest: 1 });
      assert.deepEqual(await states.writePartition(write(m, 't/0', fence, 2, 4)), { status: 'stale-base', latest: 1 });
      assert.equal((await states.writePartition(write(m, 't/0', fence, 1, 4))).status, 'ok');
      const [summary] = await states.listPartitions(m);
      assert.equal(summary?.base, 1);
    });

    it('offsets only move forward for one fence on one base; a new fence or base may start lower', async () => {
      const m = model();
      const fence = await states.acquirePartition(m, 't/0');
      await states.writePartition(write(m, 't/0', fence, null, 50));
      await assert.rejects(states.writePartition(write(m, 't/0', fence, null, 40)), PartitionNotForwardError);
      assert.equal((await states.writePartition(write(m, 't/0', fence, null, 50))).status, 'ok', 'a retried write is accepted');
      const next = await states.acquirePartition(m, 't/0');
      assert.equal((await states.writePartition(write(m, 't/0', next, null, 40))).status, 'ok');
    });

    it('refuses bad input naming the field', async () => {
      const m = model();
      await assert.rejects(states.acquirePartition(m, 'no-partition'), (e: unknown) => e instanceof StoreValidationError && e.field === 'partition');
      await assert.rejects(states.writePartition(write(m, 't/0', 1, null, 1, { offset: '-1' })), (e: unknown) => e instanceof StoreValidationError && e.field === 'offset');
      await assert.rejects(states.writePartition(write(m, 't/0', 1, null, 1, { samples: 1.5 })), (e: unknown) => e instanceof StoreValidationError && e.field === 'samples');
      await assert.rejects(states.tryMixLock(m, 'a', 0), (e: unknown) => e instanceof StoreValidationError && e.field === 'ttlMs');
    });

    it('one merge lock per model; only its owner releases it; it expires', async () => {
      const m = model();
      assert.equal(await states.tryMixLock(m, 'a', 60_000), true);
      assert.equal(await states.tryMixLock(m, 'b', 60_000), false);
      assert.equal(await states.releaseMixLock(m, 'b'), false);
      assert.equal(await states.releaseMixLock(m, 'a'), true);
      assert.equal(await states.tryMixLock(m, 'b', 50), true);
      await new Promise((r) => setTimeout(r, 120));
      assert.equal(await states.tryMixLock(m, 'c', 60_000), true, 'an expired lock is free');
      assert.equal(await states.releaseMixLock(m, 'b'), false);
    });

    it('deletePartitions removes every state and fence', async () => {
      const m = model();
      const fence = await states.acquirePartition(m, 't/0');
      await states.acquirePartition(m, 't/1');
      await states.writePartition(write(m, 't/0', fence, null, 1));
      await states.deletePartitions(m);
      assert.deepEqual(await states.listPartitions(m), []);
      assert.equal(await states.acquirePartition(m, 't/0'), 1, 'fences start over');
      assert.equal(await states.acquirePartition(m, 't/1'), 1);
    });
  });
}

contract('RedisPartitionStore', () => {
  const models = new RedisModelStore({ url: REDIS_URL });
  const states = new RedisPartitionStore({ url: REDIS_URL });
  return { models, states, close: async () => void (await Promise.all([models.close(), states.close()])) };
});

contract('MemoryPartitionStore', () => {
  const models = new MemoryModelStore();
  const states = new MemoryPartitionStore(models);
  return { models, states, close: async () => void (await Promise.all([models.close(), states.close()])) };
});

describe('RedisPartitionStore integrity', () => {
  it('a state whose checkpoint was altered in Redis is refused on read', async () => {
    const states = new RedisPartitionStore({ url: REDIS_URL });
    const admin = new Redis(REDIS_URL);
    const m = uniqueModel('parts-corrupt');
    try {
      const fence = await states.acquirePartition(m, 't/0');
      await states.writePartition(write(m, 't/0', fence, null, 9));
      await admin.hset(partitionKeys(m).state('t/0'), 'ckpt', 'tampered state of t/0 at 9');
      await assert.rejects(states.readPartition(m, 't/0'), CorruptPartitionStateError);
    } finally {
      await states.deletePartitions(m);
      await states.close();
      await admin.quit();
    }
  });
});

describe('RedisPartitionStore ACL', () => {
  it('works for a user with only partitionedTrainerAclRules()', async () => {
    const admin = new Redis(REDIS_URL);
    const user = `streamlr-test-partitioned-${process.pid}-${randomBytes(4).toString('hex')}`;
    const password = randomBytes(16).toString('hex');
    await admin.call('ACL', 'SETUSER', user, 'on', `>${password}`, ...partitionedTrainerAclRules());
    const url = new URL(REDIS_URL);
    url.username = user;
    url.password = password;
    const models = new RedisModelStore({ url: url.toString() });
    const states = new RedisPartitionStore({ url: url.toString() });
    const m = uniqueModel('parts-acl');
    try {
      const fence = await states.acquirePartition(m, 't/0');
      assert.equal((await states.writePartition(write(m, 't/0', fence, null, 2))).status, 'ok');
      assert.equal((await states.listPartitions(m)).length, 1);
      assert.ok((await states.readPartition(m, 't/0')) !== null);
      assert.equal(await states.tryMixLock(m, 'a', 1_000), true);
      const epoch = await models.acquireEpoch(m);
      await models.publish(request(m, epoch, 1));
      assert.equal(await states.releaseMixLock(m, 'a'), true);
      assert.equal((await states.writePartition(write(m, 't/0', fence, null, 3))).status, 'stale-base');
      await states.deletePartitions(m);
      await models.deleteModel(m);
    } finally {
      await Promise.all([models.close(), states.close()]);
      await admin.call('ACL', 'DELUSER', user);
      await admin.quit();
    }
  });
});
