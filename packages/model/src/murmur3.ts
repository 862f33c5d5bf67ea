/**
 * MurmurHash3, x86 32-bit variant (Austin Appleby, SMHasher `MurmurHash3_x86_32`), over the
 * UTF-8 bytes of a string. This is the hash Vowpal Wabbit's hashing trick uses.
 *
 * Strings are hashed as a stream of UTF-8 bytes computed on the fly from their UTF-16 code units
 * (no allocation, no intermediate buffer); byte arrays are read as little-endian 32-bit blocks.
 * ASCII strings, the usual feature names and values, take a path whose state stays in local
 * variables (hashFeatures ~20% faster than the general stream); the first non-ASCII code unit
 * hands the whole string to the general path. Hashing UTF-16 code units directly would be
 * faster still but would move every non-ASCII feature to another slot: slots are part of the
 * snapshot contract (DESIGN §3), so the bytes hashed stay UTF-8.
 */

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

let bytes = new Uint8Array(256);
let words = new Int32Array(bytes.buffer);

function ensureCapacity(needed: number): void {
  if (needed <= bytes.length) return;
  let size = bytes.length;
  while (size < needed) size *= 2;
  const grown = new Uint8Array(size);
  grown.set(bytes);
  bytes = grown;
  words = new Int32Array(bytes.buffer);
}

/** MurmurHash3_x86_32 of the first `length` bytes of the scratch buffer. */
function hashScratch(length: number, seed: number): number {
  let h = seed | 0;
  const blocks = length >> 2;
  for (let i = 0; i < blocks; i++) {
    let k: number;
    if (LITTLE_ENDIAN) {
      k = words[i]!;
    } else {
      const o = i << 2;
      k = bytes[o]! | (bytes[o + 1]! << 8) | (bytes[o + 2]! << 16) | (bytes[o + 3]! << 24);
    }
    h = mixBlock(h, k);
  }
  const tail = blocks << 2;
  const rest = length & 3;
  let k = 0;
  if (rest === 3) k ^= bytes[tail + 2]! << 16;
  if (rest >= 2) k ^= bytes[tail + 1]! << 8;
  if (rest >= 1) k ^= bytes[tail]!;
  return finish(h, k, length);
}

/** MurmurHash3_x86_32 of a byte array (unsigned 32-bit result). */
export function murmur3Bytes(data: Uint8Array, seed: number): number {
  ensureCapacity(data.length + 4);
  bytes.set(data);
  return hashScratch(data.length, seed);
}

// Streaming hashing of JavaScript strings, UTF-8 encoded on the fly (the hot path of
// hashFeatures): whole 4-byte blocks straight from charCodeAt while the input is ASCII and
// block-aligned, byte by byte otherwise. The stream state lives in a module-level Int32Array:
// module-level `let` numbers outside the small-integer range would be boxed on every store.
const stream = new Int32Array(4);
const HASH = 0;
const WORD = 1;
const BYTES = 2; // bytes in WORD (0..3)
const LENGTH = 3;

function mixBlock(h: number, k: number): number {
  k = Math.imul(k, C1);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, C2);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function pushByte(b: number): void {
  const bytes = stream[BYTES]!;
  const word = stream[WORD]! | (b << (bytes << 3));
  stream[LENGTH]!++;
  if (bytes === 3) {
    stream[HASH] = mixBlock(stream[HASH]!, word);
    stream[WORD] = 0;
    stream[BYTES] = 0;
  } else {
    stream[WORD] = word;
    stream[BYTES] = bytes + 1;
  }
}

function pushString(s: string): void {
  const n = s.length;
  for (let i = 0; i < n; i++) {
    if (stream[BYTES] === 0 && i + 3 < n) {
      const c0 = s.charCodeAt(i);
      const c1 = s.charCodeAt(i + 1);
      const c2 = s.charCodeAt(i + 2);
      const c3 = s.charCodeAt(i + 3);
      if ((c0 | c1 | c2 | c3) < 0x80) {
        stream[HASH] = mixBlock(stream[HASH]!, c0 | (c1 << 8) | (c2 << 16) | (c3 << 24));
        stream[LENGTH]! += 4;
        i += 3;
        continue;
      }
    }
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      pushByte(c);
    } else if (c < 0x800) {
      pushByte(0xc0 | (c >> 6));
      pushByte(0x80 | (c & 0x3f));
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const d = i + 1 < n ? s.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
        pushByte(0xf0 | (c >> 18));
        pushByte(0x80 | ((c >> 12) & 0x3f));
        pushByte(0x80 | ((c >> 6) & 0x3f));
        pushByte(0x80 | (c & 0x3f));
      } else {
        pushByte(0xef); // lone surrogate: U+FFFD, as TextEncoder
        pushByte(0xbf);
        pushByte(0xbd);
      }
    } else {
      pushByte(0xe0 | (c >> 12));
      pushByte(0x80 | ((c >> 6) & 0x3f));
      pushByte(0x80 | (c & 0x3f));
    }
  }
}

