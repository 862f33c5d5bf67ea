/**
 * The fused scanner against the reference path (tryDecodeSample → hashFeatures): whenever the
 * scanner accepts a message, the reference accepts it too with the same label, the same weight
 * and the same (slot, value) entries in the same order, value bits included; and it does accept
 * the ordinary shapes (or it would be a no-op).
 */
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { DEFAULT_LEARNER_OPTIONS, featureSlot, hashFeatures, SparseVector, type FeatureSpace } from '@streamlr/model';
import { decodeLimits, encodeSample, tryDecodeSample, type DecodeLimits, type Sample } from '@streamlr/protocol';
import { HashedEntries, LogisticLearner, SampleScanner, ScannedSample } from '../src/index.js';

const limits = decodeLimits({ maxBytes: 4096, maxFeatures: 24 });

interface Scanned {
  readonly label: number;
  readonly weight: number;
  readonly entries: Array<[number, number]>;
}

function scan(scanner: SampleScanner, bytes: Uint8Array): Scanned | null {
  const out = new HashedEntries(4);
  out.length = 3; // appends after what is there, and leaves it alone when it refuses
  const ok = scanner.scan(bytes, out);
  if (!ok) {
    assert.equal(out.length, 3);
    return null;
  }
  const entries: Array<[number, number]> = [];
  for (let k = 3; k < out.length; k++) entries.push([out.indices[k]!, out.values[k]!]);
  return { label: scanner.label, weight: scanner.weight, entries };
}

/** The reference: the entries hashFeatures adds, in its order (for…in over JSON.parse's object). */
function reference(bytes: Uint8Array, space: FeatureSpace, limitsUsed: DecodeLimits): Scanned | null {
  const result = tryDecodeSample(bytes, limitsUsed);
  if (!result.ok || result.value.features === undefined) return null;
  const entries: Array<[number, number]> = [];
  const features = result.value.features;
  for (const name in features) {
    const v = features[name]!;
    if (typeof v === 'string') entries.push([featureSlot(`${name}=${v}`, space), 1]);
    else entries.push([featureSlot(name, space), typeof v === 'boolean' ? (v ? 1 : 0) : v]);
  }
  return { label: result.value.label, weight: result.value.weight, entries };
}

function sameBits(a: number, b: number): boolean {
  return Object.is(a, b);
}

/** Asserts the scanner's answer agrees with the reference's (when the scanner accepts). */
function agree(bytes: Uint8Array, space: FeatureSpace, limitsUsed = limits): Scanned | null {
  const mine = scan(new SampleScanner(space, limitsUsed), bytes);
  if (mine === null) return null;
  const ref = reference(bytes, space, limitsUsed);
  const text = Buffer.from(bytes).toString('latin1');
  assert.ok(ref !== null, `scanner accepted what the reference refuses: ${text}`);
  assert.equal(mine.label, ref.label, text);
  assert.ok(sameBits(mine.weight, ref.weight), `weight ${mine.weight} vs ${ref.weight}: ${text}`);
  assert.equal(mine.entries.length, ref.entries.length, text);
  for (let k = 0; k < ref.entries.length; k++) {
    assert.equal(mine.entries[k]![0], ref.entries[k]![0], `slot of entry ${k}: ${text}`);
    assert.ok(sameBits(mine.entries[k]![1], ref.entries[k]![1]), `value of entry ${k}: ${mine.entries[k]![1]} vs ${ref.entries[k]![1]}: ${text}`);
  }
  // And through SparseVector.add, as the learner uses them: hashFeatures' vector exactly.
  const result = tryDecodeSample(bytes, limitsUsed);
  const expected = hashFeatures((result as { value: Sample }).value.features!, space, new SparseVector());
  const got = new SparseVector();
  for (const [slot, value] of mine.entries) got.add(slot, value);
  assert.deepEqual(got.entries(), expected.entries());
  return mine;
}

