// A single-node Kafka broker of the test's own (KRaft, the jars infra/local caches), on free ports
// with its own data directory, so a broker restart under load never disturbs the shared broker.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, openSync, closeSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kafkaClient, until } from './harness.js';
import { freePort } from './own-redis.js';

const TEMPLATE = fileURLToPath(new URL('../../../infra/local/kafka/', import.meta.url));

/** The jar directory infra/local resolved from Maven Central (`npm run infra:up` fills it), or null. */
export function kafkaLibs(): string | null {
  const cache = process.env.STREAMLR_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'streamlr');
  if (!existsSync(cache)) return null;
  const dir = readdirSync(cache)
    .filter((d) => d.startsWith('kafka-') && existsSync(join(cache, d, 'complete')))
    .sort()
    .pop();
  return dir === undefined ? null : join(cache, dir, 'libs');
}

export class OwnKafka {
  private child: ChildProcess | null = null;
  private constructor(
    readonly port: number,
    readonly controllerPort: number,
    readonly dir: string,
    private readonly libs: string,
  ) {}

  get brokers(): string[] {
    return [`127.0.0.1:${this.port}`];
  }

  static async start(libs: string): Promise<OwnKafka> {
    const port = await freePort();
    let controllerPort = await freePort();
    while (controllerPort === port) controllerPort = await freePort();
    const broker = new OwnKafka(port, controllerPort, mkdtempSync(join(tmpdir(), 'streamlr-faults-kafka-')), libs);
    broker.configure();
    await broker.start();
    return broker;
  }

  private configure(): void {
    const properties = readFileSync(join(TEMPLATE, 'server.properties'), 'utf8')
      .replaceAll('127.0.0.1:9092', `127.0.0.1:${this.port}`)
      .replaceAll('127.0.0.1:9093', `127.0.0.1:${this.controllerPort}`)
      .replaceAll('@LOG_DIRS@', join(this.dir, 'data'));
    // One partition for the offsets topic: created in well under a second on first use.
    writeFileSync(join(this.dir, 'server.properties'), `${properties}\noffsets.topic.num.partitions=1\n`);
    writeFileSync(join(this.dir, 'log4j.properties'), readFileSync(join(TEMPLATE, 'log4j.properties'), 'utf8').replaceAll('@LOG_FILE@', join(this.dir, 'kafka.log')));
    const id = randomBytes(16).toString('base64url').replace(/^-/, 'A');
    const format = spawnSync('java', [`-Dlog4j.configuration=file:${join(this.dir, 'log4j.properties')}`, '-cp', join(this.libs, '*'), 'kafka.tools.StorageTool', 'format', '-t', id, '-c', join(this.dir, 'server.properties')], {
      encoding: 'utf8',
    });
    if (format.status !== 0) throw new Error(`formatting the test broker's storage failed:\n${format.stdout}${format.stderr}`);
  }

  /** Starts the broker (on the same ports and data as before) and waits until it serves requests. */
  async start(): Promise<void> {
    const out = openSync(join(this.dir, 'kafka.out'), 'a');
    try {
      this.child = spawn(
        'java',
        ['-Xmx512m', '-Xms128m', '-XX:+UseG1GC', '-Djava.awt.headless=true', `-Dlog4j.configuration=file:${join(this.dir, 'log4j.properties')}`, '-cp', join(this.libs, '*'), 'kafka.Kafka', join(this.dir, 'server.properties')],
        { stdio: ['ignore', out, out] },
      );
    } finally {
      closeSync(out);
    }
    const child = this.child;
    const admin = kafkaClient(this.brokers).admin();
    try {
      await until(`the test broker on :${this.port}`, async () => {
        if (child.exitCode !== null) throw new Error(`the test broker exited (${child.exitCode}); see ${this.dir}/kafka.log`);
        try {
          await admin.connect();
          await admin.listTopics();
          return true;
        } catch {
          return false;
        }
      }, 90_000, 250);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  /** Stops the broker: SIGTERM is a controlled shutdown, SIGKILL a crash. Resolves when it exited. */
  async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (child === null || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    await exited;
    clearTimeout(timer);
    this.child = null;
  }

  async destroy(): Promise<void> {
    await this.stop('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}
