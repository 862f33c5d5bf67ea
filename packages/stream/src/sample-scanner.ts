/**
 * The trainer's fast path for a training sample: message bytes → label, weight and the hashed
 * (slot, value) entries of its named features, in one pass over the UTF-8 bytes, hashing each
 * feature straight from them (as Vowpal Wabbit's text parser does) instead of building the
 * object, the key strings and the value strings that `JSON.parse` would (issue #4: decode and the
 * garbage it leaves were ~45% of the trainer's CPU).
 *
 * It handles the common shape only (DESIGN §4):
 *   `{"label": 0|1|true|false, "features": {"name": "value"|number|true|false, ...},
 *     "weight": number, "id": "...", "ts": integer}`
 * with `weight`, `id` and `ts` optional, in any order, whitespace wherever JSON (RFC 8259) allows
 * it. For such a message it gives EXACTLY what the reference path gives — `tryDecodeSample`
 * (UTF-8 check, JSON.parse, validation) then `hashFeatures` — the same entries in the same order
 * (the order of for…in over JSON.parse's object, which is the text order when no key is an
 * array index and no key repeats), the same value bits, the same label and weight. Anything else
 * is refused ("not handled", `scan` returns false, nothing appended) and the caller takes the
 * reference path, which also produces every dead-letter reason. Refused rather than
 * re-implemented:
 * - a backslash escape or a raw control character in any string, invalid UTF-8 (the reference
 *   path's `bad_encoding`), a byte-order mark, anything that is not JSON;
 * - a feature name that is all digits (an array index: JS enumerates those first, ascending),
 *   a feature name given twice (JSON.parse keeps the last value at the first position);
 * - a top-level key other than the five above or given twice, `x` (dense) included, `null`
 *   anywhere, nested objects or arrays as feature values;
 * - numbers that are not finite (`1e400`), a label other than 0/1, a negative weight, a `ts` that
 *   is not a safe integer ≥ 0, an empty `id`, more than `maxFeatures` features, more than
 *   `maxBytes` bytes: all of these are the reference path's errors to report.
 *
 * Numbers follow the JSON grammar exactly (`01`, `1.`, `.5`, `+1`, `1e` are refused) and take the
 * value JSON.parse gives: a decimal of at most 15 significant digits with a power of ten within
 * ±22 is one correctly rounded IEEE operation on two exact doubles (Clinger 1990, "How to read
 * floating point numbers accurately", the fast path), anything else goes through `Number()` on
 * its ASCII text, which rounds correctly like JSON.parse.
 *
 * Slots are MurmurHash3 x86_32 (see @streamlr/model murmur3.ts) of the UTF-8 bytes of `name=value`
 * (a string value, one-hot) or `name` (a number or boolean), seeded with the feature space's seed,
 * masked to 2^bits — the bytes of the message ARE the UTF-8 of the strings JSON.parse would make,
 * since escapes are refused and the UTF-8 is validated.
 */
import type { FeatureSpace } from '@streamlr/model';
import type { DecodeLimits } from '@streamlr/protocol';

/** A growable list of (slot, value) entries: what a scan appends to. */
export class HashedEntries {
  indices: Int32Array;
  values: Float64Array;
  length = 0;

  constructor(capacity = 1024) {
    this.indices = new Int32Array(Math.max(16, capacity));
    this.values = new Float64Array(Math.max(16, capacity));
  }

  /** Makes room for at least `needed` entries in total (keeping every entry, even past `length`). */
  reserve(needed: number): void {
    if (needed <= this.indices.length) return;
    let size = this.indices.length;
    while (size < needed) size *= 2;
    const indices = new Int32Array(size);
    indices.set(this.indices);
    const values = new Float64Array(size);
    values.set(this.values);
    this.indices = indices;
    this.values = values;
  }
}

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN = 0x7b;
const CLOSE = 0x7d;
const MINUS = 0x2d;
const EQUALS = 0x3d;

// Top-level keys seen, as bits (a key given twice is refused: JSON.parse would keep the last).
const LABEL = 1;
const FEATURES = 2;
const WEIGHT = 4;
const ID = 8;
const TS = 16;