function finishStream(): number {
  let h = stream[HASH]!;
  if (stream[BYTES] !== 0) {
    let k = stream[WORD]!;
    k = Math.imul(k, C1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, C2);
    h ^= k;
  }
  h ^= stream[LENGTH]!;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function beginStream(seed: number): void {
  stream[HASH] = seed | 0;
  stream[WORD] = 0;
  stream[BYTES] = 0;
  stream[LENGTH] = 0;
}

/** MurmurHash3_x86_32 of the UTF-8 bytes of `s` (unsigned 32-bit result). */
export function murmur3String(s: string, seed: number): number {
  // ASCII (the usual feature name) is its own UTF-8: whole 4-char blocks, then the tail, all in
  // locals. The first non-ASCII code unit hands the string to the general UTF-8 stream. (A
  // deferred ASCII check and a readTail tail measured faster alone but slower in hashFeatures:
  // the larger function used up V8's inlining budget there.)
  const n = s.length;
  let h = seed | 0;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const c0 = s.charCodeAt(i);
    const c1 = s.charCodeAt(i + 1);
    const c2 = s.charCodeAt(i + 2);
    const c3 = s.charCodeAt(i + 3);
    if ((c0 | c1 | c2 | c3) >= 0x80) return murmur3StringUtf8(s, seed);
    h = mixBlock(h, c0 | (c1 << 8) | (c2 << 16) | (c3 << 24));
  }
  let k = 0;
  for (let shift = 0; i < n; i++, shift += 8) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) return murmur3StringUtf8(s, seed);
    k |= c << shift;
  }
  return finish(h, k, n);
}

/**
 * MurmurHash3_x86_32 of the UTF-8 bytes of `name + "=" + value`, without building that string.
 * This is the slot of a one-hot (categorical) feature.
 */
export function murmur3NameValue(name: string, value: string, seed: number): number {
  // Two ASCII fast paths. Short pairs (the usual `c17=v1234`) go byte by byte into k in a
  // function small enough (V8's 460-byte bytecode limit for inlining) to be inlined into
  // hashFeatures, which is worth more there than whole blocks; longer ones take whole blocks.
  const nameLength = name.length;
  const valueLength = value.length;
  if (nameLength + valueLength > SHORT_PAIR) return murmur3NameValueBlocks(name, value, seed);
  let h = seed | 0;
  let k = 0;
  let shift = 0;
  for (let i = 0; i < nameLength; i++) {
    const c = name.charCodeAt(i);
    if (c >= 0x80) return murmur3NameValueUtf8(name, value, seed);
    k |= c << shift;
    if (shift === 24) {
      h = mixBlock(h, k);
      k = 0;
      shift = 0;
    } else {
      shift += 8;
    }
  }
  k |= 0x3d << shift; // '='
  if (shift === 24) {
    h = mixBlock(h, k);
    k = 0;
    shift = 0;
  } else {
    shift += 8;
  }
  for (let i = 0; i < valueLength; i++) {
    const c = value.charCodeAt(i);
    if (c >= 0x80) return murmur3NameValueUtf8(name, value, seed);
    k |= c << shift;
    if (shift === 24) {
      h = mixBlock(h, k);
      k = 0;
      shift = 0;
    } else {
      shift += 8;
    }
  }
  return finish(h, k, nameLength + 1 + valueLength);
}

/**
 * Longest name + value (chars) hashed byte by byte by murmur3NameValue. At 13 chars whole blocks
 * were already ~17% faster (interleaved micro-bench); below, the difference was within the noise
 * of V8's inlining decisions, so the small path keeps the synthetic `c17=v1234` case as before.
 */
const SHORT_PAIR = 12;

