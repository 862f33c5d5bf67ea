/**
 * Why a message or file row was rejected: a closed set, so each value can be a Prometheus label
 * (`streamlr_trainer_invalid_samples_total{reason}`) and a DLQ header without unbounded cardinality.
 * Values are stable: dashboards, alerts and DLQ tooling match on them. Add, never rename.
 */
export const DECODE_REASONS = [
  /** Message larger than `DecodeLimits.maxBytes` (checked before anything is parsed). */
  'oversize',
  /** Bytes are not valid UTF-8. */
  'bad_encoding',
  /** Not parseable as JSON (a bare `NaN`/`Infinity` token is reported as `non_finite` instead). */
  'not_json',
  /** Valid JSON, but not a JSON object (array, string, number, null). */
  'not_object',
  /** A training sample without `label`. */
  'missing_label',
  /** `label` is not 0, 1, true or false (CSV/LIBSVM: not a spelling of those, or -1/+1 in LIBSVM). */
  'bad_label',
  /** Neither `features` nor `x`. */
  'missing_features',
  /** `features` is not an object, `x` is not an array, both are present, or a file row repeats a feature. */
  'bad_features',
  /** More features than `DecodeLimits.maxFeatures`. */
  'too_many_features',
  /** A feature value that is not a number, string or boolean (`x`: not a number), e.g. null or an object. */
  'bad_value',
  /** NaN or ±Infinity: a number overflowing to Infinity (1e400), a bare NaN/Infinity token, a string spelling
   * of a non-finite number inside `x`, or such a cell in a CSV/LIBSVM file. */
  'non_finite',
  /** `id` present but not a non-empty string. */
  'bad_id',
  /** `ts` present but not a non-negative integer number of milliseconds since the Unix epoch. */
  'bad_ts',
  /** `weight` present but not a finite number ≥ 0. */
  'bad_weight',
  /** A file row that cannot be split into fields: CSV column count or quoting, LIBSVM token syntax. */
  'bad_row',
  /** A score message with a bad `score`, `class`, `model` or `version` field. */
  'bad_score',
] as const;

export type DecodeReason = (typeof DECODE_REASONS)[number];

/** One-line explanations, e.g. for `--help`, dashboards or DLQ tooling. */
export const DECODE_REASON_DESCRIPTIONS: Readonly<Record<DecodeReason, string>> = Object.freeze({
  oversize: 'message larger than the configured maximum size',
  bad_encoding: 'message bytes are not valid UTF-8',
  not_json: 'message is not valid JSON',
  not_object: 'message is JSON but not an object',
  missing_label: 'training sample has no label',
  bad_label: 'label is not 0, 1, true or false',
  missing_features: 'message has neither features nor x',
  bad_features: 'features is not an object, x is not an array, or both are given',
  too_many_features: 'more features than the configured maximum',
  bad_value: 'a feature value is not a number, string or boolean',
  non_finite: 'a number is NaN or infinite',
  bad_id: 'id is not a non-empty string',
  bad_ts: 'ts is not a non-negative integer of milliseconds since the epoch',
  bad_weight: 'weight is not a finite number >= 0',
  bad_row: 'a file row cannot be split into fields',
  bad_score: 'a score message has a bad score, class, model or version',
});

const REASON_SET: ReadonlySet<string> = new Set(DECODE_REASONS);

/** True when `value` is one of {@link DECODE_REASONS} (e.g. to validate a DLQ header read back). */
export function isDecodeReason(value: unknown): value is DecodeReason {
  return typeof value === 'string' && REASON_SET.has(value);
}