/** Powers of ten exactly representable as doubles (10^22 is the largest: 5^22 < 2^53). */
const POW10 = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

/** 1 for the bytes a string may hold as they are: printable ASCII other than `"` and `\\`. */
const PLAIN = new Uint8Array(256);
for (let b = 0x20; b < 0x80; b++) PLAIN[b] = b === QUOTE || b === BACKSLASH ? 0 : 1;

// The number just parsed: a typed array, since a module-level `let` double is boxed on every store.
const parsed = new Float64Array(1);

function mixBlock(h: number, k: number): number {
  k = Math.imul(k, C1);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, C2);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** MurmurHash3_x86_32's tail block (the `length mod 4` bytes pending in k) and final mix. */
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

function skipWhitespace(bytes: Uint8Array, pos: number, end: number): number {
  while (pos < end) {
    const b = bytes[pos]!;
    if (b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09) break;
    pos++;
  }
  return pos;
}

/**
 * Length (2..4) of the well-formed UTF-8 sequence whose lead byte (≥ 0x80) is at `pos`, or −1:
 * the table of well-formed byte sequences of the Unicode Standard (§3.9, Table 3-7), which is what
 * a fatal TextDecoder accepts (no overlong forms, no surrogates, nothing above U+10FFFF).
 */
function utf8Sequence(bytes: Uint8Array, pos: number, end: number): number {
  const b0 = bytes[pos]!;
  if (b0 >= 0xc2 && b0 <= 0xdf) {
    return pos + 1 < end && (bytes[pos + 1]! & 0xc0) === 0x80 ? 2 : -1;
  }
  if (b0 >= 0xe0 && b0 <= 0xef) {
    if (pos + 2 >= end) return -1;
    const b1 = bytes[pos + 1]!;
    const low = b0 === 0xe0 ? 0xa0 : 0x80;
    const high = b0 === 0xed ? 0x9f : 0xbf;
    return b1 >= low && b1 <= high && (bytes[pos + 2]! & 0xc0) === 0x80 ? 3 : -1;
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    if (pos + 3 >= end) return -1;
    const b1 = bytes[pos + 1]!;
    const low = b0 === 0xf0 ? 0x90 : 0x80;
    const high = b0 === 0xf4 ? 0x8f : 0xbf;
    return b1 >= low && b1 <= high && (bytes[pos + 2]! & 0xc0) === 0x80 && (bytes[pos + 3]! & 0xc0) === 0x80 ? 4 : -1;
  }
  return -1;
}

/**
 * End of the plain string whose first byte (after the opening quote) is at `pos`: the position
 * of its closing quote, or −1 for an escape, a control character, invalid UTF-8 or no end.
 */
function skipString(bytes: Uint8Array, pos: number, end: number): number {
  while (pos + 3 < end && (PLAIN[bytes[pos]!]! & PLAIN[bytes[pos + 1]!]! & PLAIN[bytes[pos + 2]!]! & PLAIN[bytes[pos + 3]!]!) !== 0) pos += 4;
  while (pos < end) {
    const b = bytes[pos]!;
    if (b === QUOTE) return pos;
    if (b < 0x20 || b === BACKSLASH) return -1;
    if (b >= 0x80) {
      const n = utf8Sequence(bytes, pos, end);
      if (n < 0) return -1;
      pos += n;
    } else {
      pos++;
    }
  }
  return -1;
}

/** True when `bytes[pos..]` spells `word` (the rest of a literal after its first byte). */
function matches(bytes: Uint8Array, pos: number, end: number, word: string): boolean {
  if (pos + word.length > end) return false;
  for (let i = 0; i < word.length; i++) if (bytes[pos + i] !== word.charCodeAt(i)) return false;
  return true;
}

/**
 * Parses the JSON number at `pos` (RFC 8259 §6: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`)
 * into `parsed[0]`; returns the position after it, or −1 when it is not a JSON number or not finite.
 */