// ---------------------------------------------------------------------------------------------
// Generators: JSON text built token by token, valid and not quite.

const whitespace = fc.stringOf(fc.constantFrom(' ', '\t', '\n', '\r'), { maxLength: 2 });
/** Mostly JSON whitespace, sometimes not (form feed, no-break space). */
const gapOf = (dirty: boolean) =>
  dirty ? fc.oneof({ weight: 12, arbitrary: whitespace }, { weight: 1, arbitrary: fc.constantFrom('\f', '\u00a0', '\u2028') }) : whitespace;

const asciiName = fc.stringOf(fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz_ABC019-=.| '), { minLength: 1, maxLength: 12 });
const nameOf = (dirty: boolean) =>
  dirty
    ? fc.oneof(
        { weight: 6, arbitrary: asciiName },
        { weight: 2, arbitrary: fc.fullUnicodeString({ maxLength: 6 }) },
        { weight: 1, arbitrary: fc.stringOf(fc.constantFrom('0', '1', '7', '9'), { minLength: 1, maxLength: 11 }) },
        { weight: 1, arbitrary: fc.constantFrom('', '__proto__', 'constructor', '4294967295', '-1', '01', '1.5', 'é', '日本', '😀', '\u0000', '"', '\\') },
      )
    : fc.oneof({ weight: 6, arbitrary: asciiName }, { weight: 1, arbitrary: fc.constantFrom('', '__proto__', '-1', '01', '1.5', 'é', '日本', '😀', 'a\u2028b') });
/** A JSON string token: stringified (escapes where needed), raw (maybe not JSON), or with gratuitous escapes. */
const stringToken = (s: fc.Arbitrary<string>, dirty: boolean) =>
  dirty
    ? fc.oneof(
        { weight: 8, arbitrary: s.map((v) => JSON.stringify(v)) },
        { weight: 1, arbitrary: s.map((v) => `"${v}"`) },
        { weight: 1, arbitrary: s.map((v) => `"\\u0061${v}"`) },
      )
    : s.map((v) => JSON.stringify(v));

const digits = (min: number, max: number) => fc.stringOf(fc.constantFrom(...'0123456789'), { minLength: min, maxLength: max });
/** Numbers in every JSON form, and (dirty) some non-JSON ones. */
const numberOf = (dirty: boolean) =>
  fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min: -100000, max: 100000 }).map(String) },
    { weight: 3, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }).map((v) => JSON.stringify(v)) },
    {
      weight: 4,
      arbitrary: fc
        .tuple(
          fc.constantFrom('', '', '-'),
          fc.oneof(fc.constant('0'), fc.tuple(fc.constantFrom(...'123456789'), digits(0, 25)).map(([a, b]) => a + b)),
          fc.option(digits(1, 25), { nil: undefined }),
          fc.option(fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), digits(1, 4)), { nil: undefined }),
        )
        .map(([sign, int, frac, exp]) => `${sign}${int}${frac === undefined ? '' : `.${frac}`}${exp === undefined ? '' : exp.join('')}`),
    },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        '-0', '0', '-0.0', '0e5', '1e-320', '-1e-320', '5e-324', '2e-324', '1e308', '1.7976931348623157e308', '1.7976931348623159e308',
        '9007199254740993', '123456789012345678901234567890', '0.1', '0.30000000000000004', '1e22', '1e23', '123456789012345e-22', '1.0', '1e0', '10e-1',
        ...(dirty ? ['1e309', '-1e400', '01', '1.', '.5', '+1', '1e', '1e+', '-', '--1', '0x10', 'NaN', 'Infinity', '-Infinity', '1_000', '٣'] : []),
      ),
    },
  );
const featureValueOf = (dirty: boolean) =>
  fc.oneof(
    { weight: 4, arbitrary: stringToken(fc.oneof(asciiName, fc.fullUnicodeString({ maxLength: 5 })), dirty) },
    { weight: 4, arbitrary: numberOf(dirty) },
    { weight: 1, arbitrary: dirty ? fc.constantFrom('true', 'false', 'null', 'tru', 'True', '[]', '{}', '[1]', '{"a":1}') : fc.constantFrom('true', 'false') },
  );

