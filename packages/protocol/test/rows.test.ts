import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CsvRowDecoder, DEFAULT_DECODE_LIMITS, DecodeError, decodeLimits, parseLibsvmLine, type DecodeReason } from '../src/index.js';
import { BAD_LABEL, NON_FINITE, cellLabel, cellValue } from '../src/rows/cells.js';

function expectError(result: unknown, reason: DecodeReason, field?: string): void {
  assert.ok(result instanceof DecodeError, `expected a DecodeError, got ${JSON.stringify(result)}`);
  assert.equal(result.reason, reason, result.message);
  assert.equal(result.field, field, result.message);
}

describe('cell typing', () => {
  it('numbers, categorical strings, missing cells', () => {
    assert.equal(cellValue('1964'), 1964);
    assert.equal(cellValue('-2.5e3'), -2500);
    assert.equal(cellValue(' 7 '), 7);
    assert.equal(cellValue('.5'), 0.5);
    assert.equal(cellValue('u128'), 'u128');
    assert.equal(cellValue('Children|Comedy'), 'Children|Comedy');
    assert.equal(cellValue('0x1F'), '0x1F', 'radix literals are identifiers');
    assert.equal(cellValue('0b101'), '0b101');
    assert.equal(cellValue('02139'), 2139, 'leading zeros: numeric, per cell');
    assert.equal(cellValue('NA'), 'NA');
    assert.equal(cellValue('Nan'), 'Nan', 'a name, not a number');
    assert.equal(cellValue(''), undefined);
    assert.equal(cellValue('   '), undefined);
  });

  it('non-finite spellings and overflow', () => {
    for (const cell of ['NaN', 'nan', '-nan', 'inf', '-Inf', 'Infinity', '-Infinity', '+INF', '1e400', '-1e999', ' NaN ']) {
      assert.equal(cellValue(cell), NON_FINITE, cell);
    }
  });

  it('labels', () => {
    for (const [cell, label] of [['1', 1], ['0', 0], ['true', 1], ['FALSE', 0], ['True', 1], ['1.0', 1], ['0.0', 0], [' 1 ', 1]] as const) {
      assert.equal(cellLabel(cell), label, cell);
    }
    assert.equal(cellLabel(''), undefined);
    assert.equal(cellLabel(' '), undefined);
    for (const cell of ['2', '-1', 'yes', '0.5', 'NaN', '0x1']) assert.equal(cellLabel(cell), BAD_LABEL, cell);
  });
});

