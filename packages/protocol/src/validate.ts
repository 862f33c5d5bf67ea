/**
 * The validation pass shared by every decoder and encoder: one tight loop over a value JSON.parse made,
 * no schema library and no allocation unless something is wrong (then one DecodeError).
 */
import { describe, featureField, isNonFiniteSpelling } from './describe.js';
import { DecodeError } from './errors.js';
import type { DecodeLimits } from './limits.js';

/**
 * Checks that `value` is a valid sample (label required) or event (label optional), and returns the
 * first problem found, or undefined. With `normalize`, it rewrites the value in place into its
 * canonical form: boolean labels become 0/1 and a missing weight becomes 1. Without it, nothing is
 * written (the encoders validate a caller's object this way).
 *
 * Extra top-level fields are ignored (forward compatibility: producers may add fields before consumers
 * know them). `null` is never taken as "absent": an optional field is either omitted or valid.
 */
export function validateMessage(
  value: unknown,
  requireLabel: boolean,
  limits: DecodeLimits,
  normalize: boolean,
): DecodeError | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return new DecodeError('not_object', undefined, `expected a JSON object, got ${describe(value)}`);
  }
  const m = value as Record<string, unknown>;

  const label = m['label'];
  if (label === 1 || label === 0) {
    if (normalize) m['label'] = label === 1 ? 1 : 0; // also turns -0 into 0
  } else if (label === true || label === false) {
    if (normalize) m['label'] = label ? 1 : 0;
  } else if (label === undefined) {
    if (requireLabel) return new DecodeError('missing_label', 'label', 'a training sample needs a label (0/1 or true/false)');
  } else {
    return new DecodeError('bad_label', 'label', `expected 0, 1, true or false, got ${describe(label)}`);
  }

  const features = m['features'];
  const x = m['x'];
  if (features !== undefined) {
    if (x !== undefined) {
      return new DecodeError('bad_features', 'x', 'give either features (named, hashed) or x (dense), not both');
    }
    if (typeof features !== 'object' || features === null || Array.isArray(features)) {
      return new DecodeError('bad_features', 'features', `expected an object of name: value, got ${describe(features)}`);
    }
    const named = features as Record<string, unknown>;
    const max = limits.maxFeatures;
    let n = 0;
    // for…in rather than Object.keys/entries: no array allocated per message.
    for (const name in named) {
      if (++n > max) return new DecodeError('too_many_features', 'features', `more than ${max} features`);
      const v = named[name];
      if (typeof v === 'number') {
        // v - v is NaN for ±Infinity and NaN, 0 for every finite number.
        if (v - v !== 0) return new DecodeError('non_finite', featureField(name), `expected a finite number, got ${v}`);
      } else if (typeof v !== 'string' && typeof v !== 'boolean') {
        return new DecodeError('bad_value', featureField(name), `expected a number, string or boolean, got ${describe(v)}`);
      }
    }
  } else if (x !== undefined) {
    if (!Array.isArray(x)) {
      return new DecodeError('bad_features', 'x', `expected an array of numbers, got ${describe(x)}`);
    }
    const length = x.length;
    if (length > limits.maxFeatures) {
      return new DecodeError('too_many_features', 'x', `${length} values, more than ${limits.maxFeatures}`);
    }
    for (let i = 0; i < length; i++) {
      const v: unknown = x[i];
      if (typeof v === 'number') {
        if (v - v !== 0) return new DecodeError('non_finite', `x[${i}]`, `expected a finite number, got ${v}`);
      } else if (typeof v === 'string' && isNonFiniteSpelling(v)) {
        return new DecodeError('non_finite', `x[${i}]`, `expected a finite number, got the string ${describe(v)}`);
      } else {
        return new DecodeError('bad_value', `x[${i}]`, `expected a number, got ${describe(v)}`);
      }
    }
  } else {
    return new DecodeError('missing_features', 'features', 'expected features (an object) or x (an array)');
  }

  const id = m['id'];
  if (id !== undefined && (typeof id !== 'string' || id.length === 0)) {
    return new DecodeError('bad_id', 'id', `expected a non-empty string, got ${describe(id)}`);
  }
  const ts = m['ts'];
  if (ts !== undefined && !(typeof ts === 'number' && Number.isSafeInteger(ts) && ts >= 0)) {
    return new DecodeError('bad_ts', 'ts', `expected integer milliseconds since the Unix epoch, got ${describe(ts)}`);
  }
  const weight = m['weight'];
  if (weight === undefined) {
    if (normalize) m['weight'] = 1;
  } else if (!(typeof weight === 'number' && weight >= 0 && weight !== Infinity)) {
    return new DecodeError('bad_weight', 'weight', `expected a finite number >= 0, got ${describe(weight)}`);
  }
  return undefined;
}