const featuresOf = (dirty: boolean) => {
  const gap = gapOf(dirty);
  return fc
    .array(fc.tuple(stringToken(nameOf(dirty), dirty), gap, gap, featureValueOf(dirty), gap), { maxLength: dirty ? 28 : 20 })
    .chain((members) =>
      // Duplicate a name now and then.
      fc.boolean().map((dup) => (dirty && dup && members.length > 1 ? [...members, members[0]!] : members)),
    )
    .chain((members) => gap.map((g) => `{${g}${members.map(([k, g1, g2, v, g3]) => `${k}${g1}:${g2}${v}${g3}`).join(',')}}`));
};

type Member = readonly [key: string, value: string];
const member = (key: string, value: fc.Arbitrary<string>): fc.Arbitrary<Member> => value.map((v) => [JSON.stringify(key), v] as const);

const messageOf = (dirty: boolean) => {
  const gap = gapOf(dirty);
  const number = numberOf(dirty);
  const labelValue = dirty
    ? fc.oneof(fc.constantFrom('0', '1', 'true', 'false', '-0', '1.0', '1e0', '0.0e3', '2', '"1"', 'null', '0.5', '1.00000000000000001'), number)
    : fc.constantFrom('0', '1', 'true', 'false', '-0', '1.0', '1e0', '0.0e3', '1.00000000000000001');
  const weightValue = dirty ? fc.oneof(number, fc.constantFrom('"1"', 'null', 'true', '-0', '0')) : fc.oneof(fc.double({ min: 0, noNaN: true, noDefaultInfinity: true }).map(String), fc.constantFrom('-0', '0', '1', '1e-320', '0.5'));
  const idValue = dirty ? fc.oneof(stringToken(fc.oneof(asciiName, fc.fullUnicodeString({ maxLength: 4 })), dirty), fc.constantFrom('""', '1', 'null')) : stringToken(asciiName, false);
  const tsValue = dirty
    ? fc.oneof(fc.constantFrom('1764000000000', '0', '-0', '1e3', '1.5', '-1', '9007199254740991', '9007199254740992', '"1"'), number)
    : fc.constantFrom('1764000000000', '0', '-0', '1e3', '9007199254740991');
  const optional = (m: fc.Arbitrary<Member>) => fc.option(m, { nil: null });
  return fc
    .tuple(
      dirty ? optional(member('label', labelValue)) : member('label', labelValue),
      dirty ? optional(member('features', featuresOf(true))) : member('features', featuresOf(false)),
      optional(member('weight', weightValue)),
      optional(member('id', idValue)),
      optional(member('ts', tsValue)),
      dirty
        ? fc.option(
            fc.oneof(
              member('x', fc.constantFrom('[1,2]', '[]')),
              member('other', number),
              member('labels', fc.constant('1')),
              member('label', labelValue),
              fc.constant(['"lab\\u0065l"', '1'] as Member),
              fc.constant(['"__proto__"', '{}'] as Member),
            ),
            { nil: null },
          )
        : fc.constant(null),
    )
    .chain((members) => {
      const present = members.filter((m): m is Member => m !== null);
      return fc.shuffledSubarray(present, { minLength: present.length });
    })
    .chain((members) =>
      fc.tuple(gap, gap, gap, fc.array(fc.tuple(gap, gap), { minLength: members.length, maxLength: members.length })).map(
        ([a, b, c, gaps]) => `${a}{${b}${members.map(([k, v], i) => `${k}${gaps[i]![0]}:${gaps[i]![1]}${v}`).join(',')}}${c}`,
      ),
    );
};
const message = fc.oneof(messageOf(false), messageOf(true));

