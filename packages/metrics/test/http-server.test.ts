import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  createTrainerMetrics,
  HttpError,
  MetricsValidationError,
  Registry,
  startHttpServer,
  type HttpServerHandle,
} from '../src/index.js';

describe('startHttpServer on a real port', () => {
  const registry = new Registry();
  let ready = false;
  const errors: unknown[] = [];
  let server: HttpServerHandle;

  before(async () => {
    createTrainerMetrics(registry).forModel('ctr').samples.add(42);
    server = await startHttpServer({
      port: 0,
      host: '127.0.0.1',
      registry,
      maxBodyBytes: 1024,
      readiness: () => ({
        model: ready ? { ok: true } : { ok: false, detail: 'no model loaded yet' },
        kafka: { ok: true },
      }),
      routes: [
        {
          method: 'POST',
          path: '/score',
          handler: (request) => {
            const body = request.json() as { x?: unknown };
            if (!Array.isArray(body.x)) throw new HttpError(400, 'x: required array');
            return { body: { score: 0.5, n: body.x.length, q: request.query.get('debug') } };
          },
        },
        {
          method: 'GET',
          path: '/boom',
          handler: () => {
            throw new Error('secret internals');
          },
        },
      ],
      onError: (error) => errors.push(error),
    });
  });
  after(() => server.close());

  it('binds a free port when asked for port 0', () => {
    assert.ok(server.port > 0);
    assert.equal(server.url, `http://127.0.0.1:${server.port}`);
  });

  it('serves /metrics in the Prometheus text format', async () => {
    const response = await fetch(`${server.url}/metrics`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    assert.match(await response.text(), /^streamlr_trainer_samples_total\{model="ctr"\} 42$/m);
  });

  it('serves /healthz while alive', async () => {
    const response = await fetch(`${server.url}/healthz`);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { status: 'ok' });
  });

  it('answers /readyz 503 with the failing checks, then 200 once ready', async () => {
    let response = await fetch(`${server.url}/readyz`);
    assert.equal(response.status, 503);
    assert.deepEqual(await response.json(), { ready: false, checks: { model: { ok: false, detail: 'no model loaded yet' } } });
    ready = true;
    response = await fetch(`${server.url}/readyz`);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { ready: true, checks: { model: { ok: true }, kafka: { ok: true } } });
  });

  it('runs custom routes with JSON bodies and maps errors to statuses', async () => {
    const post = (body: string): Promise<Response> =>
      fetch(`${server.url}/score?debug=1`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    let response = await post('{"x":[1,2,3]}');
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { score: 0.5, n: 3, q: '1' });
    response = await post('{"y":1}');
    assert.equal(response.status, 400);
    assert.deepEqual(await response.json(), { error: 'x: required array' });
    response = await post('not json');
    assert.equal(response.status, 400);
    assert.match(((await response.json()) as { error: string }).error, /not JSON/);
    response = await post(JSON.stringify({ x: 'a'.repeat(2000) }));
    assert.equal(response.status, 413);
    response = await fetch(`${server.url}/score`);
    assert.equal(response.status, 405);
    assert.equal(response.headers.get('allow'), 'POST');
    response = await fetch(`${server.url}/nope`);
    assert.equal(response.status, 404);
    response = await fetch(`${server.url}/boom`);
    assert.equal(response.status, 500);
    assert.deepEqual(await response.json(), { error: 'internal error' });
    assert.equal((errors[0] as Error).message, 'secret internals');
  });

  it('reports a readiness callback that throws as not ready', async () => {
    const other = await startHttpServer({
      host: '127.0.0.1',
      registry,
      readiness: () => {
        throw new Error('redis ping failed');
      },
    });
    try {
      const response = await fetch(`${other.url}/readyz`);
      assert.equal(response.status, 503);
      assert.deepEqual(await response.json(), { ready: false, checks: { readiness: { ok: false, detail: 'redis ping failed' } } });
    } finally {
      await other.close();
    }
  });

  it('validates options, naming the option', async () => {
    await assert.rejects(startHttpServer({ registry, port: 70000 }), (e: unknown) => e instanceof MetricsValidationError && e.field === 'port');
    await assert.rejects(
      startHttpServer({ registry, routes: [{ method: 'GET', path: 'x', handler: () => ({}) }] }),
      (e: unknown) => e instanceof MetricsValidationError && e.field === 'routes',
    );
  });

  it('fails to start on a port in use', async () => {
    await assert.rejects(startHttpServer({ registry, host: '127.0.0.1', port: server.port }), /EADDRINUSE/);
  });
});
