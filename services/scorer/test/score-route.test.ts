import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProgressiveMetrics } from '@streamlr/model';
import { createScorerMetrics, Registry, type HttpRequest, type HttpResponse } from '@streamlr/metrics';
import type { ScoreEvent } from '@streamlr/protocol';
import { BearerToken, ScoreObserver, scoreRoute, type LoadedModel, type ScoreErrorBody, type ScoreResponseBody } from '../src/index.js';
import { decodeNamedWeights, encodeNamedWeights, predictNamed, type NamedWeights } from './fixtures/named-weights-model.js';

const SPEC: NamedWeights = { model: 'ctr', version: 7, bits: 4, bias: -0.25, weights: { amount: 0.1, 'country=US': 1.5, x0: 0.5, x1: -2 } };
const MODEL = decodeNamedWeights(encodeNamedWeights(SPEC), { model: 'ctr', version: 7, createdAt: 0 });

function setup(options: { current?: LoadedModel | null; token?: string; maxEvents?: number } = {}) {
  const registry = new Registry();
  const observer = new ScoreObserver(createScorerMetrics(registry).forModel('ctr'), new ProgressiveMetrics({ window: 100 }));
  const route = scoreRoute({
    current: () => (options.current === undefined ? MODEL : options.current),
    threshold: 0.5,
    maxEvents: options.maxEvents ?? 10_000,
    token: options.token === undefined ? undefined : new BearerToken(options.token),
    observer,
    now: () => 1_764_000_000_000,
  });
  const call = async (body: string | Buffer, headers: Record<string, string> = {}): Promise<HttpResponse> => {
    const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body);
    const request: HttpRequest = { method: 'POST', path: '/score', query: new URLSearchParams(), headers, body: bytes, json: () => JSON.parse(bytes.toString()) };
    return route.handler(request);
  };
  const metric = async (name: string) => (await registry.getSingleMetricAsString(name));
  return { call, metric, registry };
}

const ok = (r: HttpResponse) => {
  assert.equal(r.status ?? 200, 200, JSON.stringify(r.body));
  return r.body as ScoreResponseBody;
};
const refused = (r: HttpResponse, status: number) => {
  assert.equal(r.status, status, JSON.stringify(r.body));
  return r.body as ScoreErrorBody;
};