/** Random damage to a message: flipped, inserted, deleted bytes, truncation, a BOM. */
const mutated = fc
  .tuple(
    message.map((m) => Buffer.from(m, 'utf8')),
    fc.array(fc.tuple(fc.constantFrom('flip', 'insert', 'delete', 'truncate'), fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 3 }),
    fc.boolean(),
  )
  .map(([bytes, edits, bom]) => {
    let b = Buffer.from(bytes);
    for (const [kind, at, byte] of edits) {
      if (b.length === 0) break;
      const i = at % b.length;
      if (kind === 'flip') b[i] = byte;
      else if (kind === 'insert') b = Buffer.concat([b.subarray(0, i), Buffer.from([byte]), b.subarray(i)]);
      else if (kind === 'delete') b = Buffer.concat([b.subarray(0, i), b.subarray(i + 1)]);
      else b = b.subarray(0, i);
    }
    return bom ? Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), b]) : b;
  });

const space = fc.record({ bits: fc.constantFrom(4, 10, 20, 28), seed: fc.constantFrom(0, 1, 42, 0xffffffff) });

describe('SampleScanner', () => {
  it('agrees with the reference on generated messages whenever it accepts them', () => {
    let accepted = 0;
    fc.assert(
      fc.property(message, space, (text, s) => {
        if (agree(Buffer.from(text, 'utf8'), s) !== null) accepted++;
      }),
      { numRuns: 6000 },
    );
    // Many generated messages are valid and plain: the scanner must not refuse them all.
    assert.ok(accepted > 1000, `only ${accepted} accepted`);
  });

  it('agrees with the reference on damaged messages and on random bytes', () => {
    fc.assert(
      fc.property(mutated, space, (bytes, s) => {
        agree(bytes, s);
      }),
      { numRuns: 6000 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        agree(bytes, DEFAULT_LEARNER_OPTIONS.featureSpace);
      }),
      { numRuns: 2000 },
    );
  });

  it('validates UTF-8 inside names and values exactly as the fatal TextDecoder does', () => {
    const highBytes = fc.array(fc.oneof(fc.integer({ min: 0x80, max: 0xff }), fc.constantFrom(0x61, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xa0, 0x9f, 0x90, 0x8f, 0xbf, 0x80)), { maxLength: 8 });
    fc.assert(
      fc.property(highBytes, fc.boolean(), (inner, inName) => {
        const head = Buffer.from(inName ? '{"label":1,"features":{"n' : '{"label":1,"features":{"n":"v');
        const tail = Buffer.from(inName ? '":"v","m":2}}' : '","m":2}}');
        agree(Buffer.concat([head, Buffer.from(inner), tail]), DEFAULT_LEARNER_OPTIONS.featureSpace);
      }),
      { numRuns: 4000 },
    );
    const space = DEFAULT_LEARNER_OPTIONS.featureSpace;
    const wrap = (bytes: number[]) => Buffer.concat([Buffer.from('{"label":1,"features":{"'), Buffer.from(bytes), Buffer.from('":1}}')]);
    for (const bad of [[0xed, 0xa0, 0x80], [0xc0, 0x80], [0xe0, 0x80, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xf5, 0x80, 0x80, 0x80], [0xc3], [0xe2, 0x82], [0x80]]) {
      assert.equal(scan(new SampleScanner(space, limits), wrap(bad)), null, bad.join(' '));
    }
    for (const good of [[0xc3, 0xa9], [0xed, 0x9f, 0xbf], [0xee, 0x80, 0x80], [0xf0, 0x9f, 0x98, 0x80], [0xf4, 0x8f, 0xbf, 0xbf], [0xef, 0xbf, 0xbe]]) {
      assert.notEqual(agree(wrap(good), space), null, good.join(' '));
    }
  });

  it('accepts every sample encodeSample writes, unless a string needs an escape or a name is all digits', () => {
    const plain = fc.stringOf(
      fc.fullUnicode().filter((c) => c >= ' ' && c !== '"' && c !== '\\'),
      { maxLength: 10 },
    );
    const sampleArb = fc.record(
      {
        id: plain.filter((s) => s.length > 0),
        ts: fc.nat({ max: 2 ** 45 }),
        label: fc.constantFrom<0 | 1 | boolean>(0, 1, true, false),
        weight: fc.double({ min: 0, max: 1e6, noNaN: true }),
        features: fc.dictionary(
          plain.filter((s) => !/^[0-9]+$/.test(s)),
          fc.oneof(plain, fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer(), fc.boolean()),
          { maxKeys: 20 },
        ),
      },
      { requiredKeys: ['label', 'features'] },
    );
    fc.assert(
      fc.property(sampleArb, space, (sample, s) => {
        const bytes = encodeSample(sample, limits);
        assert.notEqual(agree(bytes, s), null, `refused ${bytes.toString()}`);
      }),
      { numRuns: 3000 },
    );
  });

  it('accepts the movielens and synthetic shapes the benchmarks use', () => {
    const rows = [
      '{"id":"r-0","ts":1764000000000,"label":1,"features":{"user_id":"u128","movie_id":"m1028","genres":"Children|Comedy|Fantasy|Musical","year":1964}}',
      '{"label":0,"features":{"user_id":"u665","movie_id":"m4736","genres":"Comedy|Drama|Romance","year":2001},"weight":1}',
      '{"id":"imp-7","ts":1764000000007,"label":0,"features":{"c0":"v12","c1":"v9031","n0":0.125,"n1":-3.5e-7,"n2":12}}',
      '{ "id": "imp-81", "ts": 1764000000000, "label": 1,\n  "features": {"country": "US", "device": "ios", "amount": 12.5, "mobile": true}, "weight": 1.0 }',
    ];
    for (const row of rows) assert.notEqual(agree(Buffer.from(row), DEFAULT_LEARNER_OPTIONS.featureSpace), null, row);
  });

  it('refuses what it does not handle, leaving it to the reference path', () => {
    const refused = [
      '{"label":1,"features":{"a":1,"a":2}}', // duplicate: JSON.parse keeps the last value at the first place
      '{"label":1,"features":{"b":1,"10":2}}', // an index key: enumerated first
      '{"label":1,"features":{"a":"\\u0041"}}', // an escape
      '{"label":1,"x":[1,2]}',
      '{"label":1,"features":{},"extra":1}',
      '{"label":1,"features":{"a":1e400}}',
      '{"label":1,"features":{"a":01}}',
      '{"label":2,"features":{}}',
      '{"label":1,"features":{"a":null}}',
      '{"label":1,"label":1,"features":{}}',
      '{"label":1,"features":{"a":1},}',
      '\ufeff{"label":1,"features":{}}',
    ];
    const scanner = new SampleScanner(DEFAULT_LEARNER_OPTIONS.featureSpace, limits);
    for (const text of refused) assert.equal(scan(scanner, Buffer.from(text)), null, text);
    // A raw control character, a quote or a backslash anywhere in a name, a value or the id
    // (each position of a 4-byte block): not JSON, or an escape.
    for (const bad of [...Array.from({ length: 0x20 }, (_, c) => c), 0x5c]) {
      for (let at = 0; at < 9; at++) {
        const text = (field: string) => `${field.slice(0, at)}${String.fromCharCode(bad)}${field.slice(at)}`;
        for (const message of [
          `{"label":1,"features":{"${text('abcdefgh')}":1}}`,
          `{"label":1,"features":{"ab":"${text('abcdefgh')}"}}`,
          `{"label":1,"features":{"abc":"${text('abcdefgh')}"}}`,
          `{"label":1,"features":{},"id":"${text('abcdefgh')}"}`,
        ]) {
          assert.equal(scan(scanner, Buffer.from(message, 'latin1')), null, JSON.stringify(message));
        }
      }
    }
    const tooMany = JSON.stringify({ label: 1, features: Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`f${i}`, i])) });
    assert.equal(scan(scanner, Buffer.from(tooMany)), null);
    assert.equal(scan(new SampleScanner(DEFAULT_LEARNER_OPTIONS.featureSpace, decodeLimits({ maxBytes: 20 })), Buffer.from('{"label":1,"features":{"a":1}}')), null);
  });

  it('finds a duplicate name among many (the name table grows)', () => {
    const names = Array.from({ length: 600 }, (_, i) => `n${i}`);
    const big = decodeLimits({ maxFeatures: 1000 });
    const members = names.map((n, i) => `"${n}":${i}`);
    const unique = Buffer.from(`{"label":1,"features":{${members.join(',')}}}`);
    assert.equal(agree(unique, DEFAULT_LEARNER_OPTIONS.featureSpace, big)?.entries.length, 600);
    const twice = Buffer.from(`{"label":1,"features":{${[...members, '"n17":5'].join(',')}}}`);
    assert.equal(scan(new SampleScanner(DEFAULT_LEARNER_OPTIONS.featureSpace, big), twice), null);
  });
});

