import { Redis, type RedisOptions } from 'ioredis';
import { messageOf, StoreClosedError, StoreError, StorePermissionError, StoreUnavailableError } from './errors.js';
import { parseRedisUrl, type ConnectionRole, type RedisModelStoreOptions } from './redis-options.js';

/** Redis errors that mean "try again later" rather than "this cannot work". */
const RETRIABLE_REPLY = /^(READONLY|LOADING|BUSY|OOM|TRYAGAIN|CLUSTERDOWN|MASTERDOWN|MOVED|ASK)\b/;
const PERMISSION_REPLY = /^(NOPERM|NOAUTH|WRONGPASS)\b/;

/**
 * A Lua script run by the writer connection through ioredis defineCommand (EVALSHA with an
 * automatic EVAL fallback on NOSCRIPT). `name` is the command name defined on the connection.
 */
export interface LuaScript {
  readonly name: string;
  readonly numberOfKeys: number;
  readonly lua: string;
}

export type ScriptArg = string | Buffer | number;

type ScriptCommand = (...args: ScriptArg[]) => Promise<unknown>;

/**
 * The connection rules both Redis stores follow:
 * - writer: no offline queue, bounded retries, command timeout — a write either succeeds or fails
 *   at once with StoreUnavailableError (retriable), so the trainer pauses instead of piling up
 *   unpublished state (DESIGN section 6);
 * - reader: may queue commands for `readMaxRetries` reconnections (scorers ride out a short blip);
 * - every connection is lazy and reports its 'error' events to `onConnectionError`;
 * - every Redis error becomes a StoreError: permission, retriable or plain.
 */
export class RedisConnections {
  readonly writer: Redis;
  readonly reader: Redis;
  readonly #options: Readonly<RedisModelStoreOptions>;
  readonly #connections: Redis[] = [];
  #writerConnecting: Promise<void> | undefined;
  #closed = false;

  /** `names` are the CLIENT SETNAME suffixes (`<clientName>:<name>`) of the two connections. */
  constructor(
    options: Readonly<RedisModelStoreOptions>,
    names: { writer: string; reader: string },
    scripts: readonly LuaScript[],
  ) {
    this.#options = options;
    this.writer = this.connection(names.writer, 'writer', {
      enableOfflineQueue: false,
      maxRetriesPerRequest: options.writeMaxRetries,
    });
    for (const { name, numberOfKeys, lua } of scripts) this.writer.defineCommand(name, { numberOfKeys, lua });
    this.reader = this.connection(names.reader, 'reader', {
      enableOfflineQueue: true,
      maxRetriesPerRequest: options.readMaxRetries,
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** A further lazy connection (e.g. pub/sub), closed with the others. */
  connection(name: string, role: ConnectionRole, overrides: RedisOptions): Redis {
    const connection = new Redis({
      ...parseRedisUrl(this.#options),
      connectionName: `${this.#options.clientName}:${name}`,
      connectTimeout: this.#options.connectTimeoutMs,
      commandTimeout: this.#options.commandTimeoutMs,
      lazyConnect: true,
      // The connection name identifies us in CLIENT LIST; CLIENT SETINFO (Redis >= 7.2) would need
      // one more ACL rule and only fill ACL LOG with denials where it is not granted.
      disableClientInfo: true,
      ...overrides,
    });
    connection.on('error', (error: Error) => this.#options.onConnectionError?.(error, role));
    this.#connections.push(connection);
    return connection;
  }

  /** Throws StoreClosedError once close() was called. */
  open(operation: string): void {
    if (this.#closed) throw new StoreClosedError(operation);
  }

  /** Runs a command on the reader; Redis errors become StoreErrors. */
  read<T>(operation: string, command: (reader: Redis) => Promise<T>): Promise<T> {
    return this.run(operation, () => command(this.reader));
  }

  /** Runs a command on the writer once it is connected; Redis errors become StoreErrors. */
  async write<T>(operation: string, command: (writer: Redis) => Promise<T>): Promise<T> {
    const writer = await this.#writerReady(operation);
    return this.run(operation, () => command(writer));
  }

  /** Runs one of the scripts given at construction on the writer. */
  script(operation: string, script: LuaScript, keys: readonly string[], args: readonly ScriptArg[]): Promise<unknown> {
    if (keys.length !== script.numberOfKeys) {
      throw new StoreError(`${operation}: script ${script.name} takes ${script.numberOfKeys} keys, got ${keys.length}`);
    }
    return this.write(operation, (writer) => {
      const command = (writer as unknown as Record<string, ScriptCommand | undefined>)[script.name];
      if (command === undefined) throw new StoreError(`${operation}: script ${script.name} is not defined on the writer`);
      return command.call(writer, ...keys, ...args);
    });
  }

  async run<T>(operation: string, command: () => Promise<T>): Promise<T> {
    this.open(operation);
    try {
      return await command();
    } catch (error) {
      throw this.mapError(operation, error);
    }
  }

  mapError(operation: string, error: unknown): StoreError {
    if (error instanceof StoreError) return error;
    const message = messageOf(error);
    if (error instanceof Error && error.name === 'ReplyError') {
      if (PERMISSION_REPLY.test(message)) return new StorePermissionError(operation, error);
      if (RETRIABLE_REPLY.test(message)) return new StoreUnavailableError(operation, message, error);
      return new StoreError(`${operation}: Redis replied ${message}`, { cause: error });
    }
    if (this.#closed) return new StoreClosedError(operation);
    // Connection closed, stream not writeable (no offline queue), command timeout,
    // MaxRetriesPerRequestError, ECONNREFUSED…: the outcome is unknown or the write never left.
    return new StoreUnavailableError(operation, message, error);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all(this.#connections.map(quietly));
  }

  /**
   * The writer has no offline queue, so it must be connected before the first command. Only the
   * first connect is awaited (bounded by connectTimeoutMs); afterwards ioredis reconnects in the
   * background and writes fail fast while it is down.
   */
  async #writerReady(operation: string): Promise<Redis> {
    this.open(operation);
    if (this.writer.status === 'wait') {
      this.#writerConnecting ??= this.writer.connect().finally(() => {
        this.#writerConnecting = undefined;
      });
    }
    if (this.#writerConnecting !== undefined) {
      await this.#writerConnecting.catch((error: unknown) => {
        throw new StoreUnavailableError(operation, `cannot connect to Redis: ${messageOf(error)}`, error);
      });
    }
    return this.writer;
  }
}

/** A Uint8Array as a Buffer over the same memory (ioredis sends Buffers as binary strings). */
export function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

async function quietly(connection: Redis): Promise<void> {
  if (connection.status === 'ready') {
    try {
      await connection.quit();
      return;
    } catch {
      // fall through to a hard disconnect
    }
  }
  connection.disconnect();
}
