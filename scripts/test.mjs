#!/usr/bin/env node
// `npm test`: bring up the real local infrastructure (Kafka, Redis, Prometheus — reusing what is
// already running) while building, run every workspace's tests, then the root integration and
// end-to-end tests, stop only what this run started, and close with one plain line
// `N passed, N failed, N skipped` summed over the phases.
//   node scripts/test.mjs                all phases
//   node scripts/test.mjs --unit         build + workspace tests, no infrastructure
//   node scripts/test.mjs --integration  build + infrastructure + root tests only
//   node scripts/test.mjs --faults       build + infrastructure + the fault suite (test/faults) only
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const REPORTER = fileURLToPath(new URL('./count-reporter.mjs', import.meta.url));

/** Per-test timeouts: a hung test fails instead of hanging the run (and CI). */
const UNIT = { concurrency: 2, timeoutMs: 120_000 };
/** Integration tests share one broker and one Redis: one file at a time. */
const INTEGRATION = { concurrency: 1, timeoutMs: 300_000 };

const totals = { passed: 0, failed: 0, skipped: 0 };
let interrupted = false;
let current = null;

function say(line) {
  process.stdout.write(`${line}\n`);
}

/** `dir/**` files ending in `.test.js`. */
function findTests(dir) {
  if (!existsSync(dir)) return [];
  const found = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...findTests(path));
    else if (entry.name.endsWith('.test.js')) found.push(path);
  }
  return found.sort();
}

/**
 * Compiled tests of a project whose source still exists: tsc -b never deletes outputs, so a
 * renamed or removed test would otherwise keep running from dist/.
 */
function compiledTests(projectDir, outDir) {
  return findTests(join(projectDir, outDir, 'test')).filter((js) => {
    const rel = relative(join(projectDir, outDir), js).replace(/\.js$/, '.ts');
    return existsSync(join(projectDir, rel));
  });
}

/** The workspace folders named in package.json (plain paths, or `dir/*`). */
function workspaceDirs() {
  const { workspaces } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8'));
  return workspaces.flatMap((ws) => {
    if (!ws.endsWith('/*')) return [join(REPO_ROOT, ws)];
    const parent = join(REPO_ROOT, ws.slice(0, -2));
    if (!existsSync(parent)) return [];
    return readdirSync(parent, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => join(parent, e.name));
  });
}

function unitTestFiles() {
  return workspaceDirs().flatMap((dir) => compiledTests(dir, 'dist'));
}

function integrationTestFiles() {
  // test/tsconfig.json compiles test/*.ts into test/dist/ (rootDir test/, so no test/ level).
  const out = join(REPO_ROOT, 'test', 'dist');
  return findTests(out).filter((js) => existsSync(join(REPO_ROOT, 'test', relative(out, js).replace(/\.js$/, '.ts'))));
}

/** The fault suite: test/faults/*.test.ts, part of the root tests. */
function faultTestFiles() {
  const faults = join(REPO_ROOT, 'test', 'dist', 'faults');
  return integrationTestFiles().filter((js) => js.startsWith(`${faults}/`));
}

/** `tsc -b` over the whole repository (incremental: quick when nothing changed). */
async function build() {
  const tsc = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  if (!existsSync(tsc)) {
    say('test: node_modules is missing: run `npm ci` (or `npm install`) first');
    return false;
  }
  say('== build (tsc -b)');
  const code = await new Promise((resolve) => {
    current = spawn(process.execPath, [tsc, '-b'], { cwd: REPO_ROOT, stdio: 'inherit' });
    current.once('exit', (status, signal) => resolve(status ?? signal));
  });
  current = null;
  return code === 0;
}

