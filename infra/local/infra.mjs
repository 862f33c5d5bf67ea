#!/usr/bin/env node
// Start, stop and inspect the real local infrastructure — Kafka, Redis, Prometheus on 127.0.0.1,
// no Docker:
//   node infra/local/infra.mjs up|down|status [kafka|redis|prometheus ...]
// (npm run infra:up|infra:down|infra:status). Safe to run twice. `down` stops only processes these
// scripts started (recorded in .infra/*/*.pid); a service that was already listening is reused by
// `up` and left alone by `down`.
import { relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { kafka } from './kafka.mjs';
import { prometheus } from './prometheus.mjs';
import { redis } from './redis.mjs';
import { REPO_ROOT, log } from './lib.mjs';

export { KAFKA_VERSION } from './kafka.mjs';

/** Start order: the quick ones first, so their lines appear while the broker boots. */
export const SERVICES = [redis, prometheus, kafka];

function select(names) {
  if (names.length === 0) return SERVICES;
  return names.map((name) => {
    const service = SERVICES.find((s) => s.name === name);
    if (service === undefined) {
      throw new Error(`unknown service '${name}' (one of: ${SERVICES.map((s) => s.name).join(', ')})`);
    }
    return service;
  });
}

function where(path) {
  const rel = relative(process.cwd(), path);
  return rel.startsWith('..') ? path : rel;
}

const NOTES = {
  started: (s, r) => `pid ${r.pid}, ready in ${r.seconds.toFixed(1)} s, log ${where(s.logFile)}`,
  running: (s, r) => `pid ${r.pid}, started by these scripts, log ${where(s.logFile)}`,
  reused: () => 'already listening, not started by these scripts: reused, and infra:down leaves it alone',
  stopped: (s, r) => `stopped pid ${r.pid}`,
  foreign: () => 'listening, not started by these scripts (left alone)',
  down: () => 'not running',
  starting: (s, r) => `pid ${r.pid} started by these scripts, not listening yet, log ${where(s.logFile)}`,
  failed: (s, r) => `${r.error.message}\n    log ${where(s.logFile)}`,
};

function report(service, result) {
  const note = NOTES[result.state](service, result);
  log(`${service.name.padEnd(11)} ${result.state.padEnd(8)} ${service.address.padEnd(24)} ${note}`);
}

/** Run `action` on every service at once; report each in order as soon as it and those before it are done. */
async function each(services, action) {
  const pending = services.map(async (service) => {
    const t0 = performance.now();
    try {
      const result = await service[action]();
      return { ...result, seconds: (performance.now() - t0) / 1000 };
    } catch (error) {
      return { state: 'failed', error };
    }
  });
  const results = [];
  for (const [i, service] of services.entries()) {
    const result = await pending[i];
    report(service, result);
    results.push({ service: service.name, ...result });
  }
  return results;
}

/** Bring the services up (or reuse them); resolves to one result per service, never throws. */
export const up = (names = []) => each(select(names), 'up');
/** Stop what these scripts started; reused services are left running. */
export const down = (names = []) => each(select(names), 'down');
export const status = (names = []) => each(select(names), 'status');

async function main(argv) {
  const [command, ...names] = argv;
  const actions = { up, down, status };
  if (command === undefined || !(command in actions)) {
    process.stderr.write('usage: node infra/local/infra.mjs up|down|status [kafka|redis|prometheus ...]\n');
    return 2;
  }
  log(`streamlr local infrastructure (${where(REPO_ROOT) || '.'}): ${command}`);
  const results = await actions[command](names);
  return results.some((r) => r.state === 'failed') ? 1 : 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).then(
    (code) => { process.exitCode = code; },
    (err) => {
      process.stderr.write(`infra: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
