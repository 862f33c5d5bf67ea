import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createProgress, formatDuration, formatRate, MetricsValidationError } from '../src/index.js';

function fakeStream(isTTY: boolean): { writes: string[]; stream: { write(s: string): void; isTTY: boolean; columns: number } } {
  const writes: string[] = [];
  return { writes, stream: { write: (s) => void writes.push(s), isTTY, columns: 100 } };
}

describe('createProgress', () => {
  it('prints a plain line every plainIntervalMs on a non-TTY stream, with count, percent, rate, ETA', () => {
    const { writes, stream } = fakeStream(false);
    let now = 0;
    const progress = createProgress({ total: 100_000, label: 'replay', stream, now: () => now });
    for (let i = 0; i < 40; i++) {
      now += 100; // 4 s in 40 ticks of 500
      progress.tick(500);
    }
    assert.equal(writes.length, 0, 'nothing before 5 s');
    now += 1000;
    progress.tick(5000); // 25,000 at 5 s
    assert.deepEqual(writes, ['replay 25,000/100,000 25.0% 5.0k/s ETA 0:15\n']);
    now += 5000;
    progress.tick(75_000);
    progress.done();
    progress.tick(1);
    assert.equal(writes.length, 3);
    assert.equal(writes[2], 'replay 100,000/100,000 100.0% 10.0k/s in 0:10\n');
    assert.ok(writes.every((w) => !w.includes('\r') && !w.includes('\x1b')));
    assert.equal(progress.count, 100_000);
  });

  it('without a total shows count, rate and elapsed time', () => {
    const { writes, stream } = fakeStream(false);
    let now = 0;
    const progress = createProgress({ label: 'produce', stream, now: () => now });
    now = 125_000;
    progress.tick(250_000);
    progress.done();
    assert.deepEqual(writes, ['produce 250,000 2.0k/s 2:05\n', 'produce 250,000 2.0k/s 2:05\n']);
  });

  it('redraws in place on a TTY, at most once per redraw interval', () => {
    const { writes, stream } = fakeStream(true);
    let now = 0;
    const progress = createProgress({ total: 10, label: 'train', stream, now: () => now });
    for (let i = 0; i < 5; i++) {
      now += 10;
      progress.tick(); // 50 ms: no redraw yet
    }
    assert.equal(writes.length, 0);
    now += 60;
    progress.tick();
    assert.equal(writes.length, 1);
    assert.match(writes[0]!, /^\rtrain \[#+\.+\] 6\/10 60\.0% .*\x1b\[K$/);
    progress.done();
    assert.ok(writes[1]!.endsWith('\x1b[K\n'));
  });

  it('validates options and formats', () => {
    assert.throws(() => createProgress({ total: -1 }), (e: unknown) => e instanceof MetricsValidationError && e.field === 'total');
    assert.equal(formatDuration(3725), '1:02:05');
    assert.equal(formatDuration(Infinity), '?');
    assert.equal(formatRate(2_500_000), '2.50M');
    assert.equal(formatRate(12.34), '12.3');
  });
});
