export { DECODE_REASONS, DECODE_REASON_DESCRIPTIONS, isDecodeReason, type DecodeReason } from './reasons.js';
export { ProtocolError, DecodeError, EncodeError, InvalidOptionError, RecordsFileError } from './errors.js';
export type { FeatureValue, Features, FeatureInput, Sample, ScoreEvent, Score, SampleInput, EventInput } from './types.js';
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
export { readRecords, readRecordBatches, DEFAULT_READ_RECORDS_OPTIONS, type ReadRecordsOptions } from './files/read-records.js';
export type { FileRecord } from './files/records.js';
export { RECORD_FORMATS, formatFromPath, isRecordFormat, type RecordFormat } from './files/format.js';
export { countLines } from './files/count-lines.js';
export { CsvRowDecoder, type CsvRowOptions } from './rows/csv-row.js';
export { parseLibsvmLine } from './rows/libsvm.js';
