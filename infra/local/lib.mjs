// Shared helpers for the local infrastructure scripts: where state lives, process bookkeeping,
// readiness probes and installing missing Debian packages. Plain Node (no build step), so the
// scripts run before `tsc -b` has produced anything.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

/** Repository root (this file is infra/local/lib.mjs). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Run-time state of the services this checkout starts (data, logs, pid files). Per checkout, so a
 * second clone never mistakes another clone's broker for its own. Override: STREAMLR_INFRA_DIR.
 */
export const STATE_DIR = resolve(process.env.STREAMLR_INFRA_DIR ?? join(REPO_ROOT, '.infra'));
export const LOG_DIR = join(STATE_DIR, 'logs');

/**
 * Downloads shared by every checkout (the Kafka jars), so a second clone downloads nothing.
 * Override: STREAMLR_CACHE_DIR; otherwise $XDG_CACHE_HOME/streamlr or ~/.cache/streamlr.
 */
export const CACHE_DIR = resolve(
  process.env.STREAMLR_CACHE_DIR ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'streamlr'),
);

export const HOST = '127.0.0.1';

export class InfraError extends Error {
  constructor(message, options) {
    super(message, options);
    this.name = 'InfraError';
  }
}

export function ensureDir(path) {
  mkdirSync(path, { recursive: true });
  return path;
}

export function log(message) {
  process.stdout.write(`${message}\n`);
}

/** True when something accepts TCP connections on host:port. */
export function isListening(port, host = HOST, timeoutMs = 500) {
  return new Promise((done) => {
    const socket = createConnection({ host, port });
    const finish = (ok) => {
      socket.destroy();
      done(ok);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
  });
}

/** Poll `check` (async, truthy when ready) until it succeeds or `timeoutMs` passes. */
export async function waitFor(what, check, { timeoutMs, intervalMs = 250, abort } = {}) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  for (;;) {
    const reason = abort?.();
    if (reason) throw new InfraError(`${what}: ${reason}`);
    try {
      if (await check()) return;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const detail = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new InfraError(`${what}: not ready after ${Math.round(timeoutMs / 1000)} s${detail}`);
    }
    await sleep(intervalMs);
  }
}

// ---------------------------------------------------------------------------------------------
// Processes we start. A pid file records the pid together with the process start time from
// /proc/<pid>/stat, so a recycled pid is never mistaken for ours (and never signalled).

function procStartTime(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22 (starttime); fields after the parenthesised command name are space separated.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return rest[19] ?? null;
  } catch {
    return null;
  }
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

/** The live process recorded in `pidFile`, or null (a stale pid file is removed). */
export function ownProcess(pidFile) {
  if (!existsSync(pidFile)) return null;
  let record;
  try {
    record = JSON.parse(readFileSync(pidFile, 'utf8'));
  } catch {
    rmSync(pidFile, { force: true });
    return null;
  }
  const { pid, startTime } = record;
  const alive =
    Number.isInteger(pid) &&
    isAlive(pid) &&
    // Without /proc (not Linux) only liveness can be checked.
    (startTime === null || procStartTime(pid) === startTime);
  if (!alive) {
    rmSync(pidFile, { force: true });
    return null;
  }
  return record;
}

/**
 * Start a long-running process detached from this one (its own process group, so Ctrl-C in the
 * terminal that ran `infra:up` does not reach it), stdout/stderr appended to `outFile`.
 */
export function spawnDetached(command, args, { pidFile, outFile, cwd = REPO_ROOT, env = process.env }) {
  ensureDir(dirname(outFile));
  const fd = openSync(outFile, 'a');
  let child;
  try {
    child = spawn(command, args, { cwd, env, detached: true, stdio: ['ignore', fd, fd] });
  } finally {
    closeSync(fd);
  }
  if (child.pid === undefined) throw new InfraError(`could not start ${command}`);
  let exited = null;
  child.once('exit', (code, signal) => {
    exited = signal ?? `exit code ${code}`;
  });
  child.once('error', (err) => {
    exited = err.message;
  });
  child.unref();
  writeFileSync(
    pidFile,
    `${JSON.stringify({ pid: child.pid, startTime: procStartTime(child.pid), command: [command, ...args] })}\n`,
  );
  return { pid: child.pid, exited: () => exited };
}

/** SIGTERM the recorded process, wait for it to exit, SIGKILL after `graceMs`. */
export async function stopOwn(pidFile, { graceMs = 30_000 } = {}) {
  const record = ownProcess(pidFile);
  if (record === null) return null;
  const { pid } = record;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    /* already gone */
  }
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && procStartTime(pid) === record.startTime && Date.now() < deadline) {
    await sleep(100);
  }
  if (isAlive(pid) && procStartTime(pid) === record.startTime) {
    process.kill(pid, 'SIGKILL');
    while (isAlive(pid) && procStartTime(pid) === record.startTime) await sleep(50);
  }
  rmSync(pidFile, { force: true });
  return pid;
}

