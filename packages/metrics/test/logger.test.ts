import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger, MetricsValidationError } from '../src/index.js';

function capture(): { lines: () => Record<string, unknown>[]; stream: { write(line: string): void } } {
  let text = '';
  return {
    stream: { write: (line: string) => void (text += line) },
    lines: () => {
      assert.ok(text === '' || text.endsWith('\n'), 'every line is newline-terminated');
      return text
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    },
  };
}

const now = (): Date => new Date('2025-11-24T12:00:00.000Z');

describe('createLogger', () => {
  it('writes one JSON object per line with ts, level, service, msg and fields', () => {
    const out = capture();
    const log = createLogger({ service: 'trainer', stream: out.stream, now });
    log.info('snapshot published', { model: 'ctr', version: 7 });
    log.warn('lag high', { lag: 10n });
    assert.deepEqual(out.lines(), [
      { ts: '2025-11-24T12:00:00.000Z', level: 'info', service: 'trainer', msg: 'snapshot published', model: 'ctr', version: 7 },
      { ts: '2025-11-24T12:00:00.000Z', level: 'warn', service: 'trainer', msg: 'lag high', lag: '10' },
    ]);
  });

  it('filters below the level and keeps core fields from being overridden', () => {
    const out = capture();
    const log = createLogger({ service: 'scorer', level: 'warn', stream: out.stream, now });
    log.debug('no');
    log.info('no');
    log.error('yes', { msg: 'forged', level: 'debug' });
    assert.deepEqual(out.lines(), [{ ts: '2025-11-24T12:00:00.000Z', level: 'error', service: 'scorer', msg: 'yes' }]);
    const silent = capture();
    createLogger({ service: 's', level: 'silent', stream: silent.stream }).error('nothing');
    assert.deepEqual(silent.lines(), []);
    assert.throws(() => createLogger({ service: 's', level: 'loud' as never }), (e: unknown) => e instanceof MetricsValidationError && e.field === 'level');
  });

  it('serialises errors with name, message, own properties and the cause chain', () => {
    class StoreUnavailableError extends Error {
      readonly retriable = true;
      constructor(message: string, options: ErrorOptions) {
        super(message, options);
        this.name = 'StoreUnavailableError';
      }
    }
    const out = capture();
    const log = createLogger({ service: 'trainer', stream: out.stream, now }).child({ model: 'ctr' });
    const root = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6390'), { code: 'ECONNREFUSED' });
    log.error('publish failed', { error: new StoreUnavailableError('store unavailable during publish', { cause: root }) });
    const [line] = out.lines();
    assert.equal(line?.['model'], 'ctr');
    const error = line?.['error'] as Record<string, unknown>;
    assert.equal(error['name'], 'StoreUnavailableError');
    assert.equal(error['message'], 'store unavailable during publish');
    assert.equal(error['retriable'], true);
    assert.match(String(error['stack']), /StoreUnavailableError: store unavailable/);
    const cause = error['cause'] as Record<string, unknown>;
    assert.deepEqual([cause['name'], cause['message'], cause['code']], ['Error', 'connect ECONNREFUSED 127.0.0.1:6390', 'ECONNREFUSED']);
  });

  it('survives circular fields', () => {
    const out = capture();
    const loop: Record<string, unknown> = { a: 1 };
    loop['self'] = loop;
    createLogger({ service: 's', stream: out.stream, now }).info('loop', { loop });
    assert.deepEqual(out.lines()[0]?.['loop'], { a: 1, self: '[Circular]' });
  });
});
