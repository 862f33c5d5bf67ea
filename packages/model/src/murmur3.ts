/**
 * MurmurHash3, x86 32-bit variant (Austin Appleby, SMHasher `MurmurHash3_x86_32`), over the
 * UTF-8 bytes of a string. This is the hash Vowpal Wabbit's hashing trick uses.
 *
 * Hot path: strings are UTF-8 encoded into one module-level scratch buffer (grown on demand,
 * never shrunk), read back as little-endian 32-bit blocks. Nothing is allocated per call once
 * the buffer is large enough. JavaScript is single-threaded, so sharing the buffer is safe.
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

/**
 * Writes the UTF-8 encoding of `s` at `pos` in the scratch buffer and returns the end position.
 * Lone surrogates become U+FFFD, exactly as `TextEncoder` does.
 */
function writeUtf8(s: string, pos: number): number {
  const n = s.length;
  ensureCapacity(pos + n * 3 + 4);
  const out = bytes;
  for (let i = 0; i < n; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      out[pos++] = c;
    } else if (c < 0x800) {
      out[pos++] = 0xc0 | (c >> 6);
      out[pos++] = 0x80 | (c & 0x3f);
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const d = i + 1 < n ? s.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
        out[pos++] = 0xf0 | (c >> 18);
        out[pos++] = 0x80 | ((c >> 12) & 0x3f);
        out[pos++] = 0x80 | ((c >> 6) & 0x3f);
        out[pos++] = 0x80 | (c & 0x3f);
      } else {
        out[pos++] = 0xef; // U+FFFD replacement character
        out[pos++] = 0xbf;
        out[pos++] = 0xbd;
      }
    } else {
      out[pos++] = 0xe0 | (c >> 12);
      out[pos++] = 0x80 | ((c >> 6) & 0x3f);
      out[pos++] = 0x80 | (c & 0x3f);
    }
  }
  return pos;
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
    k = Math.imul(k, C1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, C2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const tail = blocks << 2;
  const rest = length & 3;
  if (rest !== 0) {
    let k = 0;
    if (rest === 3) k ^= bytes[tail + 2]! << 16;
    if (rest >= 2) k ^= bytes[tail + 1]! << 8;
    k ^= bytes[tail]!;
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

/** MurmurHash3_x86_32 of a byte array (unsigned 32-bit result). */
export function murmur3Bytes(data: Uint8Array, seed: number): number {
  ensureCapacity(data.length + 4);
  bytes.set(data);
  return hashScratch(data.length, seed);
}

/** MurmurHash3_x86_32 of the UTF-8 bytes of `s` (unsigned 32-bit result). */
export function murmur3String(s: string, seed: number): number {
  return hashScratch(writeUtf8(s, 0), seed);
}

/**
 * MurmurHash3_x86_32 of the UTF-8 bytes of `name + "=" + value`, without building that string.
 * This is the slot of a one-hot (categorical) feature.
 */
export function murmur3NameValue(name: string, value: string, seed: number): number {
  let end = writeUtf8(name, 0);
  bytes[end++] = 0x3d; // '='
  end = writeUtf8(value, end);
  return hashScratch(end, seed);
}
