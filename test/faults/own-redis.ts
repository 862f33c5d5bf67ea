// A redis-server of the test's own, on a free port, so restarting it (or losing its data) never
// disturbs the shared Redis other tests use.
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { until } from './harness.js';

export const REDIS_SERVER = process.env.STREAMLR_REDIS_SERVER ?? '/usr/bin/redis-server';

/**
 * A free port BELOW the kernel's ephemeral range (32768–60999 by default): servers that these
 * tests restart on the same port must not find it taken meanwhile by some client connection's
 * ephemeral source port, which a port picked with listen(0) can be.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error('no free port in 20000–31999');
}

export class OwnRedis {
  private child: ChildProcess | null = null;
  private constructor(
    readonly port: number,
    readonly dir: string,
  ) {}

  static async start(): Promise<OwnRedis> {
    const redis = new OwnRedis(await freePort(), mkdtempSync(join(tmpdir(), 'streamlr-faults-redis-')));
    await redis.start();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts the server; it loads `dump.rdb` from its directory when there is one. */
  async start(): Promise<void> {
    const child = spawn(REDIS_SERVER, ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir, '--dbfilename', 'dump.rdb'], {
      stdio: 'ignore',
    });
    this.child = child;
    await until(`redis-server on :${this.port}`, async () => {
      if (child.exitCode !== null) throw new Error(`redis-server exited (${child.exitCode})`);
      const client = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      client.on('error', () => undefined);
      try {
        await client.connect();
        return (await client.ping()) === 'PONG';
      } catch {
        return false;
      } finally {
        client.disconnect();
      }
    }, 10_000, 50);
  }

  /** A client for direct commands (the caller disconnects it). */
  client(): Redis {
    const client = new Redis(this.url, { maxRetriesPerRequest: 1 });
    // Its commands report their own errors; connection errors are expected while Redis is down.
    client.on('error', () => undefined);
    return client;
  }

  /** Writes the data set to `<dir>/<name>` (SAVE), for a later restart from it. */
  async saveAs(name: string): Promise<void> {
    const client = this.client();
    try {
      await client.save();
    } finally {
      client.disconnect();
    }
    copyFileSync(join(this.dir, 'dump.rdb'), join(this.dir, name));
  }

  /**
   * Stops the server: `kill` is kill -9 (connections drop at once, nothing saved); `save` is
   * SHUTDOWN SAVE (the data set is on disk for the next start).
   */
  async stop(mode: 'kill' | 'save'): Promise<void> {
    const child = this.child;
    if (child === null || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    if (mode === 'kill') {
      child.kill('SIGKILL');
    } else {
      const client = new Redis(this.url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
      client.on('error', () => undefined);
      await client.call('SHUTDOWN', 'SAVE').catch(() => undefined);
      client.disconnect();
    }
    await exited;
    this.child = null;
  }

  /** What the next start loads: nothing (empty), or a data set saved with `saveAs`. */
  useData(saved: string | null): void {
    const dump = join(this.dir, 'dump.rdb');
    rmSync(dump, { force: true });
    if (saved !== null) copyFileSync(join(this.dir, saved), dump);
  }

  /** SIGSTOP / SIGCONT: the server hangs (connections stay open, nothing answers). */
  pause(paused: boolean): void {
    this.child?.kill(paused ? 'SIGSTOP' : 'SIGCONT');
  }

  async destroy(): Promise<void> {
    if (this.child !== null) this.child.kill('SIGCONT');
    await this.stop('kill');
    if (existsSync(this.dir)) rmSync(this.dir, { recursive: true, force: true });
  }
}
