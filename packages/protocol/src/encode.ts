/**
 * Producers' side of DESIGN §4: a sample or event → JSON bytes. Each encoder runs the decoder's
 * validation first (without modifying the caller's object), so nothing a producer publishes through
 * these functions can land in a consumer's dead-letter queue.
 */
import { Buffer } from 'node:buffer';
import { EncodeError } from './errors.js';
import { DEFAULT_DECODE_LIMITS, assertDecodeLimits, type DecodeLimits } from './limits.js';
import type { EventInput, SampleInput } from './types.js';
import { validateMessage } from './validate.js';

/** A sample as JSON bytes, fields in the order of DESIGN §4; throws `EncodeError` when it is not valid. */
export function encodeSample(sample: SampleInput, limits: DecodeLimits = DEFAULT_DECODE_LIMITS): Buffer {
  return encodeMessage(sample, true, limits);
}

/** An event as JSON bytes (its label only when it has one); throws `EncodeError` when it is not valid. */
export function encodeEvent(event: EventInput, limits: DecodeLimits = DEFAULT_DECODE_LIMITS): Buffer {
  return encodeMessage(event, false, limits);
}

function encodeMessage(message: SampleInput | EventInput, requireLabel: boolean, limits: DecodeLimits): Buffer {
  assertDecodeLimits(limits);
  const error = validateMessage(message, requireLabel, limits, false);
  if (error !== undefined) throw EncodeError.from(error);
  // Only the known fields, in a fixed order; undefined ones are left out by JSON.stringify. A weight of
  // 1 is the default and is not written. Booleans given by untyped callers are written as 0/1.
  const label = message.label;
  const weight = message.weight;
  const bytes = Buffer.from(
    JSON.stringify({
      id: message.id,
      ts: message.ts,
      label: label === true ? 1 : label === false ? 0 : label,
      features: message.features,
      x: message.x,
      weight: weight === 1 ? undefined : weight,
    }),
    'utf8',
  );
  if (bytes.length > limits.maxBytes) {
    throw new EncodeError('oversize', undefined, `message is ${bytes.length} bytes, more than the limit of ${limits.maxBytes}`);
  }
  return bytes;
}