function parseNumber(bytes: Uint8Array, pos: number, end: number): number {
  const start = pos;
  let b = pos < end ? bytes[pos]! : -1;
  const negative = b === MINUS;
  if (negative) b = ++pos < end ? bytes[pos]! : -1;
  let mantissa = 0;
  let digits = 0; // significant digits in `mantissa` (exact while ≤ 15)
  let scale = 0; // power of ten of the last digit kept
  if (b === 0x30) {
    b = ++pos < end ? bytes[pos]! : -1;
    if (b >= 0x30 && b <= 0x39) return -1; // a leading zero
  } else if (b >= 0x31 && b <= 0x39) {
    do {
      mantissa = mantissa * 10 + (b - 0x30);
      digits++;
      b = ++pos < end ? bytes[pos]! : -1;
    } while (b >= 0x30 && b <= 0x39);
  } else {
    return -1;
  }
  if (b === 0x2e) {
    b = ++pos < end ? bytes[pos]! : -1;
    if (!(b >= 0x30 && b <= 0x39)) return -1;
    do {
      if (mantissa !== 0 || b !== 0x30) {
        mantissa = mantissa * 10 + (b - 0x30);
        digits++;
      }
      scale--;
      b = ++pos < end ? bytes[pos]! : -1;
    } while (b >= 0x30 && b <= 0x39);
  }
  if (b === 0x65 || b === 0x45) {
    b = ++pos < end ? bytes[pos]! : -1;
    let exponentNegative = false;
    if (b === 0x2b || b === MINUS) {
      exponentNegative = b === MINUS;
      b = ++pos < end ? bytes[pos]! : -1;
    }
    if (!(b >= 0x30 && b <= 0x39)) return -1;
    let exponent = 0;
    do {
      if (exponent < 100_000) exponent = exponent * 10 + (b - 0x30);
      b = ++pos < end ? bytes[pos]! : -1;
    } while (b >= 0x30 && b <= 0x39);
    scale += exponentNegative ? -exponent : exponent;
  }
  let value: number;
  if (mantissa === 0) {
    value = 0;
  } else if (digits <= 15 && scale >= -22 && scale <= 22) {
    value = scale < 0 ? mantissa / POW10[-scale]! : mantissa * POW10[scale]!;
  } else {
    let text = '';
    for (let i = negative ? start + 1 : start; i < pos; i++) text += String.fromCharCode(bytes[i]!);
    value = Number(text);
    if (value - value !== 0) return -1;
  }
  parsed[0] = negative ? -value : value;
  return pos;
}

/**
 * Scans messages of one feature space under one set of decode limits. Not reentrant (it keeps a
 * table of the names of the message being scanned); one per learner.
 */
export class SampleScanner {
  /** Label of the last accepted message (booleans as 1/0). */
  label: 0 | 1 = 0;
  /** Weight of the last accepted message (1 when absent). */
  weight = 1;

  private readonly mask: number;
  private readonly seed: number;
  private readonly maxBytes: number;
  private readonly maxFeatures: number;

  // Open-addressing table of the feature names of the current message, for the duplicate check:
  // a cell is in use when its stamp is the current message's; it holds the name's ordinal, whose
  // bytes (start, length) are in `nameStart`/`nameLength`. A hash match compares the bytes, so
  // a duplicate is exact (no false refusals).
  private stamps = new Int32Array(256);
  private cells = new Int32Array(256);
  private shift = 32 - 8;
  private stamp = 0;
  private nameStart = new Int32Array(128);
  private nameLength = new Int32Array(128);
  private nameKey = new Int32Array(128);

  constructor(space: FeatureSpace, limits: DecodeLimits) {
    this.mask = 2 ** space.bits - 1;
    this.seed = space.seed | 0;
    this.maxBytes = limits.maxBytes;
    this.maxFeatures = limits.maxFeatures;
  }

  /**
   * Appends the hashed features of `bytes` to `out` and sets `label` and `weight`, or returns
   * false (with `out` as it was) when the message is not of the shape this scanner handles.
   */
  scan(bytes: Uint8Array, out: HashedEntries): boolean {
    const first = out.length;
    if (this.scanMessage(bytes, out)) return true;
    out.length = first;
    return false;
  }

