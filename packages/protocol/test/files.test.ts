import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  DecodeError,
  InvalidOptionError,
  RecordsFileError,
  countLines,
  decodeLimits,
  encodeSample,
  formatFromPath,
  readRecordBatches,
  readRecords,
  type FileRecord,
  type ReadRecordsOptions,
  type Sample,
  type ScoreEvent,
} from '../src/index.js';

// Compiled to dist/test/; the fixtures stay in test/fixtures/.
const fixture = (name: string): string => fileURLToPath(new URL(`../../test/fixtures/${name}`, import.meta.url));
const movielens = fixture('movielens.csv');
const spam = fixture('spam.csv');

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'streamlr-protocol-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, content: string | Buffer): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

async function all<T>(records: AsyncIterable<FileRecord<T>>): Promise<FileRecord<T>[]> {
  const out: FileRecord<T>[] = [];
  for await (const r of records) out.push(r);
  return out;
}

/** `[line, reason]` of each error and `[line, sample]` of each sample, for compact assertions. */
function summary<T>(records: FileRecord<T>[]): [number, string | T][] {
  return records.map((r) => (r.error ? [r.line, r.error.reason] : [r.line, r.sample as T]));
}

describe('readRecords: CSV', () => {
  it('reads the movielens fixture: 199 samples on lines 2..200, categorical and numeric features', async () => {
    const records = await all(readRecords(movielens));
    assert.equal(records.length, 199);
    assert.deepEqual(records.map((r) => r.line), Array.from({ length: 199 }, (_, i) => i + 2));
    assert.ok(records.every((r) => r.error === undefined));
    assert.deepEqual(records[0], {
      line: 2,
      sample: { label: 1, features: { user_id: 'u128', movie_id: 'm1028', genres: 'Children|Comedy|Fantasy|Musical', year: 1964 }, weight: 1 },
    });
    assert.deepEqual(records[198]?.sample, { label: 1, features: { user_id: 'u584', movie_id: 'm5989', genres: 'Crime|Drama', year: 2002 }, weight: 1 });
    assert.equal(records.filter((r) => r.sample?.label === 1).length, 110);
  });

  it('reads the spam fixture: 57 numeric features per sample', async () => {
    const records = await all(readRecords(spam, { format: 'csv', label: 'label' }));
    assert.equal(records.length, 199);
    for (const r of records) {
      assert.ok(r.sample !== undefined);
      const features = r.sample.features ?? {};
      assert.equal(Object.keys(features).length, 57);
      assert.ok(Object.values(features).every((v) => typeof v === 'number' && Number.isFinite(v)));
    }
    assert.deepEqual(records[0]?.sample?.features?.['capitalTotal'], 3);
  });

  it('batches hold the same records as the one-by-one iteration', async () => {
    const flat: FileRecord<Sample>[] = [];
    for await (const batch of readRecordBatches(movielens)) flat.push(...batch);
    assert.deepEqual(flat, await all(readRecords(movielens)));
  });

  it('reports each bad row with its line number and goes on', async () => {
    const path = await file(
      'bad.csv',
      [
        '\ufeffy,city,amount', // 1: header, with a byte-order mark
        '1,Paris,12.5', // 2
        '', // 3: blank, skipped
        '0,"Saint-Denis, Réunion",3', // 4: quoted comma
        '1,Lyon', // 5: short row
        'maybe,Nice,1', // 6: bad label
        '0,Lille,NaN', // 7: non-finite
        ',Metz,1', // 8: missing label
        '1,,7', // 9: empty cell = missing feature
        '0,"two\nlines",1', // 10-11: quoted newline, reported at its last line
        '1,Nantes,1e999', // 12: overflow
        '0,Brest,2', // 13, no final newline
      ].join('\r\n'),
    );
    const records = await all(readRecords(path, { label: 'y' }));
    assert.deepEqual(summary(records), [
      [2, { label: 1, features: { city: 'Paris', amount: 12.5 }, weight: 1 }],
      [4, { label: 0, features: { city: 'Saint-Denis, Réunion', amount: 3 }, weight: 1 }],
      [5, 'bad_row'],
      [6, 'bad_label'],
      [7, 'non_finite'],
      [8, 'missing_label'],
      [9, { label: 1, features: { amount: 7 }, weight: 1 }],
      [11, { label: 0, features: { city: 'two\nlines', amount: 1 }, weight: 1 }],
      [12, 'non_finite'],
      [13, { label: 0, features: { city: 'Brest', amount: 2 }, weight: 1 }],
    ]);
    const bad = records.find((r) => r.line === 7)?.error;
    assert.equal(bad?.field, 'features.amount');
  });

  it('reports a broken quote as bad_row with its line', async () => {
    const path = await file('quote.csv', 'label,a\n1,x\n0,"bad"x\n');
    const records = await all(readRecords(path));
    assert.deepEqual(summary(records), [
      [2, { label: 1, features: { a: 'x' }, weight: 1 }],
      [3, 'bad_row'],
    ]);
  });

  it('events: the label is optional, kept when the column is there', async () => {
    const withLabel = await all(readRecords(movielens, { as: 'events' }));
    assert.equal(withLabel[0]?.sample?.label, 1);
    const path = await file('events.csv', 'user,amount\nu1,3\nu2,\n');
    const events = await all(readRecords(path, { as: 'events' }));
    const expected: [number, ScoreEvent][] = [
      [2, { features: { user: 'u1', amount: 3 }, weight: 1 }],
      [3, { features: { user: 'u2' }, weight: 1 }],
    ];
    assert.deepEqual(summary(events), expected);
  });

  it('fails the whole file when the header is unusable', async () => {
    const noLabel = await file('nolabel.csv', 'a,b\n1,2\n');
    await assert.rejects(all(readRecords(noLabel)), (e: unknown) => e instanceof RecordsFileError && e.path === noLabel && e.line === 1 && /no label column "label"/.test(e.message));
    const empty = await file('empty.csv', '');
    await assert.rejects(all(readRecords(empty)), (e: unknown) => e instanceof RecordsFileError && /no header/.test(e.message));
    const duplicate = await file('dup.csv', 'label,a,a\n1,2,3\n');
    await assert.rejects(all(readRecords(duplicate)), /appears twice/);
  });

  it('a row larger than maxBytes is reported as oversize', async () => {
    const path = await file('big.csv', `label,a\n1,${'x'.repeat(300)}\n0,y\n`);
    const records = await all(readRecords(path, { limits: decodeLimits({ maxBytes: 100 }) }));
    assert.deepEqual(summary(records).map(([line, v]) => [line, typeof v === 'string' ? v : 'ok']), [
      [2, 'oversize'],
      [3, 'ok'],
    ]);
  });

  it('an unclosed quote that swallows the file fails it instead of buffering it all', async () => {
    const rows = Array.from({ length: 300_000 }, (_, i) => `${i % 2},row${i}`).join('\n');
    const path = await file('unclosed.csv', `label,a\n1,ok\n0,"unclosed\n${rows}\n`);
    const seen: FileRecord<Sample>[] = [];
    await assert.rejects(
      (async () => {
        for await (const r of readRecords(path, { limits: decodeLimits({ maxBytes: 1000 }) })) seen.push(r);
      })(),
      (e: unknown) => e instanceof RecordsFileError && e.line === 3 && /unclosed quote/.test(e.message),
    );
    assert.deepEqual(summary(seen), [[2, { label: 1, features: { a: 'ok' }, weight: 1 }]]);
  });
});

