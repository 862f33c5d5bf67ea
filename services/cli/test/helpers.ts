import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** The `streamlr` entry point, as a user runs it. */
export const BIN = fileURLToPath(new URL('../../bin/streamlr.js', import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
export const MOVIELENS = join(REPO_ROOT, 'data', 'movielens.csv');
export const BROKERS = process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092';
export const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly seconds: number;
}

/** Runs `streamlr ...args` as a child process; the environment is the test's plus `env`. */
export function cli(args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<CliResult> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr, seconds: (performance.now() - started) / 1000 }));
  });
}

export function unique(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'streamlr-cli-test-'));
}

/**
 * Writes the first `fraction` of movielens's rows to train.csv and the rest to test.csv (the
 * dataset's documented split: rows are already shuffled; train = first 80%, test = last 20%).
 */
export async function splitMovielens(dir: string, fraction = 0.8): Promise<{ train: string; test: string; trainRows: number; testRows: number }> {
  let rows = 0;
  for await (const line of createInterface({ input: createReadStream(MOVIELENS) })) if (line !== '') rows++;
  rows -= 1; // header
  const cut = Math.floor(rows * fraction);
  const train = join(dir, 'train.csv');
  const test = join(dir, 'test.csv');
  const out = [createWriteStream(train), createWriteStream(test)] as const;
  let index = -1;
  for await (const line of createInterface({ input: createReadStream(MOVIELENS) })) {
    if (line === '') continue;
    if (index < 0) {
      out[0].write(`${line}\n`);
      out[1].write(`${line}\n`);
    } else out[index < cut ? 0 : 1].write(`${line}\n`);
    index++;
  }
  await Promise.all(out.map((s) => new Promise<void>((resolve, reject) => s.end((error?: Error | null) => (error ? reject(error) : resolve())))));
  return { train, test, trainRows: cut, testRows: rows - cut };
}
