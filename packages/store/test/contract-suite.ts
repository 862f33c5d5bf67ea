/**
 * The ModelStore contract, run against every implementation (memory-store.test.ts,
 * redis-store.test.ts). Each test uses its own model name and deletes it afterwards.
 */
import assert from 'node:assert/strict';
import { after, afterEach, describe, it } from 'node:test';
import {
  StaleEpochError,
  StoreClosedError,
  StoreValidationError,
  VersionNotForwardError,
  VersionNotFoundError,
  type ModelStore,
  type PublishRequest,
  type VersionNotification,
} from '../src/index.js';

export const KEEP = 3;

let counter = 0;
export function uniqueModel(prefix = 'contract'): string {
  counter += 1;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${counter}`;
}

export function request(model: string, epoch: number, version: number, extra: Partial<PublishRequest> = {}): PublishRequest {
  return {
    model,
    epoch,
    version,
    checkpoint: Buffer.from(`checkpoint of ${model} v${version}`),
    serving: Buffer.from(`serving of ${model} v${version}`),
    meta: {
      createdAt: 1_764_000_000_000 + version,
      samplesSeen: version * 1000,
      offsets: { 'streamlr.samples/0': String(version * 10), 'streamlr.samples/1': String(version * 7) },
      metrics: { logloss: 0.4, accuracy: 0.8, auc: 0.85, n: 500 },
    },
    ...extra,
  };
}

/** Resolves with the first `count` notifications; rejects after `timeoutMs`. */
export async function collectNotifications(
  store: ModelStore,
  model: string,
  count: number,
  timeoutMs = 3000,
): Promise<{ received: Promise<VersionNotification[]> }> {
  const seen: VersionNotification[] = [];
  let resolve!: (value: VersionNotification[]) => void;
  let reject!: (error: Error) => void;
  const received = new Promise<VersionNotification[]>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  const unsubscribe = await store.subscribe(model, (notification) => {
    seen.push(notification);
    if (seen.length === count) resolve(seen);
  });
  const timer = setTimeout(() => reject(new Error(`only ${seen.length}/${count} notifications after ${timeoutMs} ms`)), timeoutMs);
  return {
    received: received.finally(() => {
      clearTimeout(timer);
      return unsubscribe();
    }),
  };
}

export function contractSuite(name: string, create: (keep: number) => ModelStore): void {
  describe(`ModelStore contract: ${name}`, () => {
    const store = create(KEEP);
    const models: string[] = [];
    const model = (): string => {
      const m = uniqueModel();
      models.push(m);
      return m;
    };
    afterEach(async () => {
      for (const m of models.splice(0)) await store.deleteModel(m);
    });
    after(() => store.close());

    it('publishes a version and reads it back by version and as latest', async () => {
      const m = model();
      assert.equal(await store.latestVersion(m), null);
      assert.equal(await store.getLatest(m, 'serving'), null);
      assert.equal(await store.currentEpoch(m), 0);
      const epoch = await store.acquireEpoch(m);
      assert.equal(epoch, 1);
      assert.equal(await store.currentEpoch(m), 1);
      const result = await store.publish(request(m, epoch, 1));
      assert.deepEqual(
        { previous: result.previous, trimmed: result.trimmed, duplicate: result.duplicate, version: result.version },
        { previous: null, trimmed: [], duplicate: false, version: 1 },
      );
      assert.equal(await store.latestVersion(m), 1);

      const meta = await store.getMeta(m, 1);
      assert.ok(meta);
      assert.equal(meta.model, m);
      assert.equal(meta.version, 1);
      assert.equal(meta.epoch, epoch);
      assert.equal(meta.samplesSeen, 1000);
      assert.deepEqual(meta.offsets, { 'streamlr.samples/0': '10', 'streamlr.samples/1': '7' });
      assert.deepEqual(meta.metrics, { logloss: 0.4, accuracy: 0.8, auc: 0.85, n: 500 });
      assert.equal(meta.blobs.serving.bytes, Buffer.byteLength(`serving of ${m} v1`));
      assert.match(meta.blobs.checkpoint.sha256, /^[0-9a-f]{64}$/);
      assert.equal(await store.getMeta(m, 2), null);

      const serving = await store.getServing(m, 1);
      assert.equal(serving.data.toString(), `serving of ${m} v1`);
      assert.equal(serving.part, 'serving');
      const checkpoint = await store.getCheckpoint(m, 1);
      assert.equal(checkpoint.data.toString(), `checkpoint of ${m} v1`);
      const latest = await store.getLatest(m, 'checkpoint');
      assert.equal(latest?.version, 1);
      assert.equal(latest?.data.toString(), `checkpoint of ${m} v1`);
      assert.deepEqual(latest?.meta, meta);
    });

    it('lists kept versions newest first and trims to K, reporting what it trimmed', async () => {
      const m = model();
      const epoch = await store.acquireEpoch(m);
      const trimmed: number[] = [];
      for (const version of [1, 2, 3, 5, 8]) {
        trimmed.push(...(await store.publish(request(m, epoch, version))).trimmed);
      }
      assert.deepEqual(trimmed, [1, 2]);
      assert.deepEqual((await store.list(m)).map((meta) => meta.version), [8, 5, 3]);
      assert.equal(await store.getMeta(m, 2), null);
      await assert.rejects(store.getServing(m, 1), VersionNotFoundError);
      await assert.rejects(store.getCheckpoint(m, 2), (error: unknown) => {
        assert.ok(error instanceof VersionNotFoundError);
        assert.equal(error.version, 2);
        assert.equal(error.retriable, false);
        return true;
      });
    });

    it('fences an old epoch once a newer writer acquired one', async () => {
      const m = model();
      const zombie = await store.acquireEpoch(m);
      await store.publish(request(m, zombie, 1));
      const successor = await store.acquireEpoch(m);
      assert.ok(successor > zombie);
      await assert.rejects(store.publish(request(m, zombie, 2)), (error: unknown) => {
        assert.ok(error instanceof StaleEpochError);
        assert.deepEqual([error.model, error.epoch, error.currentEpoch], [m, zombie, successor]);
        assert.equal(error.retriable, false);
        return true;
      });
      // An epoch from the future is refused too (equality, not ordering, is the rule).
      await assert.rejects(store.publish(request(m, successor + 1, 2)), StaleEpochError);
      assert.equal(await store.latestVersion(m), 1);
      await store.publish(request(m, successor, 2));
      assert.equal(await store.latestVersion(m), 2);
    });

    it('only moves forward: a version at or below the highest published one is refused', async () => {
      const m = model();
      const epoch = await store.acquireEpoch(m);
      await store.publish(request(m, epoch, 5));
      for (const version of [5, 4, 1]) {
        const attempt = request(m, epoch, version, { serving: Buffer.from('different bytes') });
        await assert.rejects(store.publish(attempt), (error: unknown) => {
          assert.ok(error instanceof VersionNotForwardError);
          assert.deepEqual([error.version, error.highestVersion], [version, 5]);
          return true;
        });
      }
      assert.equal((await store.getServing(m, 5)).data.toString(), `serving of ${m} v5`);
    });

    it('treats a retried identical publish by the same epoch as already done', async () => {
      const m = model();
      const epoch = await store.acquireEpoch(m);
      await store.publish(request(m, epoch, 1));
      await store.publish(request(m, epoch, 2));
      const again = await store.publish(request(m, epoch, 1));
      assert.equal(again.duplicate, true);
      assert.equal(await store.latestVersion(m), 2);
      // Another writer epoch re-sending the same bytes is fenced, not deduplicated.
      const next = await store.acquireEpoch(m);
      await assert.rejects(store.publish(request(m, epoch, 2)), StaleEpochError);
      await assert.rejects(store.publish(request(m, next, 2)), VersionNotForwardError);
    });

    it('rolls back to a kept version, bumps the epoch and keeps version numbers moving forward', async () => {
      const m = model();
      const epoch = await store.acquireEpoch(m);
      for (const version of [1, 2, 3]) await store.publish(request(m, epoch, version));

      const rolled = await store.rollback(m, 1);
      assert.deepEqual(rolled, { model: m, version: 1, previous: 3, epoch: epoch + 1 });
      assert.equal(await store.latestVersion(m), 1);
      assert.equal((await store.getLatest(m, 'serving'))?.data.toString(), `serving of ${m} v1`);
      // The trainer that was running is fenced and must reload.
      await assert.rejects(store.publish(request(m, epoch, 4)), StaleEpochError);
      // Version numbers never repeat: 2 and 3 are still kept and immutable.
      await assert.rejects(store.publish(request(m, rolled.epoch, 2)), VersionNotForwardError);
      const resumed = await store.publish(request(m, rolled.epoch, 4, { meta: { ...request(m, 0, 4).meta, parent: 1 } }));
      assert.equal(resumed.previous, 1);
      assert.equal((await store.getMeta(m, 4))?.parent, 1);

      // Conditional rollback: only for the current epoch.
      await assert.rejects(store.rollback(m, 3, epoch), StaleEpochError);
      const undo = await store.rollback(m, 3, rolled.epoch);
      assert.deepEqual([undo.previous, undo.epoch], [4, rolled.epoch + 1]);
      await assert.rejects(store.rollback(m, 99), VersionNotFoundError);
      assert.equal(await store.latestVersion(m), 3);
    });

    it('trims a rolled-back-to version only once a newer version is latest', async () => {
      const m = model();
      let epoch = await store.acquireEpoch(m);
      for (const version of [1, 2, 3]) await store.publish(request(m, epoch, version));
      epoch = (await store.rollback(m, 1)).epoch;
      assert.deepEqual((await store.list(m)).map((meta) => meta.version), [3, 2, 1]);
      const result = await store.publish(request(m, epoch, 4));
      assert.deepEqual(result.trimmed, [1]);
      assert.deepEqual((await store.list(m)).map((meta) => meta.version), [4, 3, 2]);
    });

    it('notifies subscribers of publish and rollback', async () => {
      const m = model();
      const { received } = await collectNotifications(store, m, 3);
      const epoch = await store.acquireEpoch(m);
      await store.publish(request(m, epoch, 1));
      await store.publish(request(m, epoch, 2));
      await store.rollback(m, 1);
      assert.deepEqual(await received, [
        { model: m, version: 1, event: 'publish', epoch },
        { model: m, version: 2, event: 'publish', epoch },
        { model: m, version: 1, event: 'rollback', epoch: epoch + 1 },
      ]);
    });

    it('stops notifying after unsubscribe and isolates handler errors', async () => {
      const m = model();
      const early: VersionNotification[] = [];
      const errors: unknown[] = [];
      const unsubscribe = await store.subscribe(m, (n) => early.push(n));
      await store.subscribe(
        m,
        () => {
          throw new Error('handler bug');
        },
        { onError: (error) => errors.push(error) },
      );
      const { received: first } = await collectNotifications(store, m, 1);
      const epoch = await store.acquireEpoch(m);
      await store.publish(request(m, epoch, 1));
      await first;
      await unsubscribe();
      const { received: second } = await collectNotifications(store, m, 1);
      await store.publish(request(m, epoch, 2));
      assert.equal((await second)[0]?.version, 2);
      assert.deepEqual(early.map((n) => n.version), [1]);
      assert.ok(errors.length >= 1 && (errors[0] as Error).message === 'handler bug');
    });

    it('round-trips binary blobs exactly: all 256 byte values, several MB, Uint8Array views', async () => {
      const m = model();
      const epoch = await store.acquireEpoch(m);
      const big = Buffer.alloc(5 * 1024 * 1024 + 17);
      for (let i = 0; i < big.length; i++) big[i] = (i * 7 + (i >>> 11)) & 0xff;
      const backing = new Uint8Array(300);
      for (let i = 0; i < backing.length; i++) backing[i] = 255 - (i & 0xff);
      const view = backing.subarray(22, 22 + 256); // all 256 values, at a non-zero byte offset
      await store.publish(request(m, epoch, 1, { checkpoint: big, serving: view }));
      const checkpoint = await store.getCheckpoint(m, 1);
      assert.equal(checkpoint.data.length, big.length);
      assert.ok(checkpoint.data.equals(big));
      const serving = await store.getServing(m, 1);
      assert.deepEqual([...serving.data], [...view]);
      assert.equal(new Set(serving.data).size, 256);
      // A caller mutating what it read does not change the stored version.
      serving.data[0] = serving.data[0]! ^ 0xff;
      assert.deepEqual([...(await store.getServing(m, 1)).data], [...view]);
    });

    it('keeps NaN metrics (e.g. AUC before both classes were seen)', async () => {
      const m = model();
      const epoch = await store.acquireEpoch(m);
      const base = request(m, epoch, 1);
      await store.publish({ ...base, meta: { ...base.meta, metrics: { logloss: 0.7, accuracy: 1, auc: NaN, n: 3 }, extra: { optimizer: 'ftrl' } } });
      const meta = await store.getMeta(m, 1);
      assert.ok(Number.isNaN(meta?.metrics?.auc));
      assert.deepEqual(meta?.extra, { optimizer: 'ftrl' });
    });

    it('rejects bad input with an error naming the field', async () => {
      const m = model();
      const epoch = await store.acquireEpoch(m);
      const base = request(m, epoch, 1);
      const cases: [string, PublishRequest][] = [
        ['model', { ...base, model: 'bad{name}' }],
        ['epoch', { ...base, epoch: 0 }],
        ['version', { ...base, version: 1.5 }],
        ['serving', { ...base, serving: new Uint8Array(0) }],
        ['checkpoint', { ...base, checkpoint: 'text' as unknown as Uint8Array }],
        ['meta.createdAt', { ...base, meta: { ...base.meta, createdAt: Number.NaN } }],
        ['meta.samplesSeen', { ...base, meta: { ...base.meta, samplesSeen: -1 } }],
        ['meta.offsets', { ...base, meta: { ...base.meta, offsets: { 'no-partition': '1' } } }],
        ['meta.offsets["t/0"]', { ...base, meta: { ...base.meta, offsets: { 't/0': '-3' } } }],
        ['meta.version', { ...base, meta: { ...base.meta, version: 2 } }],
        ['meta.parent', { ...base, meta: { ...base.meta, parent: 1 } }],
      ];
      for (const [field, bad] of cases) {
        await assert.rejects(store.publish(bad), (error: unknown) => {
          assert.ok(error instanceof StoreValidationError, `${field}: ${String(error)}`);
          assert.equal(error.field, field);
          return true;
        });
      }
      await assert.rejects(store.latestVersion('a:b'), StoreValidationError);
      await assert.rejects(store.getServing(m, 0), StoreValidationError);
      assert.equal(await store.latestVersion(m), null);
    });

    it('deleteModel removes versions, pointer and epoch', async () => {
      const m = model();
      const epoch = await store.acquireEpoch(m);
      await store.publish(request(m, epoch, 1));
      await store.deleteModel(m);
      assert.equal(await store.latestVersion(m), null);
      assert.deepEqual(await store.list(m), []);
      assert.equal(await store.currentEpoch(m), 0);
    });

    it('refuses operations after close', async () => {
      const other = create(KEEP);
      await other.close();
      await assert.rejects(other.latestVersion(uniqueModel()), StoreClosedError);
      await assert.rejects(other.acquireEpoch(uniqueModel()), StoreClosedError);
    });
  });
}