describe('readRecords: JSON lines', () => {
  it('reads the section-4 message format; the same samples as the CSV gives', async () => {
    const fromCsv = (await all(readRecords(movielens))).slice(0, 20).map((r) => r.sample as Sample);
    const path = await file('movielens.jsonl', fromCsv.map((s) => encodeSample(s).toString()).join('\n') + '\n');
    const fromJsonl = await all(readRecords(path));
    assert.deepEqual(fromJsonl.map((r) => r.sample), fromCsv);
    assert.deepEqual(fromJsonl.map((r) => r.line), Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it('reports bad lines with their numbers: JSON, labels, encoding, size', async () => {
    const path = await file(
      'mixed.ndjson',
      Buffer.concat([
        Buffer.from('{"label":1,"features":{"a":1}}\n'), // 1
        Buffer.from('\n'), // 2: blank, skipped
        Buffer.from('{"label":1,"features":\n'), // 3
        Buffer.from('{"label":"1","x":[1]}\r\n'), // 4
        Buffer.from([0x7b, 0xff, 0x7d, 0x0a]), // 5: invalid UTF-8
        Buffer.from(`{"label":0,"features":{"t":"${'x'.repeat(200)}"}}\n`), // 6: over maxBytes
        Buffer.from('{"label":0,"x":[1e400]}\n'), // 7
        Buffer.from('{"label":true,"x":[2]}'), // 8, no final newline
      ]),
    );
    const records = await all(readRecords(path, { limits: decodeLimits({ maxBytes: 100 }) }));
    assert.deepEqual(summary(records), [
      [1, { label: 1, features: { a: 1 }, weight: 1 }],
      [3, 'not_json'],
      [4, 'bad_label'],
      [5, 'bad_encoding'],
      [6, 'oversize'],
      [7, 'non_finite'],
      [8, { label: 1, x: [2], weight: 1 }],
    ]);
  });

  it('skips a line longer than a read chunk without holding it, and keeps counting lines', async () => {
    const huge = `{"label":1,"features":{"t":"${'y'.repeat(3 * 1024 * 1024)}"}}`;
    const path = await file('huge.jsonl', `{"label":0,"x":[1]}\n${huge}\n{"label":1,"x":[2]}\n`);
    const records = await all(readRecords(path));
    assert.deepEqual(summary(records), [
      [1, { label: 0, x: [1], weight: 1 }],
      [2, 'oversize'],
      [3, { label: 1, x: [2], weight: 1 }],
    ]);
  });

  it('events keep a label when present', async () => {
    const path = await file('events.jsonl', '{"id":"e1","features":{"a":1}}\n{"label":0,"x":[1]}\n');
    const records = await all(readRecords(path, { as: 'events' }));
    assert.deepEqual(summary(records), [
      [1, { id: 'e1', features: { a: 1 }, weight: 1 }],
      [2, { label: 0, x: [1], weight: 1 }],
    ]);
  });

  it('a .json file holding one JSON array is refused as a whole, with a hint', async () => {
    const path = await file('array.json', '[\n{"label":1,"x":[1]}\n]\n');
    await assert.rejects(all(readRecords(path)), (e: unknown) => e instanceof RecordsFileError && /JSON lines/.test(e.message));
  });
});

describe('readRecords: LIBSVM', () => {
  it('reads labels ±1/0/1 and index:value pairs, reporting bad lines', async () => {
    const path = await file('data.svm', ['# comment', '+1 1:0.5 10:2', '-1 2:1 # trailing comment', '', '2 1:1', '0 3:x', '1 4:1'].join('\n'));
    const records = await all(readRecords(path));
    assert.deepEqual(summary(records), [
      [2, { label: 1, features: { '1': 0.5, '10': 2 }, weight: 1 }],
      [3, { label: 0, features: { '2': 1 }, weight: 1 }],
      [5, 'bad_label'],
      [6, 'bad_value'],
      [7, { label: 1, features: { '4': 1 }, weight: 1 }],
    ]);
  });

  it('.txt and .libsvm are LIBSVM too; --format overrides the extension', async () => {
    const txt = await file('data.txt', '1 1:1\n');
    assert.equal((await all(readRecords(txt)))[0]?.sample?.label, 1);
    const jsonAsTxt = await file('messages.txt', '{"label":1,"x":[1]}\n');
    assert.deepEqual((await all(readRecords(jsonAsTxt, { format: 'jsonl' })))[0]?.sample, { label: 1, x: [1], weight: 1 });
  });
});

describe('readRecords: options and file errors', () => {
  it('tells the format from the extension', () => {
    assert.equal(formatFromPath('a/b.CSV'), 'csv');
    for (const p of ['x.jsonl', 'x.ndjson', 'x.json']) assert.equal(formatFromPath(p), 'jsonl');
    for (const p of ['x.libsvm', 'x.svm', 'x.txt']) assert.equal(formatFromPath(p), 'libsvm');
    assert.equal(formatFromPath('x.parquet'), undefined);
    assert.equal(formatFromPath('noextension'), undefined);
  });

  it('refuses bad options at once, naming the option', () => {
    const cases: [string, ReadRecordsOptions, string][] = [
      ['data.bin', {}, 'format'],
      ['data.csv', { format: 'xml' as 'csv' }, 'format'],
      ['data.csv', { label: '' }, 'label'],
      ['data.csv', { as: 'rows' as 'events' }, 'as'],
      ['data.csv', { limits: { maxBytes: 0, maxFeatures: 1 } }, 'limits.maxBytes'],
      ['', {}, 'path'],
    ];
    for (const [path, options, option] of cases) {
      assert.throws(() => readRecords(path, options), (e: unknown) => e instanceof InvalidOptionError && e.option === option, option);
    }
  });

  it('a missing file fails the iteration with RecordsFileError naming it', async () => {
    const path = join(dir, 'missing.csv');
    await assert.rejects(all(readRecords(path)), (e: unknown) => e instanceof RecordsFileError && e.path === path && (e.cause as NodeJS.ErrnoException).code === 'ENOENT' && !e.retriable);
    await assert.rejects(all(readRecords(join(dir, 'missing.jsonl'))), RecordsFileError);
    await assert.rejects(countLines(path), RecordsFileError);
  });

  it('stopping early is fine (the file is closed, nothing is thrown)', async () => {
    let seen = 0;
    for await (const r of readRecords(movielens)) {
      assert.ok(r.sample);
      if (++seen === 3) break;
    }
    assert.equal(seen, 3);
  });

  it('every error carries a DecodeError', async () => {
    const path = await file('errs.jsonl', 'x\n');
    const [record] = await all(readRecords(path));
    assert.ok(record?.error instanceof DecodeError);
  });
});

describe('countLines', () => {
  it('counts lines, with or without a final newline', async () => {
    assert.equal(await countLines(movielens), 200);
    assert.equal(await countLines(await file('a.txt', 'a\nb\nc')), 3);
    assert.equal(await countLines(await file('b.txt', 'a\r\nb\r\n')), 2);
    assert.equal(await countLines(await file('c.txt', '')), 0);
    assert.equal(await countLines(await file('d.txt', '\n\n')), 2);
  });
});
