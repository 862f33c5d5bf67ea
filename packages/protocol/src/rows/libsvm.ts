/**
 * One LIBSVM / SVMlight line → a sample or event. Pure. Format (Chang & Lin, LIBSVM FAQ; Joachims,
 * SVMlight): `<label> <index>:<value> <index>:<value> … [# comment]`.
 *
 * Indices become NAMED numeric features keyed by the decimal index ("7" for `7:0.5`), not slots of a
 * dense `x`: LIBSVM data is sparse with indices into the millions, and named features keep it sparse
 * and go through the same hashing as every other named feature. Leading zeros are dropped ("007" → "7").
 * Labels: 1/+1 → 1, 0 and -1 → 0 (the binary conventions of LIBSVM and SVMlight); anything else is
 * bad_label (multi-class files are not binary data). Events may leave the label out: a line whose
 * first token has a colon has no label.
 */
import { isNonFiniteSpelling } from '../describe.js';
import { DecodeError } from '../errors.js';
import type { DecodeLimits } from '../limits.js';
import type { Sample, ScoreEvent } from '../types.js';

/** The line as a sample/event, undefined for a blank or comment-only line, or the first problem in it. */
export function parseLibsvmLine(line: string, requireLabel: boolean, limits: DecodeLimits): Sample | ScoreEvent | DecodeError | undefined {
  const hash = line.indexOf('#');
  const end = hash < 0 ? line.length : hash;
  let pos = skipSpace(line, 0, end);
  if (pos === end) return undefined;

  let label: 0 | 1 | undefined;
  let tokenEnd = nextSpace(line, pos, end);
  if (line.lastIndexOf(':', tokenEnd - 1) < pos) {
    const token = line.slice(pos, tokenEnd);
    const n = +token;
    if (n === 1) label = 1;
    else if (n === 0 || n === -1) label = 0;
    else return new DecodeError('bad_label', 'label', `expected 0, 1, -1 or +1, got ${JSON.stringify(token.slice(0, 40))}`);
    pos = skipSpace(line, tokenEnd, end);
  } else if (requireLabel) {
    return new DecodeError('missing_label', 'label', 'the line starts with a feature, not a label');
  }

  const features: Record<string, number> = {};
  const max = limits.maxFeatures;
  let count = 0;
  while (pos < end) {
    tokenEnd = nextSpace(line, pos, end);
    const colon = line.indexOf(':', pos);
    if (colon < 0 || colon >= tokenEnd) {
      return new DecodeError('bad_row', undefined, `expected index:value, got ${JSON.stringify(line.slice(pos, Math.min(tokenEnd, pos + 40)))}`);
    }
    let i = pos;
    while (i < colon - 1 && line.charCodeAt(i) === 48 /* 0 */) i++;
    const index = line.slice(i, colon);
    if (!isDigits(index)) {
      return new DecodeError('bad_row', undefined, `expected a non-negative integer index, got ${JSON.stringify(line.slice(pos, colon).slice(0, 40))}`);
    }
    const text = line.slice(colon + 1, tokenEnd);
    const field = `features.${index}`;
    const value = +text;
    if (text.length === 0 || value !== value) {
      if (isNonFiniteSpelling(text)) return new DecodeError('non_finite', field, `expected a finite number, got ${JSON.stringify(text)}`);
      return new DecodeError('bad_value', field, `expected a number, got ${JSON.stringify(text.slice(0, 40))}`);
    }
    if (value - value !== 0) return new DecodeError('non_finite', field, `expected a finite number, got ${JSON.stringify(text.slice(0, 40))}`);
    if (++count > max) return new DecodeError('too_many_features', 'features', `more than ${max} features`);
    if (features[index] !== undefined) return new DecodeError('bad_features', field, 'index appears twice in the line');
    features[index] = value;
    pos = skipSpace(line, tokenEnd, end);
  }
  return label === undefined ? { features, weight: 1 } : { label, features, weight: 1 };
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 13; // space, tab, CR (of a CRLF line ending)
}

function skipSpace(s: string, pos: number, end: number): number {
  while (pos < end && isSpace(s.charCodeAt(pos))) pos++;
  return pos;
}

function nextSpace(s: string, pos: number, end: number): number {
  while (pos < end && !isSpace(s.charCodeAt(pos))) pos++;
  return pos;
}

function isDigits(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}
