import type { ModelStore } from '@streamlr/store';
import type { StreamLearner } from '@streamlr/stream';

/**
 * Test hooks of the fault suite (test/faults). Off unless their variable is set; a production
 * deployment never sets them. They exist only where a fault cannot be caused from outside the
 * process at a precise point:
 *
 * - STREAMLR_FAULT_CRASH_AT=before-publish|after-publish — SIGKILL this process just before the
 *   store's publish script is sent, or just after Redis answered it (so before the Kafka commit).
 *   There is no "between blob write and pointer move": the publish is one atomic Lua script.
 * - STREAMLR_FAULT_CRASH_ON=N — crash at the Nth publish of this process (default 1).
 * - STREAMLR_FAULT_SLOW_MS=ms — every learned sample takes this much longer (the thread sleeps),
 *   so one batch can outlast the group session timeout.
 */
export interface FaultHooks {
  readonly crashAt: 'before-publish' | 'after-publish' | null;
  readonly crashOn: number;
  readonly slowMs: number;
}

export function faultHooks(env: Readonly<Record<string, string | undefined>>): FaultHooks {
  const at = env['STREAMLR_FAULT_CRASH_AT'];
  if (at !== undefined && at !== '' && at !== 'before-publish' && at !== 'after-publish') {
    throw new TypeError(`STREAMLR_FAULT_CRASH_AT: must be before-publish or after-publish, got '${at}'`);
  }
  const crashOn = Number(env['STREAMLR_FAULT_CRASH_ON'] ?? 1);
  const slowMs = Number(env['STREAMLR_FAULT_SLOW_MS'] ?? 0);
  if (!(Number.isInteger(crashOn) && crashOn >= 1)) throw new TypeError('STREAMLR_FAULT_CRASH_ON: must be a whole number ≥ 1');
  if (!(slowMs >= 0)) throw new TypeError('STREAMLR_FAULT_SLOW_MS: must be a number ≥ 0');
  return { crashAt: at === undefined || at === '' ? null : at, crashOn, slowMs };
}

function crash(): never {
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable: SIGKILL');
}

/** The store, crashing the process around the chosen publish (when a crash point is set). */
export function withCrashPoint(store: ModelStore, hooks: FaultHooks): ModelStore {
  if (hooks.crashAt === null) return store;
  let publishes = 0;
  const publish: ModelStore['publish'] = async (request) => {
    const due = ++publishes === hooks.crashOn;
    if (due && hooks.crashAt === 'before-publish') crash();
    const result = await store.publish(request);
    if (due && hooks.crashAt === 'after-publish') crash();
    return result;
  };
  return overriding(store, { publish });
}

/** The learner, sleeping `slowMs` in every update (when set). */
export function withSlowLearning<S>(learner: StreamLearner<S>, hooks: FaultHooks): StreamLearner<S> {
  if (hooks.slowMs <= 0) return learner;
  const cell = new Int32Array(new SharedArrayBuffer(4));
  const learn = (sample: S): void => {
    // Blocks the thread like CPU-heavy work would, without spinning a core.
    Atomics.wait(cell, 0, 0, hooks.slowMs);
    learner.learn(sample);
  };
  return overriding(learner, { learn });
}

/** `target` with some methods replaced; the others called on `target` itself (private fields). */
function overriding<T extends object>(target: T, replaced: Partial<T>): T {
  return new Proxy(target, {
    get: (object, property) => {
      if (Object.prototype.hasOwnProperty.call(replaced, property)) return (replaced as Record<PropertyKey, unknown>)[property];
      const value: unknown = Reflect.get(object, property, object);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(object) : value;
    },
  });
}
