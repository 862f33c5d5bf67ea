// Redis restarted under load: the scorer keeps answering with the last good weights while Redis
// is down (no errors, one version per answer), and picks up the next version once Redis is back
// (here the restarted Redis is empty, as after a crash without persistence, and the trainer
// republishes). A dedicated redis-server on a free port, so no other test is disturbed.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { RedisModelStore } from '@streamlr/store';
import { runScorer, type Scorer, type ScoreResponseBody } from '@streamlr/scorer';
import { movielensEvents, publish, train, until } from './scorer-helpers.js';

const MODEL = `scorer-redis-restart-${Date.now()}`;
let port = 0;
let redis: ChildProcess | null = null;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: p } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return p;
}

async function startRedis(): Promise<void> {
  redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const probe = new RedisModelStore({ url: `redis://127.0.0.1:${port}` });
  try {
    await until(async () => (await probe.latestVersion('x').then(() => true, () => false)) || undefined, 'redis up', 10_000, 50);
  } finally {
    await probe.close();
  }
}

async function stopRedis(): Promise<void> {
  const child = redis;
  redis = null;
  if (child === null || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

before(async () => {
  port = await freePort();
  await startRedis();
});

after(async () => {
  await stopRedis();
});

describe('scorer while Redis restarts', () => {
  it('keeps serving the last good weights, then reloads the next version', async () => {
    const events = await movielensEvents(0, 4_000);
    const v1 = train(events.slice(0, 2_000), { model: MODEL, version: 1 });
    const v2 = train(events, { model: MODEL, version: 2 });
    let store = new RedisModelStore({ url: `redis://127.0.0.1:${port}` });
    await publish(store, MODEL, 1, v1);
    await store.close();

    const stop = new AbortController();
    let scorer: Scorer | undefined;
    const running = runScorer(['--model', MODEL, '--http-only', '--port', '0', '--poll-interval', '0.2'], { REDIS_URL: `redis://127.0.0.1:${port}` }, {
      signal: stop.signal,
      stdout: { write: () => undefined },
      onStarted: (s) => (scorer = s),
    });
    await until(() => scorer?.current?.version === 1, 'version 1 loaded');

    // Load: a steady stream of requests for the whole outage and recovery.
    const versions = new Map<number, number>();
    let failures = 0;
    let loading = true;
    const load = (async () => {
      while (loading) {
        const response = await fetch(`${scorer!.url}/score`, { method: 'POST', body: JSON.stringify(events.slice(0, 50)) });
        if (response.status !== 200) failures++;
        else {
          const body = (await response.json()) as ScoreResponseBody;
          versions.set(body.version, (versions.get(body.version) ?? 0) + 1);
        }
      }
    })();

    await new Promise((r) => setTimeout(r, 300));
    await stopRedis();
    const downAt = Date.now();
    await new Promise((r) => setTimeout(r, 2_000));
    const servedWhileDown = versions.get(1) ?? 0;
    assert.equal(failures, 0, 'every request answered while Redis is down');
    await startRedis();
    const upAt = Date.now();
    store = new RedisModelStore({ url: `redis://127.0.0.1:${port}` });
    await publish(store, MODEL, 2, v2);
    await store.close();
    await until(() => scorer?.current?.version === 2, 'version 2 after Redis came back', 20_000, 20);
    const reloadMs = Date.now() - upAt;
    loading = false;
    await load;
    stop.abort();
    assert.equal(await running, 0);
    assert.equal(failures, 0);
    assert.ok(servedWhileDown > 0);
    assert.deepEqual([...versions.keys()].sort(), [1, 2]);
    process.stdout.write(`# redis down ${upAt - downAt} ms: ${servedWhileDown} requests answered with v1, 0 failures; v2 served ${reloadMs} ms after Redis was back\n`);
  });
});
