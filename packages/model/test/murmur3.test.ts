import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { crc32c, featureSlot, murmur3Bytes, murmur3NameValue, murmur3String } from '../src/index.js';

const hex = (s: string): Uint8Array => Uint8Array.from(s.match(/../g) ?? [], (b) => parseInt(b, 16));

test('MurmurHash3 x86_32 matches the SMHasher reference vectors', () => {
  const vectors: Array<[string, number, number]> = [
    ['', 0, 0],
    ['', 1, 0x514e28b7],
    ['', 0xffffffff, 0x81f16f39],
    ['ffffffff', 0, 0x76293b50],
    ['21436587', 0, 0xf55b516b],
    ['21436587', 0x5082edee, 0x2362f9de],
    ['214365', 0, 0x7e4a8634],
    ['2143', 0, 0xa0f7b07a],
    ['21', 0, 0x72661cf4],
    ['00000000', 0, 0x2362f9de],
    ['000000', 0, 0x85f0b427],
    ['0000', 0, 0x30f4c306],
    ['00', 0, 0x514e28b7],
  ];
  for (const [bytes, seed, expected] of vectors) assert.equal(murmur3Bytes(hex(bytes), seed), expected, `bytes ${bytes} seed ${seed}`);
  assert.equal(murmur3String('Hello, world!', 1234), 0xfaf6cdb3);
  assert.equal(murmur3String('Hello, world!', 4321), 0xbf505788);
  assert.equal(murmur3String('Hello world', 0), 2911983372);
});

test('string hashing equals hashing the TextEncoder UTF-8 bytes, including non-ASCII and lone surrogates', () => {
  const encoder = new TextEncoder();
  for (const s of ['é', 'naïve=café', '日本語', '😀 emoji', '\ud800', 'a\udc00b', 'x'.repeat(1000)]) {
    assert.equal(murmur3String(s, 7), murmur3Bytes(encoder.encode(s), 7), JSON.stringify(s));
  }
  fc.assert(
    fc.property(fc.fullUnicodeString(), fc.string(), fc.integer({ min: 0, max: 0xffffffff }), (a, b, seed) => {
      assert.equal(murmur3String(a, seed), murmur3Bytes(encoder.encode(a), seed));
      assert.equal(murmur3NameValue(a, b, seed), murmur3Bytes(encoder.encode(`${a}=${b}`), seed));
    }),
    { numRuns: 300 },
  );
  // The ASCII fast path (every alignment of name, '=' and value), and a non-ASCII code unit
  // met after ASCII blocks were already hashed (the fallback restarts from the first byte).
  const ascii = fc.string({ maxLength: 13 });
  fc.assert(
    fc.property(ascii, ascii, fc.integer({ min: 0, max: 0xffffffff }), (a, b, seed) => {
      assert.equal(murmur3String(a, seed), murmur3Bytes(encoder.encode(a), seed));
      assert.equal(murmur3NameValue(a, b, seed), murmur3Bytes(encoder.encode(`${a}=${b}`), seed));
    }),
    { numRuns: 500 },
  );
  const pairs: Array<[string, string]> = [['abcdefgh', 'ijklé'], ['abcdefghé', 'x'], ['user_id', 'u128'], ['genres', 'Children|Comedy|Fantasy|Musical'], ['', ''], ['a', '']];
  for (const [a, b] of pairs) {
    assert.equal(murmur3String(`${a}${b}`, 3), murmur3Bytes(encoder.encode(`${a}${b}`), 3), `${a}${b}`);
    assert.equal(murmur3NameValue(a, b, 3), murmur3Bytes(encoder.encode(`${a}=${b}`), 3), `${a}=${b}`);
  }
});

test('one non-ASCII code unit at any position of name or value leaves the ASCII fast path', () => {
  // Code units whose low byte is ASCII (0x100, 0x4141, ...) would pass an ASCII test made on a
  // packed little-endian word; each must still hash as its UTF-8 bytes.
  const encoder = new TextEncoder();
  const odd = ['\u0080', '\u0100', '\u4141', '\u7f7f', '\uff00', '\ud83d', '\ud83d\ude00'];
  for (let length = 0; length <= 9; length++) {
    const base = 'abcdefghi'.slice(0, length);
    for (let at = 0; at <= length; at++) {
      for (const u of odd) {
        const s = base.slice(0, at) + u + base.slice(at);
        for (const other of ['', 'x', 'xy', 'xyz', 'wxyz']) {
          assert.equal(murmur3String(s, 11), murmur3Bytes(encoder.encode(s), 11), JSON.stringify(s));
          assert.equal(murmur3NameValue(s, other, 11), murmur3Bytes(encoder.encode(`${s}=${other}`), 11), JSON.stringify([s, other]));
          assert.equal(murmur3NameValue(other, s, 11), murmur3Bytes(encoder.encode(`${other}=${s}`), 11), JSON.stringify([other, s]));
        }
      }
    }
  }
});

test('featureSlot masks the hash into 2^bits slots', () => {
  const h = murmur3String('country=US', 0);
  assert.equal(featureSlot('country=US', { bits: 20, seed: 0 }), h & 0xfffff);
  assert.equal(featureSlot('country=US', { bits: 1, seed: 0 }), h & 1);
  assert.notEqual(featureSlot('country=US', { bits: 20, seed: 1 }), featureSlot('country=US', { bits: 20, seed: 0 }));
});

test('CRC-32C check value', () => {
  assert.equal(crc32c(new TextEncoder().encode('123456789')), 0xe3069283);
  assert.equal(crc32c(new Uint8Array(0)), 0);
  // Chunked computation equals one pass (crc argument continues a checksum).
  const data = Uint8Array.from({ length: 1000 }, (_, i) => (i * 31) & 0xff);
  assert.equal(crc32c(data.subarray(300), crc32c(data.subarray(0, 300))), crc32c(data));
  // RFC 3720 B.4: 32 bytes of zeros.
  assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa);
});
