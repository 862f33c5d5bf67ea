import { MODEL_NAME_PATTERN, RedisModelStore, StoreUnavailableError, type ModelStore } from '@streamlr/store';
import { CommandError } from './cli.js';
import { REDIS_SETTINGS, redisConnection, type Settings } from '@streamlr/stream';
import { UsageError } from './command.js';

/** The Redis model store of a command's --redis flags (connections named `streamlr-cli:*`). */
export function openStore(flags: Settings<typeof REDIS_SETTINGS>, keep?: number): RedisModelStore {
  return new RedisModelStore({ ...redisConnection(flags), clientName: 'streamlr-cli', ...(keep === undefined ? {} : { keep }) });
}

/** A model name the store accepts, or a UsageError naming the flag. */
export function checkModelName(flag: string, name: string): string {
  if (!MODEL_NAME_PATTERN.test(name)) {
    throw new UsageError(`--${flag}: '${name}' is not a model name (letters, digits, '.', '_', '-'; up to 128; starting with a letter or digit)`);
  }
  return name;
}

/** The next version number: above the `latest` pointer and every kept version (forward-only publishing). */
export async function nextVersion(store: ModelStore, model: string): Promise<number> {
  const kept = await store.list(model);
  const latest = await store.latestVersion(model);
  return Math.max(latest ?? 0, ...kept.map((m) => m.version)) + 1;
}

/** The Redis URL without its password, for messages. */
export function redactedRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}

/** Runs `body`; an unreachable Redis becomes one line naming the URL. */
export async function withStore<T>(url: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof StoreUnavailableError) {
      throw new CommandError(`Redis at ${redactedRedisUrl(url)} is unreachable (${error.message})`, { cause: error, retriable: true });
    }
    throw error;
  }
}