  private scanMessage(bytes: Uint8Array, out: HashedEntries): boolean {
    const end = bytes.length;
    if (end > this.maxBytes) return false;
    let pos = skipWhitespace(bytes, 0, end);
    if (pos >= end || bytes[pos] !== OPEN) return false;
    pos = skipWhitespace(bytes, pos + 1, end);
    let seen = 0;
    let label: 0 | 1 = 0;
    let weight = 1;
    if (pos < end && bytes[pos] === CLOSE) return false; // {}: no label
    for (;;) {
      // A top-level key: one of five ASCII words.
      if (pos >= end || bytes[pos] !== QUOTE) return false;
      const keyStart = pos + 1;
      const keyEnd = skipString(bytes, keyStart, end);
      if (keyEnd < 0) return false;
      const key = topLevelKey(bytes, keyStart, keyEnd - keyStart);
      if (key === 0 || (seen & key) !== 0) return false;
      seen |= key;
      pos = skipWhitespace(bytes, keyEnd + 1, end);
      if (pos >= end || bytes[pos] !== COLON) return false;
      pos = skipWhitespace(bytes, pos + 1, end);
      if (pos >= end) return false;
      const b = bytes[pos]!;
      if (key === FEATURES) {
        if (b !== OPEN) return false;
        pos = this.scanFeatures(bytes, pos + 1, end, out);
        if (pos < 0) return false;
      } else if (key === LABEL) {
        if (b === 0x74 && matches(bytes, pos + 1, end, 'rue')) {
          label = 1;
          pos += 4;
        } else if (b === 0x66 && matches(bytes, pos + 1, end, 'alse')) {
          label = 0;
          pos += 5;
        } else {
          pos = parseNumber(bytes, pos, end);
          if (pos < 0) return false;
          const v = parsed[0]!;
          if (v !== 0 && v !== 1) return false;
          label = v === 1 ? 1 : 0; // -0 → 0, as the validator normalizes it
        }
      } else if (key === WEIGHT) {
        pos = parseNumber(bytes, pos, end);
        if (pos < 0) return false;
        weight = parsed[0]!;
        if (!(weight >= 0)) return false;
      } else if (key === TS) {
        pos = parseNumber(bytes, pos, end);
        if (pos < 0) return false;
        const ts = parsed[0]!;
        if (!(Number.isSafeInteger(ts) && ts >= 0)) return false;
      } else {
        // ID: a non-empty string.
        if (b !== QUOTE) return false;
        const idEnd = skipString(bytes, pos + 1, end);
        if (idEnd <= pos + 1) return false;
        pos = idEnd + 1;
      }
      pos = skipWhitespace(bytes, pos, end);
      if (pos >= end) return false;
      const c = bytes[pos]!;
      if (c === COMMA) {
        pos = skipWhitespace(bytes, pos + 1, end);
      } else if (c === CLOSE) {
        break;
      } else {
        return false;
      }
    }
    if (skipWhitespace(bytes, pos + 1, end) !== end) return false;
    if ((seen & (LABEL | FEATURES)) !== (LABEL | FEATURES)) return false;
    this.label = label;
    this.weight = weight;
    return true;
  }

