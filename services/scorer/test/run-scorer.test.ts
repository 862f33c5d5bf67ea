import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryModelStore } from '@streamlr/store';
import { MemoryBroker, MemoryTransport } from '@streamlr/stream';
import { runScorer, SCORER_HELP, scorerOptions, SCORER_SETTINGS, type Scorer } from '../src/index.js';
import { parseSettings } from '@streamlr/stream';
import { decodeNamedWeights } from './fixtures/named-weights-model.js';
import { publishNamed, until } from './fixtures/store.js';

function sink() {
  const lines: string[] = [];
  return { lines, write: (line: string) => lines.push(line) };
}

describe('runScorer', () => {
  it('exits 2 with one line naming the setting when a setting is bad', async () => {
    const err = sink();
    assert.equal(await runScorer(['--threshold', '2', '--model', 'm'], {}, { stderr: err }), 2);
    assert.deepEqual(err.lines, ['streamlr scorer: --threshold (STREAMLR_SCORER_THRESHOLD): must be ≤ 1, got 2\n']);
    const missing = sink();
    assert.equal(await runScorer([], {}, { stderr: missing }), 2);
    assert.match(missing.lines[0]!, /--model \(STREAMLR_MODEL\): required/);
    const same = sink();
    assert.equal(await runScorer(['--model', 'm', '--scores-topic', 'streamlr.events'], {}, { stderr: same }), 2);
    assert.match(same.lines[0]!, /--scores-topic/);
  });

  it('maps settings and environment to options', () => {
    const { values } = parseSettings(SCORER_SETTINGS, ['--model', 'ctr', '--poll-interval', '0.25', '--feature-bits', '18'], {
      STREAMLR_SCORER_TOKEN: 't',
      STREAMLR_SCORER_VERSION: '4',
    });
    const options = scorerOptions(values);
    assert.equal(options.pollIntervalMs, 250);
    assert.equal(options.version, 4);
    assert.deepEqual(options.expectFeatureSpace, { bits: 18 });
    assert.equal(options.http.token, 't');
    assert.equal(options.http.port, 8080);
    assert.equal(options.kafka?.groupId, 'streamlr-scorer-ctr');
    assert.equal(options.kafka?.eventsTopic, 'streamlr.events');
    assert.equal(scorerOptions(parseSettings(SCORER_SETTINGS, ['--model', 'x', '--http-only'], {}).values).kafka, null);
  });

  it('help lists every setting with examples', () => {
    for (const flag of ['--model', '--version', '--events-topic', '--scores-topic', '--port', '--threshold', '--poll-interval', 'STREAMLR_SCORER_TOKEN', 'Examples:']) {
      assert.ok(SCORER_HELP.includes(flag), flag);
    }
  });

  it('serves HTTP and Kafka on in-memory parts: 503 until a model is published, then scores; stops on abort with 0', async () => {
    const store = new MemoryModelStore();
    const broker = new MemoryBroker(1);
    const transport = new MemoryTransport(broker);
    const abort = new AbortController();
    const out = sink();
    let scorer: Scorer | undefined;
    const running = runScorer(
      ['--model', 'ctr', '--port', '0', '--from-beginning', '--events-topic', 'ev', '--scores-topic', 'sc'],
      {},
      { store, transport, decode: decodeNamedWeights, signal: abort.signal, stdout: out, onStarted: (s) => (scorer = s) },
    );
    await until(() => scorer !== undefined, 'start');
    const url = scorer!.url;
    assert.equal((await fetch(`${url}/healthz`)).status, 200);
    const notReady = await fetch(`${url}/readyz`);
    assert.equal(notReady.status, 503);
    assert.equal((await fetch(`${url}/score`, { method: 'POST', body: '{"features":{}}' })).status, 503);
    broker.append('ev', { key: 'k', value: '{"id":"e1","features":{"a":1}}' });

    await publishNamed(store, { model: 'ctr', version: 1, bits: 8, bias: 0, weights: { a: 2 } });
    await until(() => scorer!.current !== null, 'model loaded');
    assert.equal((await fetch(`${url}/readyz`)).status, 200);
    const response = await fetch(`${url}/score`, { method: 'POST', body: '{"id":"e1","features":{"a":1}}' });
    const body = (await response.json()) as { version: number; scores: { score: number }[] };
    assert.equal(body.version, 1);
    assert.equal(body.scores[0]!.score, 1 / (1 + Math.exp(-2)));
    await until(() => broker.hasTopic('sc') && broker.watermarks('sc')[0]!.high === '1', 'Kafka score');
    const metrics = await (await fetch(`${url}/metrics`)).text();
    assert.match(metrics, /streamlr_scorer_model_version{model="ctr"} 1/);
    assert.match(metrics, /streamlr_scorer_reloads_total{model="ctr",trigger="notification"} 1/);
    assert.match(metrics, /streamlr_model_nonzero_weights{model="ctr",role="scorer"} 1/);
    abort.abort();
    assert.equal(await running, 0);
    const logs = out.lines.map((l) => JSON.parse(l) as { msg: string; service: string });
    assert.ok(logs.every((l) => l.service === 'scorer'));
    assert.deepEqual(
      ['starting', 'http listening', 'model loaded', 'stopping', 'stopped'].filter((m) => logs.some((l) => l.msg === m)),
      ['starting', 'http listening', 'model loaded', 'stopping', 'stopped'],
    );
  });

  it('a pinned version that does not exist exits 1 with one line', async () => {
    const store = new MemoryModelStore();
    await publishNamed(store, { model: 'ctr', version: 1, bias: 0, weights: {} });
    const err = sink();
    const code = await runScorer(['--model', 'ctr', '--version', '5', '--port', '0', '--http-only'], {}, { store, decode: decodeNamedWeights, stdout: sink(), stderr: err });
    assert.equal(code, 1);
    assert.match(err.lines.join(''), /version 5: not_found/);
  });

  it('refuses a body over --max-body-bytes with 413, and stops promptly while still waiting for a first model', async () => {
    const store = new MemoryModelStore();
    const abort = new AbortController();
    let scorer: Scorer | undefined;
    const running = runScorer(['--model', 'ctr', '--port', '0', '--max-body-bytes', '64'], {}, {
      store,
      transport: new MemoryTransport(new MemoryBroker(1)),
      decode: decodeNamedWeights,
      signal: abort.signal,
      stdout: sink(),
      onStarted: (s) => (scorer = s),
    });
    await until(() => scorer !== undefined, 'start');
    const big = await fetch(`${scorer!.url}/score`, { method: 'POST', body: JSON.stringify({ features: { a: 'x'.repeat(100) } }) });
    assert.equal(big.status, 413);
    abort.abort();
    assert.equal(await running, 0);
  });
});
