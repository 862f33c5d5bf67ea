/**
 * Bytes → validated sample or event (DESIGN §4). Order of checks: size (before touching the bytes),
 * UTF-8, JSON, then the fields (see validate.ts). The returned value IS the object JSON.parse made,
 * normalized in place: the decode path allocates nothing beyond JSON.parse's own output.
 */
import { Buffer } from 'node:buffer';
import { describe } from './describe.js';
import { DecodeError } from './errors.js';
import { assertDecodeLimits, DEFAULT_DECODE_LIMITS, type DecodeLimits } from './limits.js';
import type { Sample, ScoreEvent } from './types.js';
import { validateMessage } from './validate.js';

/** What the non-throwing decoders return. Exceptions are slow, and a poison stream is all failures. */
export type DecodeResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: DecodeError };

/** A message as it arrives: raw bytes (a Kafka value is a Buffer), a string, or null (a Kafka tombstone). */
export type MessageInput = Uint8Array | string | null;

/** Decodes a training sample; throws `DecodeError` (never anything else) when it is not valid. */
export function decodeSample(input: MessageInput, limits: DecodeLimits = DEFAULT_DECODE_LIMITS): Sample {
  const result = decodeMessage(input, true, limits);
  if (result instanceof DecodeError) throw result;
  return result as Sample;
}

/** Decodes a training sample without throwing for bad input. */
export function tryDecodeSample(input: MessageInput, limits: DecodeLimits = DEFAULT_DECODE_LIMITS): DecodeResult<Sample> {
  const result = decodeMessage(input, true, limits);
  return result instanceof DecodeError ? { ok: false, error: result } : { ok: true, value: result as Sample };
}

/** Decodes an event to score (label optional); throws `DecodeError` when it is not valid. */
export function decodeEvent(input: MessageInput, limits: DecodeLimits = DEFAULT_DECODE_LIMITS): ScoreEvent {
  const result = decodeMessage(input, false, limits);
  if (result instanceof DecodeError) throw result;
  return result as ScoreEvent;
}

/** Decodes an event to score without throwing for bad input. */
export function tryDecodeEvent(input: MessageInput, limits: DecodeLimits = DEFAULT_DECODE_LIMITS): DecodeResult<ScoreEvent> {
  const result = decodeMessage(input, false, limits);
  return result instanceof DecodeError ? { ok: false, error: result } : { ok: true, value: result as ScoreEvent };
}

/**
 * Validates an already-parsed value (e.g. one element of a JSON array an HTTP handler parsed) as a
 * sample, normalizing it in place; throws `DecodeError`. Size and encoding are the caller's business.
 */
export function validateSample(value: unknown, limits: DecodeLimits = DEFAULT_DECODE_LIMITS): Sample {
  assertDecodeLimits(limits);
  const error = validateMessage(value, true, limits, true);
  if (error !== undefined) throw error;
  return value as Sample;
}

/** As {@link validateSample}, for an event (label optional). */
export function validateEvent(value: unknown, limits: DecodeLimits = DEFAULT_DECODE_LIMITS): ScoreEvent {
  assertDecodeLimits(limits);
  const error = validateMessage(value, false, limits, true);
  if (error !== undefined) throw error;
  return value as ScoreEvent;
}

/** The shared decode path: the valid, normalized message, or the first problem found. */
export function decodeMessage(input: MessageInput, requireLabel: boolean, limits: DecodeLimits): unknown {
  assertDecodeLimits(limits);
  const text = inputText(input, limits.maxBytes);
  return typeof text === 'string' ? decodeText(text, requireLabel, limits) : text;
}

/** Decodes text whose size and encoding were already checked (the file readers check whole chunks). */
export function decodeText(text: string, requireLabel: boolean, limits: DecodeLimits): unknown {
  const value = parseJson(text);
  if (value instanceof DecodeError) return value;
  return validateMessage(value, requireLabel, limits, true) ?? value;
}

/** The message as text, after the size check (before touching the bytes) and the UTF-8 check. */
export function inputText(input: MessageInput, maxBytes: number): string | DecodeError {
  if (typeof input === 'string') return checkTextSize(input, maxBytes) ?? input;
  if (input instanceof Uint8Array) {
    const size = input.byteLength;
    if (size > maxBytes) return oversize(size, maxBytes);
    return utf8(input);
  }
  if (input === null || input === undefined) return new DecodeError('not_json', undefined, 'empty message (null value)');
  return new DecodeError('not_json', undefined, `expected bytes or a string, got ${describe(input)}`);
}

// fatal: a validating decoder (as fast as Buffer#toString, which would silently turn bad bytes into
// U+FFFD). It also drops a leading byte-order mark (WHATWG Encoding, "UTF-8 decode").
const UTF8 = new TextDecoder('utf-8', { fatal: true });

function utf8(bytes: Uint8Array): string | DecodeError {
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0; // see parseJson
  try {
    return UTF8.decode(bytes);
  } catch (cause) {
    return new DecodeError('bad_encoding', undefined, 'message bytes are not valid UTF-8', cause);
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
}

/** JSON.parse, with its exception turned into a DecodeError. */
export function parseJson(text: string): unknown {
  // A byte-order mark is not JSON (RFC 8259 §8.1) but some writers add one; it carries no meaning.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  // JSON.parse's SyntaxError would capture a stack trace (~5 µs, most of the cost of a bad message);
  // nothing but JSON.parse runs while the limit is 0, since it gets no reviver.
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    return notJson(text, cause);
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
}

/** An oversize error when `text` takes more than `maxBytes` bytes of UTF-8. */
export function checkTextSize(text: string, maxBytes: number): DecodeError | undefined {
  // A UTF-16 code unit takes 1 to 3 bytes of UTF-8 (a surrogate pair, 2 units, takes 4), so the exact
  // byte count is needed only between length and 3 × length.
  if (text.length > maxBytes) return oversize(text.length, maxBytes, 'at least ');
  if (text.length * 3 <= maxBytes) return undefined;
  const size = Buffer.byteLength(text, 'utf8');
  return size > maxBytes ? oversize(size, maxBytes) : undefined;
}

function oversize(size: number, maxBytes: number, qualifier = ''): DecodeError {
  return new DecodeError('oversize', undefined, `message is ${qualifier}${size} bytes, more than the limit of ${maxBytes}`);
}

// A bare NaN/Infinity where a value belongs: what Python's json.dumps and others write for non-finite floats.
const BARE_NON_FINITE = /[:,[]\s*[-+]?(?:NaN|Infinity)\s*[,}\]]/;

function notJson(text: string, cause: unknown): DecodeError {
  if (BARE_NON_FINITE.test(text)) {
    return new DecodeError('non_finite', undefined, 'a bare NaN or Infinity is not JSON; send finite numbers', cause);
  }
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new DecodeError('not_json', undefined, detail, cause);
}
