/** Scores (topic `streamlr.scores`, DESIGN §4): `{"id", "score", "class", "model", "version", "ts"}`. */
import { Buffer } from 'node:buffer';
import { inputText, parseJson, type MessageInput } from './decode.js';
import { describe } from './describe.js';
import { DecodeError, EncodeError } from './errors.js';
import { DEFAULT_DECODE_LIMITS, assertDecodeLimits, type DecodeLimits } from './limits.js';
import type { Score } from './types.js';

/** A score as JSON bytes, fields in the order above; throws `EncodeError` when a field is invalid. */
export function encodeScore(score: Score): Buffer {
  const error = checkScore(score);
  if (error !== undefined) throw EncodeError.from(error);
  return Buffer.from(
    JSON.stringify({
      id: score.id,
      score: score.score,
      class: score.class,
      model: score.model,
      version: score.version,
      ts: score.ts,
    }),
    'utf8',
  );
}

/** Decodes a score (for consumers of the scores topic and tests); throws `DecodeError`. */
export function decodeScore(input: MessageInput, limits: DecodeLimits = DEFAULT_DECODE_LIMITS): Score {
  assertDecodeLimits(limits);
  const text = inputText(input, limits.maxBytes);
  if (text instanceof DecodeError) throw text;
  const value = parseJson(text);
  if (value instanceof DecodeError) throw value;
  const error = checkScore(value);
  if (error !== undefined) throw error;
  return value as Score;
}

function checkScore(value: unknown): DecodeError | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return new DecodeError('not_object', undefined, `expected a JSON object, got ${describe(value)}`);
  }
  const s = value as Record<string, unknown>;
  const { id, score, model, version, ts } = s;
  if (!(id === null || (typeof id === 'string' && id.length > 0))) {
    return new DecodeError('bad_id', 'id', `expected a non-empty string or null, got ${describe(id)}`);
  }
  if (typeof score !== 'number') return new DecodeError('bad_score', 'score', `expected a number, got ${describe(score)}`);
  if (score - score !== 0) return new DecodeError('non_finite', 'score', `expected a finite number, got ${score}`);
  if (!(score >= 0 && score <= 1)) return new DecodeError('bad_score', 'score', `expected a probability in [0, 1], got ${score}`);
  if (s['class'] !== 0 && s['class'] !== 1) {
    return new DecodeError('bad_score', 'class', `expected 0 or 1, got ${describe(s['class'])}`);
  }
  if (typeof model !== 'string' || model.length === 0) {
    return new DecodeError('bad_score', 'model', `expected a non-empty string, got ${describe(model)}`);
  }
  if (!(typeof version === 'number' && Number.isSafeInteger(version) && version >= 0)) {
    return new DecodeError('bad_score', 'version', `expected an integer >= 0, got ${describe(version)}`);
  }
  if (!(typeof ts === 'number' && Number.isSafeInteger(ts) && ts >= 0)) {
    return new DecodeError('bad_ts', 'ts', `expected integer milliseconds since the Unix epoch, got ${describe(ts)}`);
  }
  return undefined;
}
