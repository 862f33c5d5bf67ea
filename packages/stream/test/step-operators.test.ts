import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lastValueFrom, of } from 'rxjs';
import { decodeStep, learnStep, Positions, skipAppliedRecords, type DecodeResult, type RecordStep, type SourceRecord, type StreamLearner } from '../src/index.js';

const record = (offset: string, value: string): SourceRecord => ({ key: null, value: Buffer.from(value), offset, timestamp: '0' });
const step = (records: SourceRecord[], start = 0, end = records.length): RecordStep => ({ topic: 't', partition: 0, key: 't/0', records, start, end });

describe('step operators', () => {
  it('skipAppliedRecords keeps the records at or above the stored position, within [start, end)', async () => {
    const records = ['7', '8', '9', '10', '11'].map((o) => record(o, o));
    const positions = new Positions();
    positions.set('t', 0, 9n);
    let skipped = 0;
    const out = await lastValueFrom(of(step(records, 1, 4)).pipe(skipAppliedRecords(positions, (n) => (skipped += n))));
    assert.deepEqual([...out.pending], [2, 3]);
    assert.equal(skipped, 1);
    // A partition the learner never saw: nothing is skipped.
    const fresh = await lastValueFrom(of(step(records)).pipe(skipAppliedRecords(new Positions(), () => assert.fail('skipped'))));
    assert.deepEqual([...fresh.pending], [0, 1, 2, 3, 4]);
  });

  it('skipAppliedRecords keeps a whole step that starts at or past the stored position', async () => {
    const records = ['7', '8', '9', '10', '11'].map((o) => record(o, o));
    const positions = new Positions();
    positions.set('t', 0, 9n);
    const at = await lastValueFrom(of(step(records, 2, 5)).pipe(skipAppliedRecords(positions, () => assert.fail('skipped'))));
    assert.deepEqual([...at.pending], [2, 3, 4]);
    const past = await lastValueFrom(of(step(records, 3, 5)).pipe(skipAppliedRecords(positions, () => assert.fail('skipped'))));
    assert.deepEqual([...past.pending], [3, 4]);
    const empty = await lastValueFrom(of(step(records, 5, 5)).pipe(skipAppliedRecords(positions, () => assert.fail('skipped'))));
    assert.equal(empty.pending.length, 0);
  });

  it('skipAppliedRecords compares int64 offsets above 2^53 exactly', async () => {
    const records = ['9007199254740993', '9007199254740994', '9007199254740995'].map((o) => record(o, o));
    const positions = new Positions();
    positions.set('t', 0, 9007199254740994n);
    const out = await lastValueFrom(of(step(records)).pipe(skipAppliedRecords(positions, () => undefined)));
    assert.deepEqual([...out.pending], [1, 2]);
  });

  it('decodeStep refuses what the decoder throws on (reason internal); learnStep learns the accepted ones in order', async () => {
    const records = ['1', 'x', 'boom', '2'].map((v, i) => record(String(i), v));
    const decode = (bytes: Buffer | null): DecodeResult<number> => {
      const text = bytes?.toString() ?? '';
      if (text === 'boom') throw new Error('decoder bug');
      const n = Number(text);
      return Number.isNaN(n) ? { ok: false, error: { reason: 'not_json', message: 'NaN' } } : { ok: true, value: n };
    };
    const seen: number[] = [];
    const learner = { learn: (v: number) => seen.push(v) } as unknown as StreamLearner<number>;
    let learned = 0;
    const out = await lastValueFrom(
      of(step(records)).pipe(
        skipAppliedRecords(new Positions(), () => undefined),
        decodeStep(decode),
        learnStep(learner, (n) => (learned = n)),
      ),
    );
    assert.equal(out.refused, 2);
    assert.deepEqual(out.decoded.map((d) => (d.ok ? 'ok' : d.error.reason)), ['ok', 'not_json', 'internal', 'ok']);
    assert.deepEqual(seen, [1, 2]);
    assert.equal(learned, 2);
  });
});