describe('POST /score', () => {
  it('scores one event with the model version and the threshold', async () => {
    const { call } = setup();
    const event = { id: 'e1', features: { country: 'US', amount: 12.5 } };
    const body = ok(await call(JSON.stringify(event)));
    const p = predictNamed(SPEC, { ...event, weight: 1 });
    assert.deepEqual(body, { model: 'ctr', version: 7, ts: 1_764_000_000_000, scores: [{ id: 'e1', score: p, class: p >= 0.5 ? 1 : 0 }] });
  });

  it('scores an array in order; an event without id gets id null', async () => {
    const { call } = setup();
    const events = [
      { id: 'a', features: { country: 'FR' } },
      { features: { country: 'US' } },
      { id: 'c', x: [1, 0.5] },
    ];
    const body = ok(await call(JSON.stringify(events)));
    assert.deepEqual(
      body.scores.map((s) => s.id),
      ['a', null, 'c'],
    );
    events.forEach((e, i) => assert.equal(body.scores[i]!.score, predictNamed(SPEC, { ...e, weight: 1 } as unknown as ScoreEvent)));
    assert.deepEqual(body.scores.map((s) => s.class), [0, 1, 0]);
  });

  it('refuses a body that is not JSON', async () => {
    const { call } = setup();
    const body = refused(await call('{"features":'), 400);
    assert.equal(body.reason, 'not_json');
    assert.match(body.error, /not JSON/);
    assert.equal(refused(await call(Buffer.from([0x7b, 0xff, 0x7d])), 400).reason, 'bad_encoding');
  });

  it('names the index, field and reason of the first bad event, and scores nothing', async () => {
    const { call, metric } = setup();
    const events = [{ features: { a: 1 } }, { features: { a: 2 } }, { features: { amount: 'x', b: null } }];
    const body = refused(await call(JSON.stringify(events)), 400);
    assert.equal(body.index, 2);
    assert.equal(body.reason, 'bad_value');
    assert.equal(body.field, 'features.b');
    assert.match(body.error, /^events\[2\]: bad_value \(features\.b\)/);
    assert.match(await metric('streamlr_scorer_events_total'), /outcome="invalid"} 3/);
    assert.doesNotMatch(await metric('streamlr_scorer_events_total'), /outcome="scored"/);
  });

  it('a single bad event has no index', async () => {
    const { call } = setup();
    const body = refused(await call('{"id": "", "features": {}}'), 400);
    assert.equal(body.reason, 'bad_id');
    assert.equal(body.field, 'id');
    assert.equal(body.index, undefined);
    assert.equal(refused(await call('[1]'), 400).reason, 'not_object');
    assert.equal(refused(await call('{"id":"e"}'), 400).reason, 'missing_features');
  });

  it('refuses more than maxEvents events', async () => {
    const { call } = setup({ maxEvents: 3 });
    const body = refused(await call(JSON.stringify(Array.from({ length: 4 }, () => ({ features: {} })))), 400);
    assert.equal(body.reason, 'too_many_events');
    assert.match(body.error, /at most 3 events per request, got 4/);
  });

  it('an event the model cannot score is a 400 naming the field (dense x longer than the feature space)', async () => {
    const { call } = setup();
    const body = refused(await call(JSON.stringify([{ x: [1] }, { x: new Array(17).fill(1) }])), 400);
    assert.deepEqual({ reason: body.reason, field: body.field, index: body.index }, { reason: 'too_many_features', field: 'x', index: 1 });
  });

  it('answers 503 with Retry-After before a model is loaded', async () => {
    const { call } = setup({ current: null });
    const r = await call('{"features": {}}');
    assert.equal(r.status, 503);
    assert.equal(r.headers?.['retry-after'], '1');
  });

  it('with a token: 401 without or with a wrong bearer token, 200 with it', async () => {
    const { call } = setup({ token: 'tok' });
    const missing = await call('{"features": {}}');
    assert.equal(missing.status, 401);
    assert.match(missing.headers?.['www-authenticate'] ?? '', /^Bearer/);
    assert.equal((await call('{"features": {}}', { authorization: 'Bearer nope' })).status, 401);
    ok(await call('{"features": {}}', { authorization: 'Bearer tok' }));
  });

  it('counts scored events and updates log loss and accuracy from labelled events', async () => {
    const { call, metric } = setup();
    const events = [
      { features: { country: 'US' }, label: 1 },
      { features: { country: 'FR' }, label: 1 },
      { features: { amount: 3 } },
    ];
    ok(await call(JSON.stringify(events)));
    assert.match(await metric('streamlr_scorer_events_total'), /outcome="scored"} 3/);
    assert.match(await metric('streamlr_scorer_score'), /streamlr_scorer_score_count{model="ctr"} 3/);
    assert.match(await metric('streamlr_scorer_latency_seconds'), /streamlr_scorer_latency_seconds_count{model="ctr"} 3/);
    const p1 = predictNamed(SPEC, { features: { country: 'US' }, weight: 1 });
    const p2 = predictNamed(SPEC, { features: { country: 'FR' }, weight: 1 });
    const logloss = -(Math.log(p1) + Math.log(p2)) / 2;
    const gauge = /streamlr_scorer_logloss{model="ctr"} (\S+)/.exec(await metric('streamlr_scorer_logloss'));
    assert.ok(gauge !== null && Math.abs(Number(gauge[1]) - logloss) < 1e-12);
    assert.match(await metric('streamlr_scorer_accuracy'), /streamlr_scorer_accuracy{model="ctr"} 0.5/);
  });
});