describe('CsvRowDecoder', () => {
  const samples = { label: 'label', requireLabel: true, limits: DEFAULT_DECODE_LIMITS };
  const header = ['label', 'user_id', 'movie_id', 'genres', 'year'];

  it('turns a movielens row into a sample', () => {
    const decoder = new CsvRowDecoder(header, samples);
    assert.deepEqual(decoder.decode(['1', 'u128', 'm1028', 'Children|Comedy|Fantasy|Musical', '1964']), {
      label: 1,
      features: { user_id: 'u128', movie_id: 'm1028', genres: 'Children|Comedy|Fantasy|Musical', year: 1964 },
      weight: 1,
    });
  });

  it('an empty cell is a missing feature; the label column may be anywhere', () => {
    const decoder = new CsvRowDecoder(['a', 'b', 'y'], { ...samples, label: 'y' });
    assert.deepEqual(decoder.decode(['', 'x', 'true']), { label: 1, features: { b: 'x' }, weight: 1 });
  });

  it('rejects bad rows with a reason and field', () => {
    const decoder = new CsvRowDecoder(header, samples);
    expectError(decoder.decode(['1', 'u1']), 'bad_row');
    expectError(decoder.decode(['1', 'u1', 'm1', 'g', '1', 'extra']), 'bad_row');
    expectError(decoder.decode(['', 'u1', 'm1', 'g', '1']), 'missing_label', 'label');
    expectError(decoder.decode(['yes', 'u1', 'm1', 'g', '1']), 'bad_label', 'label');
    expectError(decoder.decode(['1', 'u1', 'm1', 'g', 'NaN']), 'non_finite', 'features.year');
    expectError(decoder.decode(['1', 'u1', 'm1', 'g', '1e400']), 'non_finite', 'features.year');
  });

  it('events: the label column is optional, and used when present', () => {
    const events = { ...samples, requireLabel: false };
    const without = new CsvRowDecoder(['a', 'b'], events);
    assert.equal(without.labelIndex, -1);
    assert.deepEqual(without.decode(['1', 'x']), { features: { a: 1, b: 'x' }, weight: 1 });
    const withLabel = new CsvRowDecoder(['label', 'a'], events);
    assert.deepEqual(withLabel.decode(['', '2']), { features: { a: 2 }, weight: 1 });
    assert.deepEqual(withLabel.decode(['0', '2']), { label: 0, features: { a: 2 }, weight: 1 });
  });

  it('refuses unusable headers with a message naming the problem', () => {
    assert.throws(() => new CsvRowDecoder(['a', 'b'], samples), /no label column "label" \(columns: a, b\)/);
    assert.throws(() => new CsvRowDecoder(['', 'label', 'a'], samples), /column 1 has no name/);
    assert.throws(() => new CsvRowDecoder(['label', 'a', 'a'], samples), /"a" appears twice/);
    assert.throws(() => new CsvRowDecoder(['label', '__proto__'], samples), /__proto__/);
    assert.throws(() => new CsvRowDecoder(['label', 'a', 'b', 'c'], { ...samples, limits: decodeLimits({ maxFeatures: 2 }) }), /3 feature columns/);
  });
});

describe('parseLibsvmLine', () => {
  const parse = (line: string, requireLabel = true) => parseLibsvmLine(line, requireLabel, decodeLimits({ maxFeatures: 3 }));

  it('maps indices to named numeric features and -1/+1 labels to 0/1', () => {
    assert.deepEqual(parse('+1 3:0.5 17:2'), { label: 1, features: { '3': 0.5, '17': 2 }, weight: 1 });
    assert.deepEqual(parse('-1 1:1'), { label: 0, features: { '1': 1 }, weight: 1 });
    assert.deepEqual(parse('0\t007:1e-3  # a comment'), { label: 0, features: { '7': 0.001 }, weight: 1 });
    assert.deepEqual(parse('1.0 0:1\r'), { label: 1, features: { '0': 1 }, weight: 1 });
    assert.deepEqual(parse('1'), { label: 1, features: {}, weight: 1 });
  });

  it('skips blank and comment lines', () => {
    assert.equal(parse(''), undefined);
    assert.equal(parse('   \t'), undefined);
    assert.equal(parse('# header comment'), undefined);
  });

  it('events may leave the label out', () => {
    assert.deepEqual(parse('3:1 4:2', false), { features: { '3': 1, '4': 2 }, weight: 1 });
    expectError(parse('3:1 4:2'), 'missing_label', 'label');
  });

  it('rejects bad lines with a reason and field', () => {
    expectError(parse('2 1:1'), 'bad_label', 'label');
    expectError(parse('yes 1:1'), 'bad_label', 'label');
    expectError(parse('1 1:1 oops'), 'bad_row');
    expectError(parse('1 qid:3 1:1'), 'bad_row');
    expectError(parse('1 -1:1'), 'bad_row');
    expectError(parse('1 1:'), 'bad_value', 'features.1');
    expectError(parse('1 1:abc'), 'bad_value', 'features.1');
    expectError(parse('1 1:nan'), 'non_finite', 'features.1');
    expectError(parse('1 1:1e400'), 'non_finite', 'features.1');
    expectError(parse('1 1:1 01:2'), 'bad_features', 'features.1');
    expectError(parse('1 1:1 2:1 3:1 4:1'), 'too_many_features', 'features');
  });
});