/** murmur3NameValue of longer pairs: whole 4-char blocks (ASCII fast path). */
function murmur3NameValueBlocks(name: string, value: string, seed: number): number {
  // ASCII fast path in whole 4-char blocks, as murmur3String. The name starts block-aligned;
  // its last name.length mod 4 chars and '=' leave p = (name.length + 1) mod 4 bytes pending in
  // k, so each 4-char word of the value makes the block `k | word << 8p` and leaves its top p
  // bytes as the next k: only name.length decides the alignment, never a branch per char. Block
  // code units are OR-ed into `all` and checked once (tails by readTail): a non-ASCII name or
  // value is rehashed from the start by the general UTF-8 stream.
  const nameLength = name.length;
  const valueLength = value.length;
  let h = seed | 0;
  let all = 0;
  let i = 0;
  for (; i + 3 < nameLength; i += 4) {
    const c0 = name.charCodeAt(i);
    const c1 = name.charCodeAt(i + 1);
    const c2 = name.charCodeAt(i + 2);
    const c3 = name.charCodeAt(i + 3);
    all |= c0 | c1 | c2 | c3;
    h = mixBlock(h, c0 | (c1 << 8) | (c2 << 16) | (c3 << 24));
  }
  // The name's last 0..3 chars, then '=' (0x3d).
  const nameTail = readTail(name, i, nameLength - i);
  if (nameTail < 0) return murmur3NameValueUtf8(name, value, seed);
  let shift = (nameLength & 3) << 3;
  let k = nameTail | (0x3d << shift);
  let j = 0;
  if (shift === 24) {
    h = mixBlock(h, k); // name=: a whole number of blocks; the value is aligned.
    k = 0;
    shift = 0;
  } else {
    shift += 8; // 8 or 16 or 24 bits pending in k
  }
  // One loop for every alignment keeps this function small enough for V8 to inline it into
  // hashFeatures: the top `shift` bits of each word carry over as `word >>> (32 − shift)`,
  // written as two shifts because a JS shift count is taken mod 32 (>>> 32 is no shift).
  const back = 31 - shift;
  for (; j + 3 < valueLength; j += 4) {
    const c0 = value.charCodeAt(j);
    const c1 = value.charCodeAt(j + 1);
    const c2 = value.charCodeAt(j + 2);
    const c3 = value.charCodeAt(j + 3);
    all |= c0 | c1 | c2 | c3;
    const word = c0 | (c1 << 8) | (c2 << 16) | (c3 << 24);
    h = mixBlock(h, k | (word << shift));
    k = (word >>> back) >>> 1;
  }
  // The value's last 0..3 chars after `shift` bits pending: at most one more whole block.
  const rest = valueLength - j;
  const word = readTail(value, j, rest);
  if (word < 0) return murmur3NameValueUtf8(name, value, seed);
  k |= word << shift;
  if (shift + (rest << 3) >= 32) {
    h = mixBlock(h, k);
    k = word >>> (32 - shift); // shift ≥ 8 here, as rest ≤ 3
  }
  if (all >= 0x80) return murmur3NameValueUtf8(name, value, seed);
  return finish(h, k, nameLength + 1 + valueLength);
}

/**
 * The `count` (0..3) ASCII chars of `s` from `at` as a little-endian word, or −1 when one of
 * them is not ASCII (a packed word cannot be tested afterwards: 0x100 looks like 0x01 shifted).
 */
function readTail(s: string, at: number, count: number): number {
  if (count === 0) return 0;
  const c0 = s.charCodeAt(at);
  if (count === 1) return c0 < 0x80 ? c0 : -1;
  const c1 = s.charCodeAt(at + 1);
  if (count === 2) return (c0 | c1) < 0x80 ? c0 | (c1 << 8) : -1;
  const c2 = s.charCodeAt(at + 2);
  return (c0 | c1 | c2) < 0x80 ? c0 | (c1 << 8) | (c2 << 16) : -1;
}

/** The tail block k (the last length mod 4 bytes) and the final mix. */
function finish(h: number, k: number, length: number): number {
  if ((length & 3) !== 0) {
    k = Math.imul(k, C1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, C2);
    h ^= k;
  }
  h ^= length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** murmur3String over the UTF-8 encoding computed on the fly (any string). */
function murmur3StringUtf8(s: string, seed: number): number {
  beginStream(seed);
  pushString(s);
  return finishStream();
}

/** murmur3NameValue over the UTF-8 encoding computed on the fly (any strings). */
function murmur3NameValueUtf8(name: string, value: string, seed: number): number {
  beginStream(seed);
  pushString(name);
  pushByte(0x3d); // '='
  pushString(value);
  return finishStream();
}
