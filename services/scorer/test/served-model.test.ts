import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryModelStore, StoreUnavailableError, type ModelStore } from '@streamlr/store';
import { ModelLoadError, ServedModel, type ReloadTrigger, type ServedModelOptions, type LoadedModel } from '../src/index.js';
import { decodeNamedWeights, encodeNamedWeights } from './fixtures/named-weights-model.js';
import { publishNamed, until, wrapStore } from './fixtures/store.js';

const MODEL = 'ctr';

function served(store: ModelStore, options: Partial<ServedModelOptions> = {}) {
  const loads: { version: number; trigger: ReloadTrigger }[] = [];
  const failures: ModelLoadError[] = [];
  let waiting = 0;
  const model = new ServedModel(
    store,
    decodeNamedWeights,
    { model: MODEL, pollIntervalMs: 20, ...options },
    {
      loaded: (m, trigger) => loads.push({ version: m.version, trigger }),
      failed: (error) => failures.push(error),
      waiting: () => waiting++,
    },
  );
  return { model, loads, failures, waiting: () => waiting };
}

/** A store whose notifications never arrive (pub/sub lost): only polling finds new versions. */
function deaf(store: ModelStore): ModelStore {
  return wrapStore(store, { subscribe: async () => async () => undefined });
}

describe('ServedModel', () => {
  it('loads the latest version at start and resolves ready()', async () => {
    const store = new MemoryModelStore();
    await publishNamed(store, { model: MODEL, version: 1, bias: 0, weights: {} });
    await publishNamed(store, { model: MODEL, version: 2, bias: 1, weights: { a: 2 } });
    const { model, loads } = served(store);
    await model.start();
    assert.equal(model.current?.version, 2);
    assert.equal((await model.ready()).version, 2);
    assert.deepEqual(loads, [{ version: 2, trigger: 'start' }]);
    await model.stop();
  });

  it('waits when nothing is published, then loads the first version on its notification', async () => {
    const store = new MemoryModelStore();
    const { model, loads, waiting } = served(store, { pollIntervalMs: 60_000 });
    await model.start();
    assert.equal(model.current, null);
    assert.equal(waiting(), 1);
    await publishNamed(store, { model: MODEL, version: 1, bias: 0, weights: {} });
    const first = await model.ready();
    assert.equal(first.version, 1);
    assert.deepEqual(loads, [{ version: 1, trigger: 'notification' }]);
    await model.stop();
  });

  it('finds a new version by polling when the notification is lost', async () => {
    const store = new MemoryModelStore();
    await publishNamed(store, { model: MODEL, version: 1, bias: 0, weights: {} });
    const { model, loads } = served(deaf(store));
    await model.start();
    await publishNamed(store, { model: MODEL, version: 2, bias: 0, weights: {} });
    await until(() => model.current?.version === 2, 'version 2');
    assert.equal(loads.at(-1)?.trigger, 'poll');
    await model.stop();
  });

  it('keeps serving the old weights when a version does not decode, reports it once, and moves on to the next', async () => {
    const store = new MemoryModelStore();
    await publishNamed(store, { model: MODEL, version: 1, bias: 0.5, weights: {} });
    const { model, failures } = served(store);
    await model.start();
    const before = model.current;
    await publishNamed(store, { model: MODEL, version: 2, bias: 0, weights: {} }, Buffer.from('garbage'));
    await until(() => failures.length === 1, 'the failure');
    await new Promise((r) => setTimeout(r, 150)); // several polls
    assert.equal(model.current, before, 'the same reference keeps serving');
    assert.equal(failures.length, 1, 'a refused version is reported once, not on every poll');
    assert.equal(failures[0]!.reason, 'decode');
    assert.equal(failures[0]!.version, 2);
    assert.equal(model.refusedReason(2), 'decode');
    await publishNamed(store, { model: MODEL, version: 3, bias: 0, weights: {} });
    await until(() => model.current?.version === 3, 'version 3');
    await model.stop();
  });

  it('refuses a feature space other than the expected one, and a blob of another model', async () => {
    const store = new MemoryModelStore();
    await publishNamed(store, { model: MODEL, version: 1, bits: 18, bias: 0, weights: {} });
    const { model, failures } = served(store, { expectFeatureSpace: { bits: 18, seed: 0 } });
    await model.start();
    assert.equal(model.current?.version, 1);
    await publishNamed(store, { model: MODEL, version: 2, bits: 20, bias: 0, weights: {} });
    await until(() => failures.length === 1, 'feature-space failure');
    assert.equal(failures[0]!.reason, 'feature_space');
    assert.match(failures[0]!.message, /featureSpace\.bits is 20, this scorer expects 18/);
    await publishNamed(store, { model: MODEL, version: 3, bits: 18, bias: 0, weights: {} }, encodeNamedWeights({ model: 'other', version: 3, bits: 18, bias: 0, weights: {} }));
    await until(() => failures.length === 2, 'foreign failure');
    assert.equal(failures[1]!.reason, 'foreign');
    assert.equal(model.current?.version, 1);
    await model.stop();
  });

  it('a pinned version is served and newer ones are ignored', async () => {
    const store = new MemoryModelStore();
    await publishNamed(store, { model: MODEL, version: 1, bias: 0, weights: {} });
    await publishNamed(store, { model: MODEL, version: 2, bias: 0, weights: {} });
    const { model, loads } = served(store, { version: 1 });
    await model.start();
    assert.equal(model.current?.version, 1);
    await publishNamed(store, { model: MODEL, version: 3, bias: 0, weights: {} });
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(model.current?.version, 1);
    assert.deepEqual(loads, [{ version: 1, trigger: 'pinned' }]);
    await model.stop();
  });

  it('a pinned version that does not exist fails start with not_found', async () => {
    const store = new MemoryModelStore();
    await publishNamed(store, { model: MODEL, version: 1, bias: 0, weights: {} });
    const { model } = served(store, { version: 9 });
    await assert.rejects(model.start(), (error: unknown) => error instanceof ModelLoadError && error.reason === 'not_found' && error.version === 9);
    await model.stop();
  });

  it('follows latest back after a rollback', async () => {
    const store = new MemoryModelStore();
    await publishNamed(store, { model: MODEL, version: 1, bias: 0, weights: {} });
    await publishNamed(store, { model: MODEL, version: 2, bias: 0, weights: {} });
    const { model } = served(store);
    await model.start();
    assert.equal(model.current?.version, 2);
    await store.rollback(MODEL, 1);
    await until(() => model.current?.version === 1, 'rolled-back version');
    await model.stop();
  });

  it('retries after the store was unavailable (not remembered as refused)', async () => {
    const store = new MemoryModelStore();
    await publishNamed(store, { model: MODEL, version: 1, bias: 0, weights: {} });
    let down = true;
    const flaky = wrapStore(store, {
      getServing: (model: string, version: number) => {
        if (down) return Promise.reject(new StoreUnavailableError('getServing', 'connection refused'));
        return store.getServing(model, version);
      },
    });
    const { model, failures } = served(flaky);
    await model.start();
    assert.equal(model.current, null);
    assert.equal(failures[0]?.reason, 'unavailable');
    assert.equal(failures[0]?.retriable, true);
    down = false;
    await until(() => model.current?.version === 1, 'version 1 after the outage');
    await model.stop();
  });

  it('never runs two loads at once; a look-up during a load runs once after it', async () => {
    const store = new MemoryModelStore();
    await publishNamed(store, { model: MODEL, version: 1, bias: 0, weights: {} });
    let active = 0;
    let most = 0;
    let calls = 0;
    const slow = wrapStore(store, {
      getServing: async (model: string, version: number) => {
        active++;
        calls++;
        most = Math.max(most, active);
        await new Promise((r) => setTimeout(r, 30));
        active--;
        return store.getServing(model, version);
      },
    });
    const { model } = served(slow, { pollIntervalMs: 60_000 });
    const first = model.start();
    void model.refresh('notification');
    void model.refresh('notification');
    await first;
    await publishNamed(store, { model: MODEL, version: 2, bias: 0, weights: {} });
    await Promise.all([model.refresh('poll'), model.refresh('poll'), model.refresh('notification')]);
    assert.equal(model.current?.version, 2);
    assert.equal(most, 1);
    assert.equal(calls, 2, 'one load per version');
    await model.stop();
  });

  it('swaps one reference: a reader holding the old model keeps a complete old model', async () => {
    const store = new MemoryModelStore();
    await publishNamed(store, { model: MODEL, version: 1, bias: -1, weights: { a: 1 } });
    const { model } = served(store);
    await model.start();
    const held: LoadedModel = model.current!;
    await publishNamed(store, { model: MODEL, version: 2, bias: 3, weights: { a: -1 } });
    await until(() => model.current?.version === 2, 'version 2');
    assert.equal(held.version, 1);
    assert.equal(held.predict({ features: { a: 1 }, weight: 1 }), 0.5);
    await model.stop();
  });
});