describe('LogisticLearner with the scanner', () => {
  const options = { ...DEFAULT_LEARNER_OPTIONS, featureSpace: { bits: 12, seed: 7 } };

  /** Decodes `messages` in steps of `step` (all decoded, then all learned, as the trainer's steps). */
  function train(learner: LogisticLearner, messages: readonly Buffer[], step: number): string[] {
    const outcomes: string[] = [];
    for (let i = 0; i < messages.length; i += step) {
      const decoded = messages.slice(i, i + step).map((m) => learner.decode(m));
      for (const d of decoded) {
        outcomes.push(d.ok ? 'ok' : `${d.error.reason}:${d.error.field ?? ''}`);
        if (d.ok) learner.learn(d.value);
      }
    }
    return outcomes;
  }

  it('ends in the same state as the reference decoder, bit for bit, refusals, metrics and names included', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof({ weight: 3, arbitrary: message }, { weight: 1, arbitrary: mutated.map((b) => b.toString('latin1')) }), { maxLength: 60 }), fc.integer({ min: 1, max: 40 }), (texts, step) => {
        const messages = texts.map((t) => Buffer.from(t, 'utf8'));
        const fast = new LogisticLearner(options, { limits });
        const slow = new LogisticLearner(options, { limits, fastDecode: false });
        assert.deepEqual(train(fast, messages, step), train(slow, messages, step));
        assert.deepEqual(fast.learner.exportState(), slow.learner.exportState());
        assert.deepEqual(fast.progressive(), slow.progressive());
        const context = { model: 'm', version: 1, createdAt: 1, offsets: {} };
        assert.deepEqual(fast.snapshot(context), slow.snapshot(context));
      }),
      { numRuns: 300 },
    );
  });

  it('decodes plain messages with the scanner, and hashes again those whose arena entries were overwritten', () => {
    const messages = Array.from({ length: 3000 }, (_, i) =>
      encodeSample({ id: `s${i}`, label: (i % 3 === 0 ? 1 : 0) as 0 | 1, features: Object.fromEntries(Array.from({ length: 40 }, (_, j) => [`f${j}`, j % 2 ? `v${(i * j) % 97}` : (i % 13) / 7])) }),
    );
    const fast = new LogisticLearner(options);
    const slow = new LogisticLearner(options, { fastDecode: false });
    // 3000 × 40 entries decoded before any is learned: more than one lap of the arena.
    const decoded = messages.map((m) => fast.decode(m));
    assert.ok(decoded.every((d) => d.ok && d.value instanceof ScannedSample));
    for (const d of decoded) if (d.ok) fast.learn(d.value);
    train(slow, messages, 1000);
    assert.deepEqual(fast.learner.exportState(), slow.learner.exportState());
    const context = { model: 'm', version: 1, createdAt: 1, offsets: {} };
    assert.deepEqual(fast.snapshot(context), slow.snapshot(context));
  });
});