export function fileSize(file) {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** Last `n` lines written to a file after byte `from` (its size before a start), for error messages. */
export function tail(file, n = 15, from = 0) {
  try {
    const text = readFileSync(file).subarray(from).toString('utf8').trimEnd();
    return text === '' ? '(nothing logged)' : text.split('\n').slice(-n).join('\n');
  } catch {
    return '(no log)';
  }
}

// ---------------------------------------------------------------------------------------------
// Installing what is missing: Debian packages through apt-get when we are root, otherwise a
// message saying exactly what to install.

export function hasCommand(name) {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

let aptUpdated = false;

/**
 * Make sure `command` exists, installing Debian package `pkg` when it does not and we may.
 * Throws an InfraError naming the package otherwise.
 */
export function ensureCommand(command, pkg, { check } = {}) {
  const ok = () => hasCommand(command) && (check === undefined || check());
  if (ok()) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !hasCommand('apt-get')) {
    throw new InfraError(
      `${command} is missing: install the Debian package ${pkg} (sudo apt-get install ${pkg}) ` +
        'or put it on PATH, then run this again',
    );
  }
  log(`installing ${pkg} with apt-get (${command} is missing)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  // Debian's redis-server and prometheus packages start their system service on install; the
  // usual policy-rc.d (exit 101) stops that, so only the processes these scripts start run.
  const policy = '/usr/sbin/policy-rc.d';
  const addedPolicy = !existsSync(policy);
  if (addedPolicy) writeFileSync(policy, '#!/bin/sh\nexit 101\n', { mode: 0o755 });
  try {
    if (!aptUpdated) {
      run('apt-get', ['update', '-qq'], { env });
      aptUpdated = true;
    }
    run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', pkg], { env });
  } finally {
    if (addedPolicy) rmSync(policy, { force: true });
  }
  if (!ok()) throw new InfraError(`installed ${pkg} but ${command} is still not usable`);
}

/**
 * Run a command to completion without blocking the event loop (other services keep starting
 * meanwhile), collecting its output. Resolves to { status, output }.
 */
export function capture(command, args, options = {}) {
  return new Promise((done) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
    let output = '';
    child.stdout.on('data', (chunk) => { output += chunk; });
    child.stderr.on('data', (chunk) => { output += chunk; });
    child.once('error', (err) => done({ status: null, output: `${output}${err.message}\n` }));
    child.once('close', (status) => done({ status, output }));
  });
}

/** Run a command to completion, inheriting output; throws with its exit status on failure. */
export function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (result.error) throw new InfraError(`${command}: ${result.error.message}`, { cause: result.error });
  if (result.status !== 0) {
    throw new InfraError(`${command} ${args.join(' ')} failed (exit ${result.status ?? result.signal})`);
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
/**
 * The up/down/status logic every service shares. `start()` launches the process (installing
 * what it needs first) and returns { pid, exited, explain }: `exited()` is null while it runs,
 * `explain(how)` turns an early exit into a message with the log lines it wrote.
 * `ready(abort)` resolves when the service does real work, polling until `abort()` gives a reason.
 */
export function managedService({ name, address, port, pidFile, logFile, stopGraceMs, ready, start }) {
  const reuse = async () => {
    await ready();
    return { state: 'reused' };
  };
  return {
    name,
    address,
    logFile,

    async up() {
      const own = ownProcess(pidFile);
      if (own !== null) {
        await ready();
        return { state: 'running', pid: own.pid };
      }
      if (await isListening(port)) return reuse();
      const child = await start();
      try {
        await ready(() => {
          const how = child.exited();
          return how === null ? null : child.explain(how);
        });
      } catch (err) {
        await stopOwn(pidFile, { graceMs: 5_000 });
        // Another checkout may have started the same service on the same port meanwhile.
        if (await isListening(port)) return reuse();
        throw err;
      }
      return { state: 'started', pid: child.pid };
    },

    async down() {
      const pid = await stopOwn(pidFile, { graceMs: stopGraceMs });
      if (pid !== null) return { state: 'stopped', pid };
      return { state: (await isListening(port)) ? 'foreign' : 'down' };
    },

    async status() {
      const own = ownProcess(pidFile);
      const listening = await isListening(port);
      if (own !== null) return { state: listening ? 'running' : 'starting', pid: own.pid };
      return { state: listening ? 'foreign' : 'down' };
    },
  };
}
