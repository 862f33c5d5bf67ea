import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LabelWindow } from '../src/index.js';

function direct(pairs: [0 | 1, number][], threshold: number) {
  const clip = (p: number) => Math.min(1 - 1e-15, Math.max(1e-15, p));
  const loss = pairs.reduce((s, [y, p]) => s - (y === 1 ? Math.log(clip(p)) : Math.log(1 - clip(p))), 0) / pairs.length;
  const acc = pairs.filter(([y, p]) => (p >= threshold ? 1 : 0) === y).length / pairs.length;
  return { logloss: loss, accuracy: acc, n: pairs.length };
}

describe('LabelWindow', () => {
  it('is empty (NaN) before any label', () => {
    const w = new LabelWindow(10, 0.5);
    const f = w.figures();
    assert.equal(f.n, 0);
    assert.ok(Number.isNaN(f.logloss) && Number.isNaN(f.accuracy));
  });

  it('matches a direct computation over the last `size` labels as it slides', () => {
    const w = new LabelWindow(50, 0.5);
    const all: [0 | 1, number][] = [];
    let seed = 7;
    const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    for (let i = 0; i < 1_237; i++) {
      const pair: [0 | 1, number] = [rand() < 0.3 ? 1 : 0, rand()];
      all.push(pair);
      w.add(...pair);
      if (i % 97 === 0 || i === 1_236) {
        const expected = direct(all.slice(-50), 0.5);
        const got = w.figures();
        assert.equal(got.n, expected.n);
        assert.ok(Math.abs(got.logloss - expected.logloss) < 1e-12, `logloss at ${i}`);
        assert.equal(got.accuracy, expected.accuracy);
      }
    }
  });

  it('clips the log loss of a confident mistake (never Infinity) and uses the threshold for accuracy', () => {
    const w = new LabelWindow(4, 0.7);
    w.add(1, 0);
    w.add(0, 0.69);
    const f = w.figures();
    assert.ok(Number.isFinite(f.logloss));
    assert.ok(Math.abs(f.logloss - (-Math.log(1e-15) - Math.log(1 - 0.69)) / 2) < 1e-9);
    assert.equal(f.accuracy, 0.5);
  });

  it('names a bad option', () => {
    assert.throws(() => new LabelWindow(0, 0.5), /size/);
    assert.throws(() => new LabelWindow(5, 1.5), /threshold/);
  });
});
