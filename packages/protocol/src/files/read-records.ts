/**
 * Records files (DESIGN §10) → samples or events, streamed: memory stays bounded whatever the file size,
 * and every bad row comes out as an error with its line number instead of stopping the read.
 */
import { DecodeError, InvalidOptionError, ProtocolError, RecordsFileError } from '../errors.js';
import { decodeText } from '../decode.js';
import { DEFAULT_DECODE_LIMITS, assertDecodeLimits, type DecodeLimits } from '../limits.js';
import { parseLibsvmLine } from '../rows/libsvm.js';
import type { Sample, ScoreEvent } from '../types.js';
import { csvRecordBatches } from './csv-file.js';
import { formatFromPath, isRecordFormat, RECORD_FORMATS, type RecordFormat } from './format.js';
import type { FileRecord } from './records.js';
import { lineRecordBatches, type LineParser } from './text-lines.js';

export interface ReadRecordsOptions {
  /** File format. Default: from the extension (see `formatFromPath`); an unknown extension is an error. */
  readonly format?: RecordFormat | undefined;
  /** CSV only: the label column's name. Default `label`. (JSON lines and LIBSVM carry the label in each line.) */
  readonly label?: string | undefined;
  /**
   * `samples`: every row needs a label (a CSV file needs the label column). `events`: the label is
   * optional and kept when present (held-out evaluation). Default `samples`.
   */
  readonly as?: 'samples' | 'events' | undefined;
  /** Size and feature-count limits per row. Default `DEFAULT_DECODE_LIMITS`. */
  readonly limits?: DecodeLimits | undefined;
}

export const DEFAULT_READ_RECORDS_OPTIONS = Object.freeze({
  format: undefined,
  label: 'label',
  as: 'samples',
  limits: DEFAULT_DECODE_LIMITS,
} as const satisfies ReadRecordsOptions);

type SamplesOptions = ReadRecordsOptions & { readonly as?: 'samples' | undefined };
type EventsOptions = ReadRecordsOptions & { readonly as: 'events' };

/**
 * The rows of a records file, one at a time. Options are checked at once (throws
 * `InvalidOptionError`); a file that cannot be read at all fails the iteration with `RecordsFileError`.
 * Breaking out of the loop closes the file.
 */
export function readRecords(path: string, options?: SamplesOptions): AsyncGenerator<FileRecord<Sample>>;
export function readRecords(path: string, options: EventsOptions): AsyncGenerator<FileRecord<ScoreEvent>>;
export function readRecords(path: string, options?: ReadRecordsOptions): AsyncGenerator<FileRecord<Sample | ScoreEvent>>;
export function readRecords(path: string, options: ReadRecordsOptions = {}): AsyncGenerator<FileRecord<Sample | ScoreEvent>> {
  return flatten(readRecordBatches(path, options));
}

/**
 * The rows of a records file in batches (one per chunk read, up to about a thousand rows or 1 MiB):
 * the same rows as `readRecords` with one `await` per batch instead of one per row.
 */
export function readRecordBatches(path: string, options?: SamplesOptions): AsyncGenerator<readonly FileRecord<Sample>[]>;
export function readRecordBatches(path: string, options: EventsOptions): AsyncGenerator<readonly FileRecord<ScoreEvent>[]>;
export function readRecordBatches(path: string, options?: ReadRecordsOptions): AsyncGenerator<readonly FileRecord<Sample | ScoreEvent>[]>;
export function readRecordBatches(path: string, options: ReadRecordsOptions = {}): AsyncGenerator<readonly FileRecord<Sample | ScoreEvent>[]> {
  const resolved = resolveOptions(path, options);
  return wrapFileErrors(path, batchesOf(path, resolved));
}

interface Resolved {
  readonly format: RecordFormat;
  readonly label: string;
  readonly requireLabel: boolean;
  readonly limits: DecodeLimits;
}

function resolveOptions(path: string, options: ReadRecordsOptions): Resolved {
  if (typeof path !== 'string' || path.length === 0) throw new InvalidOptionError('path', 'expected a file path');
  const format = options.format ?? formatFromPath(path);
  if (format === undefined) {
    throw new InvalidOptionError('format', `cannot tell the format of ${path} from its extension; give one of ${RECORD_FORMATS.join(', ')}`);
  }
  if (!isRecordFormat(format)) throw new InvalidOptionError('format', `expected one of ${RECORD_FORMATS.join(', ')}, got ${String(format)}`);
  const label = options.label ?? DEFAULT_READ_RECORDS_OPTIONS.label;
  if (typeof label !== 'string' || label.length === 0) throw new InvalidOptionError('label', 'expected a non-empty column name');
  const as = options.as ?? DEFAULT_READ_RECORDS_OPTIONS.as;
  if (as !== 'samples' && as !== 'events') throw new InvalidOptionError('as', `expected samples or events, got ${String(as)}`);
  const limits = options.limits ?? DEFAULT_DECODE_LIMITS;
  assertDecodeLimits(limits);
  return { format, label, requireLabel: as === 'samples', limits };
}

function batchesOf(path: string, o: Resolved): AsyncGenerator<FileRecord<Sample | ScoreEvent>[]> {
  switch (o.format) {
    case 'csv':
      return csvRecordBatches(path, o);
    case 'jsonl':
      return lineRecordBatches(path, o.limits.maxBytes, jsonLines(path, o));
    case 'libsvm':
      return lineRecordBatches(path, o.limits.maxBytes, libsvmLines(o));
  }
}

function jsonLines(path: string, o: Resolved): LineParser<Sample | ScoreEvent> {
  let first = true;
  return (text, line) => {
    if (isBlank(text)) return undefined;
    if (first) {
      first = false;
      // One JSON document holding an array is the likeliest mistake with a .json file: say so once
      // rather than report every line of it.
      if (text.trimStart().startsWith('[')) {
        throw new RecordsFileError(path, line, 'expected JSON lines (one object per line), found a JSON array');
      }
    }
    const result = decodeText(text, o.requireLabel, o.limits);
    return result instanceof DecodeError ? { line, error: result } : { line, sample: result as Sample | ScoreEvent };
  };
}

function libsvmLines(o: Resolved): LineParser<Sample | ScoreEvent> {
  return (text, line) => {
    const result = parseLibsvmLine(text, o.requireLabel, o.limits);
    if (result === undefined) return undefined;
    return result instanceof DecodeError ? { line, error: result } : { line, sample: result };
  };
}

function isBlank(text: string): boolean {
  if (text.length === 0) return true;
  const c = text.charCodeAt(0);
  return (c === 32 || c === 9 || c === 13) && text.trim().length === 0;
}

async function* flatten<T>(batches: AsyncIterable<readonly T[]>): AsyncGenerator<T> {
  for await (const batch of batches) yield* batch;
}

/** Errors that are not ours (ENOENT, EISDIR, a fatal CSV error) become a RecordsFileError naming the file. */
async function* wrapFileErrors<T>(path: string, source: AsyncGenerator<T>): AsyncGenerator<T> {
  try {
    yield* source;
  } catch (error) {
    if (error instanceof ProtocolError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const retriable = code === 'EMFILE' || code === 'ENFILE' || code === 'EAGAIN' || code === 'EBUSY';
    throw new RecordsFileError(path, undefined, `cannot read: ${(error as Error).message}`, { cause: error, retriable });
  }
}