  /**
   * The members of `features` from just after its `{`; returns the position after its `}`, or −1.
   * Each name is hashed while it is read; a string value continues the same hash with `=` and
   * its bytes (murmur3NameValue), a number or boolean finishes it (murmur3String of the name).
   */
  private scanFeatures(bytes: Uint8Array, pos: number, end: number, out: HashedEntries): number {
    pos = skipWhitespace(bytes, pos, end);
    if (pos < end && bytes[pos] === CLOSE) return pos + 1;
    const seed = this.seed;
    const mask = this.mask;
    const maxFeatures = this.maxFeatures;
    this.nextStamp();
    let count = 0;
    let n = out.length;
    for (;;) {
      if (pos >= end || bytes[pos] !== QUOTE) return -1;
      if (++count > maxFeatures) return -1;
      pos++;
      const nameStart = pos;
      let h = seed;
      let k = 0;
      let shift = 0;
      // The name's bytes, hashed as read (MurmurHash3 x86_32 body, 4 bytes a block, little-endian):
      // whole blocks while all four bytes are plain ASCII, then byte by byte.
      while (pos + 3 < end) {
        const b0 = bytes[pos]!;
        const b1 = bytes[pos + 1]!;
        const b2 = bytes[pos + 2]!;
        const b3 = bytes[pos + 3]!;
        if ((PLAIN[b0]! & PLAIN[b1]! & PLAIN[b2]! & PLAIN[b3]!) === 0) break;
        h = mixBlock(h, b0 | (b1 << 8) | (b2 << 16) | (b3 << 24));
        pos += 4;
      }
      for (;;) {
        if (pos >= end) return -1;
        const b = bytes[pos]!;
        if (b === QUOTE) break;
        if (b < 0x80) {
          if (b < 0x20 || b === BACKSLASH) return -1;
          k |= b << shift;
          if (shift === 24) {
            h = mixBlock(h, k);
            k = 0;
            shift = 0;
          } else {
            shift += 8;
          }
          pos++;
        } else {
          const length = utf8Sequence(bytes, pos, end);
          if (length < 0) return -1;
          for (const stop = pos + length; pos < stop; pos++) {
            k |= bytes[pos]! << shift;
            if (shift === 24) {
              h = mixBlock(h, k);
              k = 0;
              shift = 0;
            } else {
              shift += 8;
            }
          }
        }
      }
      const nameLength = pos - nameStart;
      if (nameLength > 0 && isDigit(bytes[nameStart]!) && allDigits(bytes, nameStart, pos)) return -1; // an array index: enumerated first by JS
      if (!this.addName(bytes, nameStart, nameLength, Math.imul(h ^ k, 0x9e3779b1) ^ nameLength, count - 1)) return -1;
      pos = skipWhitespace(bytes, pos + 1, end);
      if (pos >= end || bytes[pos] !== COLON) return -1;
      pos = skipWhitespace(bytes, pos + 1, end);
      if (pos >= end) return -1;
      const b = bytes[pos]!;
      let slot: number;
      let value: number;
      if (b === QUOTE) {
        // One-hot: hash `name=value`, continuing the name's stream.
        k |= EQUALS << shift;
        if (shift === 24) {
          h = mixBlock(h, k);
          k = 0;
          shift = 0;
        } else {
          shift += 8;
        }
        pos++;
        const valueStart = pos;
        // Whole plain blocks: the value is not block-aligned, so each 4-byte word completes the
        // `shift` bits pending in k, and its top `shift` bits are the next k.
        while (pos + 3 < end) {
          const b0 = bytes[pos]!;
          const b1 = bytes[pos + 1]!;
          const b2 = bytes[pos + 2]!;
          const b3 = bytes[pos + 3]!;
          if ((PLAIN[b0]! & PLAIN[b1]! & PLAIN[b2]! & PLAIN[b3]!) === 0) break;
          const word = b0 | (b1 << 8) | (b2 << 16) | (b3 << 24);
          h = mixBlock(h, k | (word << shift));
          k = shift === 0 ? 0 : word >>> (32 - shift);
          pos += 4;
        }
        for (;;) {
          if (pos >= end) return -1;
          const c = bytes[pos]!;
          if (c === QUOTE) break;
          if (c < 0x80) {
            if (c < 0x20 || c === BACKSLASH) return -1;
            k |= c << shift;
            if (shift === 24) {
              h = mixBlock(h, k);
              k = 0;
              shift = 0;
            } else {
              shift += 8;
            }
            pos++;
          } else {
            const length = utf8Sequence(bytes, pos, end);
            if (length < 0) return -1;
            for (const stop = pos + length; pos < stop; pos++) {
              k |= bytes[pos]! << shift;
              if (shift === 24) {
                h = mixBlock(h, k);
                k = 0;
                shift = 0;
              } else {
                shift += 8;
              }
            }
          }
        }
        slot = finish(h, k, nameLength + 1 + (pos - valueStart)) & mask;
        value = 1;
        pos++;
      } else {
        slot = finish(h, k, nameLength) & mask;
        if (b === 0x74 && matches(bytes, pos + 1, end, 'rue')) {
          value = 1;
          pos += 4;
        } else if (b === 0x66 && matches(bytes, pos + 1, end, 'alse')) {
          value = 0;
          pos += 5;
        } else {
          pos = parseNumber(bytes, pos, end);
          if (pos < 0) return -1;
          value = parsed[0]!;
        }
      }
      if (n === out.indices.length) {
        out.length = n;
        out.reserve(n + 1);
      }
      out.indices[n] = slot;
      out.values[n] = value;
      n++;
      pos = skipWhitespace(bytes, pos, end);
      if (pos >= end) return -1;
      const c = bytes[pos]!;
      if (c === COMMA) {
        pos = skipWhitespace(bytes, pos + 1, end);
      } else if (c === CLOSE) {
        out.length = n;
        return pos + 1;
      } else {
        return -1;
      }
    }
  }

