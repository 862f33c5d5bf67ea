import type { ConnectionOptions } from 'node:tls';
import { StoreValidationError } from './errors.js';
import { DEFAULT_NAMESPACE } from './keys.js';
import { DEFAULT_MODEL_STORE_OPTIONS, validateKeep, type ModelStoreOptions } from './options.js';

export type ConnectionRole = 'writer' | 'reader' | 'subscriber';

export interface RedisModelStoreOptions extends ModelStoreOptions {
  /** `redis://[user:password@]host[:port][/db]` or `rediss://…` (TLS). Default `redis://127.0.0.1:6379`. */
  url: string;
  /** ACL user name; overrides the URL's. Default: the URL's, else the default user. */
  username?: string;
  /** Password; overrides the URL's. Default: the URL's, else none. */
  password?: string;
  /** TLS options (CA, client certificate, servername); setting them enables TLS. Default: `{}` for rediss://, none for redis://. */
  tls?: ConnectionOptions;
  /** Key namespace: keys are `{<namespace>:<model>}:…`. Default `streamlr`. */
  namespace: string;
  /** Connect timeout of every connection, ms. Default 3000. */
  connectTimeoutMs: number;
  /** A command not answered within this many ms fails with StoreUnavailableError. Default 10000 (multi-MB blobs). */
  commandTimeoutMs: number;
  /**
   * Writer connection: reconnections an in-flight write may wait through before failing. There is
   * no offline queue, so a write issued while disconnected fails at once. Default 1.
   */
  writeMaxRetries: number;
  /** Reader and subscriber connections: reconnections a queued command waits through. Default 3. */
  readMaxRetries: number;
  /** Prefix of the CLIENT SETNAME of each connection (`<clientName>:<role>`). Default `streamlr-store`. */
  clientName: string;
  /** Receives connection-level errors (ioredis 'error' events). Default: ignored, operations report their own errors. */
  onConnectionError?: (error: Error, role: ConnectionRole) => void;
}

export const DEFAULT_REDIS_STORE_OPTIONS: Readonly<RedisModelStoreOptions> = Object.freeze({
  ...DEFAULT_MODEL_STORE_OPTIONS,
  url: 'redis://127.0.0.1:6379',
  namespace: DEFAULT_NAMESPACE,
  connectTimeoutMs: 3000,
  commandTimeoutMs: 10_000,
  writeMaxRetries: 1,
  readMaxRetries: 3,
  clientName: 'streamlr-store',
});

/** Connection settings parsed from the URL and options. */
export interface RedisEndpoint {
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  tls?: ConnectionOptions;
}

function nonNegativeInteger(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new StoreValidationError(field, `must be a non-negative integer, got ${String(value)}`);
  }
  return value;
}

function positiveInteger(value: unknown, field: string): number {
  if (nonNegativeInteger(value, field) === 0) throw new StoreValidationError(field, 'must be > 0');
  return value as number;
}

export function resolveRedisOptions(options: Partial<RedisModelStoreOptions>): RedisModelStoreOptions {
  const merged = { ...DEFAULT_REDIS_STORE_OPTIONS, ...dropUndefined(options) };
  validateKeep(merged.keep);
  if (!/^[A-Za-z0-9._-]+$/.test(merged.namespace)) {
    throw new StoreValidationError('namespace', `must match [A-Za-z0-9._-]+, got ${JSON.stringify(merged.namespace)}`);
  }
  positiveInteger(merged.connectTimeoutMs, 'connectTimeoutMs');
  positiveInteger(merged.commandTimeoutMs, 'commandTimeoutMs');
  nonNegativeInteger(merged.writeMaxRetries, 'writeMaxRetries');
  nonNegativeInteger(merged.readMaxRetries, 'readMaxRetries');
  parseRedisUrl(merged);
  return merged;
}

function dropUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export function parseRedisUrl(options: Pick<RedisModelStoreOptions, 'url' | 'username' | 'password' | 'tls'>): RedisEndpoint {
  let url: URL;
  try {
    url = new URL(options.url);
  } catch {
    throw new StoreValidationError('url', `not a URL: ${JSON.stringify(options.url)}`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new StoreValidationError('url', `must start with redis:// or rediss://, got ${url.protocol}//`);
  }
  if (url.hostname === '') throw new StoreValidationError('url', 'has no host');
  const port = url.port === '' ? 6379 : Number(url.port);
  const dbText = url.pathname.replace(/^\//, '');
  if (dbText !== '' && !/^\d+$/.test(dbText)) {
    throw new StoreValidationError('url', `database must be a number, got ${JSON.stringify(dbText)}`);
  }
  const endpoint: RedisEndpoint = {
    // WHATWG URL keeps IPv6 brackets in hostname; net.connect wants them off.
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port,
    db: dbText === '' ? 0 : Number(dbText),
  };
  const username = options.username ?? (url.username === '' ? undefined : decodeURIComponent(url.username));
  const password = options.password ?? (url.password === '' ? undefined : decodeURIComponent(url.password));
  if (username !== undefined) endpoint.username = username;
  if (password !== undefined) endpoint.password = password;
  const tls = options.tls ?? (url.protocol === 'rediss:' ? {} : undefined);
  if (tls !== undefined) endpoint.tls = tls;
  return endpoint;
}

/** The URL with any password replaced by `***`, for logs. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<invalid url>';
  }
}