/** One `node --test` run: spec output to the terminal, counts added to the totals. */
async function runPhase(name, files, { concurrency, timeoutMs }, env = process.env) {
  say(`\n== ${name}: ${files.length} test file${files.length === 1 ? '' : 's'}`);
  if (files.length === 0) return true;
  const work = mkdtempSync(join(tmpdir(), 'streamlr-test-'));
  const countsFile = join(work, 'counts.json');
  const args = [
    '--test',
    `--test-concurrency=${concurrency}`,
    `--test-timeout=${timeoutMs}`,
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    `--test-reporter=${REPORTER}`, `--test-reporter-destination=${countsFile}`,
    ...files.map((f) => relative(REPO_ROOT, f)),
  ];
  const code = await new Promise((resolve) => {
    current = spawn(process.execPath, args, { cwd: REPO_ROOT, env, stdio: 'inherit' });
    current.once('exit', (status, signal) => resolve(status ?? signal));
  });
  current = null;
  let counts = null;
  try {
    counts = JSON.parse(readFileSync(countsFile, 'utf8'));
  } catch {
    /* the runner died before its reporters finished */
  }
  rmSync(work, { recursive: true, force: true });
  if (counts === null) {
    say(`test: the ${name} runner ended (${code}) without a report`);
    totals.failed += 1;
    return false;
  }
  for (const key of Object.keys(totals)) totals[key] += counts[key];
  return code === 0;
}

async function main(argv) {
  const modes = ['--unit', '--integration', '--faults'];
  const only = argv.find((a) => modes.includes(a));
  const unknown = argv.filter((a) => !modes.includes(a));
  if (unknown.length > 0) {
    say(`usage: node scripts/test.mjs [--unit | --integration | --faults] (unknown: ${unknown.join(' ')})`);
    return 2;
  }
  if (only === '--unit') {
    if (!(await build())) return buildFailed();
    const ok = await runPhase('unit tests (workspaces)', unitTestFiles(), UNIT);
    return finish(ok);
  }

  // Workspace tests may talk to Kafka and Redis as well (a store's Redis implementation, the
  // stream's consumer adapter), so the infrastructure comes up first — while the build runs.
  const infra = await import('../infra/local/infra.mjs');
  say('== local infrastructure (starting while the build runs)');
  const infraUp = infra.up();
  let started = [];
  try {
    const built = await build();
    const results = await infraUp;
    started = results.filter((r) => r.state === 'started').map((r) => r.service);
    if (!built) return buildFailed();
    const infraOk = !results.some((r) => r.state === 'failed');
    if (!infraOk) {
      say('test: the local infrastructure did not come up: tests that need it will fail, root tests are not run');
      totals.failed += 1;
    }
    const env = {
      ...process.env,
      KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
      REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      PROMETHEUS_URL: process.env.PROMETHEUS_URL ?? 'http://127.0.0.1:9090',
    };
    let ok = infraOk;
    if (only === undefined && !interrupted) ok = (await runPhase('unit tests (workspaces)', unitTestFiles(), UNIT, env)) && ok;
    if (infraOk && !interrupted) {
      ok =
        only === '--faults'
          ? (await runPhase('fault suite (test/faults)', faultTestFiles(), INTEGRATION, env)) && ok
          : (await runPhase('integration and end-to-end tests (test/)', integrationTestFiles(), INTEGRATION, env)) && ok;
    }
    return finish(ok);
  } finally {
    if (started.length > 0) {
      say('\n== stopping what this run started');
      await infra.down(started);
    }
  }
}

function buildFailed() {
  say('test: the build failed');
  totals.failed += 1;
  return 1;
}

/** The exit code; the closing summary line is printed by the caller, after any clean-up. */
function finish(ok) {
  return ok && totals.failed === 0 && !interrupted ? 0 : 1;
}

// Ctrl-C reaches the runner too (same process group); let it finish its report, then clean up.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    interrupted = true;
    current?.kill(signal);
  });
}

main(process.argv.slice(2))
  .catch((err) => {
    say(`test: ${err instanceof Error ? err.stack : String(err)}`);
    totals.failed += 1;
    return 1;
  })
  .then((code) => {
    if (code === 2) {
      process.exitCode = code;
      return;
    }
    if (interrupted) say('\ntest: interrupted');
    // Last line of the run, after the clean-up output, in the plain form CI reads.
    say(`\n${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
    process.exitCode = code;
  });