  /** A new message: every cell of the name table becomes free. */
  private nextStamp(): void {
    if (++this.stamp === 0x7fffffff) {
      this.stamps.fill(0);
      this.stamp = 1;
    }
  }

  /** Enters the name of feature `ordinal`; false when the message already has that name. */
  private addName(bytes: Uint8Array, start: number, length: number, key: number, ordinal: number): boolean {
    if (ordinal === this.nameStart.length) this.growNames();
    this.nameStart[ordinal] = start;
    this.nameLength[ordinal] = length;
    this.nameKey[ordinal] = key;
    if (2 * (ordinal + 1) > this.cells.length) this.growTable(ordinal);
    const stamps = this.stamps;
    const cells = this.cells;
    const tableMask = cells.length - 1;
    const stamp = this.stamp;
    let i = Math.imul(key, 0x9e3779b1) >>> this.shift;
    while (stamps[i] === stamp) {
      const other = cells[i]!;
      if (this.nameKey[other] === key && this.nameLength[other] === length && sameBytes(bytes, this.nameStart[other]!, start, length)) {
        return false;
      }
      i = (i + 1) & tableMask;
    }
    stamps[i] = stamp;
    cells[i] = ordinal;
    return true;
  }

  private growNames(): void {
    const size = this.nameStart.length * 2;
    const grow = (a: Int32Array): Int32Array => {
      const b = new Int32Array(size);
      b.set(a);
      return b;
    };
    this.nameStart = grow(this.nameStart);
    this.nameLength = grow(this.nameLength);
    this.nameKey = grow(this.nameKey);
  }

  /** Doubles the table and re-enters names 0..count-1 of the current message (load ≤ 1/2). */
  private growTable(count: number): void {
    const size = this.cells.length * 2;
    this.cells = new Int32Array(size);
    this.stamps = new Int32Array(size);
    this.shift = 32 - Math.log2(size);
    this.stamp = 1;
    const tableMask = size - 1;
    for (let ordinal = 0; ordinal < count; ordinal++) {
      let i = Math.imul(this.nameKey[ordinal]!, 0x9e3779b1) >>> this.shift;
      while (this.stamps[i] === 1) i = (i + 1) & tableMask;
      this.stamps[i] = 1;
      this.cells[i] = ordinal;
    }
  }
}

function isDigit(b: number): boolean {
  return b >= 0x30 && b <= 0x39;
}

function allDigits(bytes: Uint8Array, start: number, stop: number): boolean {
  for (let i = start; i < stop; i++) if (!isDigit(bytes[i]!)) return false;
  return true;
}

function sameBytes(bytes: Uint8Array, a: number, b: number, length: number): boolean {
  for (let i = 0; i < length; i++) if (bytes[a + i] !== bytes[b + i]) return false;
  return true;
}

/** The top-level key `bytes[start, start + length)` as its bit, or 0 for any other key. */
function topLevelKey(bytes: Uint8Array, start: number, length: number): number {
  switch (length) {
    case 5:
      return matches(bytes, start, start + 5, 'label') ? LABEL : 0;
    case 8:
      return matches(bytes, start, start + 8, 'features') ? FEATURES : 0;
    case 6:
      return matches(bytes, start, start + 6, 'weight') ? WEIGHT : 0;
    case 2:
      return matches(bytes, start, start + 2, 'id') ? ID : matches(bytes, start, start + 2, 'ts') ? TS : 0;
    default:
      return 0;
  }
}
