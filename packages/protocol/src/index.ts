export { DECODE_REASONS, DECODE_REASON_DESCRIPTIONS, isDecodeReason, type DecodeReason } from './reasons.js';
export { ProtocolError, DecodeError, EncodeError, InvalidOptionError, RecordsFileError } from './errors.js';
export type { FeatureValue, Features, FeatureInput, Sample, ScoreEvent, Score } from './types.js';
export { DEFAULT_DECODE_LIMITS, decodeLimits, assertDecodeLimits, type DecodeLimits } from './limits.js';
export {
  decodeSample,
  tryDecodeSample,
  decodeEvent,
  tryDecodeEvent,
  validateSample,
  validateEvent,
  type DecodeResult,
  type MessageInput,
} from './decode.js';
export { encodeSample, encodeEvent } from './encode.js';
export { encodeScore, decodeScore } from './score.js';
