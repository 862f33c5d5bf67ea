// The oracles themselves (no I/O): a check that cannot fail proves nothing, so each one is shown
// to catch the fault it exists for.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { seededRandom } from '@streamlr/model';
import { DLQ_HEADERS } from '@streamlr/stream';
import { cleanReplay, countingOracle, labelledSample, type LogRecord, sampleId, stateDifferences } from './harness.js';

const record = (partition: number, offset: number, value: string | null): LogRecord => ({
  partition,
  offset: String(offset),
  value: value === null ? null : Buffer.from(value),
  headers: {},
});
const dead = (partition: number, offset: number): LogRecord => ({
  partition: 0,
  offset: '0',
  value: null,
  headers: { [DLQ_HEADERS.sourcePartition]: String(partition), [DLQ_HEADERS.sourceOffset]: String(offset), [DLQ_HEADERS.reason]: 'bad_id' },
});

// Two partitions, three good samples each, one bad record on partition 1 (offset 3).
const log = [0, 1].flatMap((p) => [0, 1, 2].map((s) => record(p, s, JSON.stringify({ id: sampleId(p, s) }))));
log.push(record(1, 3, '{"no":"id"}'));
const exact = (): Map<string, number> => new Map(log.slice(0, 6).map((r) => [(JSON.parse(r.value!.toString()) as { id: string }).id, 1]));

describe('the counting oracle', () => {
  test('holds for a run that applied every good sample once and dead-lettered the bad one', () => {
    const report = countingOracle(log, exact(), [dead(1, 3)]);
    assert.deepEqual({ ...report }, { produced: 7, applied: 6, lost: [], double: [], unknown: [], dlq: 1, dlqMissing: [], dlqRepeats: 0, dlqWrong: [] });
  });

  test('catches a lost sample, a sample applied twice, an unknown id, and a bad record not in the DLQ', () => {
    const counts = exact();
    counts.delete(sampleId(0, 1));
    counts.set(sampleId(1, 2), 2);
    counts.set('p9-9', 1);
    const report = countingOracle(log, counts, []);
    assert.deepEqual(report.lost, [sampleId(0, 1)]);
    assert.deepEqual(report.double, [sampleId(1, 2)]);
    assert.deepEqual(report.unknown, ['p9-9']);
    assert.deepEqual(report.dlqMissing, ['1@3']);
    assert.notEqual(report.applied + report.dlq, report.produced);
  });

  test('counts DLQ repeats (at-least-once) and refuses DLQ entries for good records', () => {
    const report = countingOracle(log, exact(), [dead(1, 3), dead(1, 3), dead(0, 2)]);
    assert.equal(report.dlqRepeats, 1);
    assert.deepEqual(report.dlqWrong, ['0@2']);
  });

  test('a sample the log holds twice (a producer retry) must be counted twice', () => {
    const twice = [...log, record(0, 4, JSON.stringify({ id: sampleId(0, 0) }))];
    assert.deepEqual(countingOracle(twice, exact(), [dead(1, 3)]).lost, [sampleId(0, 0)]);
  });
});

describe('the SGD oracle', () => {
  const random = seededRandom(3);
  const samples = Array.from({ length: 300 }, (_, i) => record(0, i, labelledSample(sampleId(0, i), random)));
  const flags = ['--optimizer', 'sgd', '--bits', '12'];

  test('a clean replay of the same records is bit-identical', () => {
    const a = cleanReplay(flags, samples).learner.exportState();
    const b = cleanReplay(flags, samples).learner.exportState();
    assert.deepEqual(stateDifferences(a, b), []);
  });

  test('one sample missing, applied twice, or out of order changes the state', () => {
    const reference = cleanReplay(flags, samples).learner.exportState();
    const missing = cleanReplay(flags, samples.filter((_, i) => i !== 150)).learner.exportState();
    const twice = cleanReplay(flags, [...samples.slice(0, 151), samples[150]!, ...samples.slice(151)]).learner.exportState();
    const swapped = cleanReplay(flags, [...samples.slice(0, 150), samples[151]!, samples[150]!, ...samples.slice(152)]).learner.exportState();
    for (const [what, state] of [['missing', missing], ['twice', twice], ['swapped', swapped]] as const) {
      assert.notDeepEqual(stateDifferences(reference, state), [], what);
    }
  });
});
