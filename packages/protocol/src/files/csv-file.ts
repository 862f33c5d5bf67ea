/** CSV files through csv-parse (RFC 4180 quoting), streamed, each row through CsvRowDecoder. */
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream';
import type { TransformCallback } from 'node:stream';
import { Parser, type Options as CsvOptions } from 'csv-parse';
import { DecodeError, RecordsFileError } from '../errors.js';
import type { DecodeLimits } from '../limits.js';
import { CsvRowDecoder } from '../rows/csv-row.js';
import type { Sample, ScoreEvent } from '../types.js';
import type { FileRecord } from './records.js';
import { CHUNK_BYTES } from './text-lines.js';

type Row = FileRecord<Sample | ScoreEvent>;
const BATCH = 1024;

/**
 * csv-parse pushes each record from inside its parse loop, when `info.lines` is still that record's
 * last line; converting it there gives each row its line number without the per-record `info` object
 * that the `info: true` option builds (which halves the parser's throughput). Rows that csv-parse
 * itself rejects (quoting) come through `on_skip` in the same order, as `bad_row` errors.
 *
 * Memory: csv-parse holds a record until it ends, and an unclosed quote never ends it. Its
 * `max_record_size` option cannot bound that here (with `skip_records_with_error` it silently stops
 * parsing the chunk: csv-parse 5.6.0), so the parser counts the bytes fed since the last complete row
 * and fails the file once they exceed the row limit by a read chunk.
 *
 * A file-level failure is pushed in order, after the rows before it, rather than destroying the stream
 * (which would discard rows already parsed but not yet read); parsing stops there.
 */
class RowParser extends Parser {
  private decoder: CsvRowDecoder | undefined;
  private rowInChunk = false;
  private unfinishedBytes = 0;
  private lastRowLine = 0;
  private lastSkipLine = -1;
  private failed = false;

  constructor(
    private readonly path: string,
    private readonly rowOptions: { label: string; requireLabel: boolean; limits: DecodeLimits },
  ) {
    super({
      bom: true,
      skip_empty_lines: true,
      relax_column_count: true, // a short or long row is reported by CsvRowDecoder, with the counts
      skip_records_with_error: true,
      on_skip: (error: Error) => this.skipped(error),
    } as CsvOptions);
  }

  override _transform(chunk: Buffer, encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.failed) {
      callback();
      return;
    }
    this.rowInChunk = false;
    super._transform(chunk, encoding, (error?: Error | null) => {
      this.unfinishedBytes = this.rowInChunk ? 0 : this.unfinishedBytes + chunk.length;
      if (error == null && this.unfinishedBytes > this.rowOptions.limits.maxBytes + CHUNK_BYTES) {
        this.fail(
          this.lastRowLine + 1,
          `a CSV row runs on for more than ${this.rowOptions.limits.maxBytes} bytes (an unclosed quote?); stopped reading at line ${this.info.lines}`,
        );
      }
      callback(error);
    });
  }

  override _flush(callback: TransformCallback): void {
    if (this.failed) callback();
    else super._flush(callback);
  }

  private fail(line: number, detail: string): void {
    if (this.failed) return;
    this.failed = true;
    super.push(new RecordsFileError(this.path, line, detail));
  }

  override push(record: unknown, encoding?: BufferEncoding): boolean {
    if (record === null) return super.push(null, encoding);
    if (this.failed) return true;
    const cells = record as string[];
    const line = this.info.lines;
    this.rowInChunk = true;
    this.lastRowLine = line;
    if (this.decoder === undefined) {
      try {
        this.decoder = new CsvRowDecoder(cells, this.rowOptions);
      } catch (error) {
        this.fail(line, (error as Error).message);
      }
      return true;
    }
    const result = this.decoder.decode(cells);
    return super.push(result instanceof DecodeError ? { line, error: result } : { line, sample: result });
  }

  private skipped(error: Error): void {
    if (this.failed) return;
    const line = this.info.lines;
    this.rowInChunk = true;
    this.lastRowLine = line;
    if (this.decoder === undefined) {
      this.fail(line, `cannot read the CSV header: ${error.message}`);
      return;
    }
    // One broken quote can trip several errors on the same line (e.g. then "quote not closed" at the
    // end of the file): the line is reported once.
    if (line === this.lastSkipLine) return;
    this.lastSkipLine = line;
    super.push({ line, error: new DecodeError('bad_row', undefined, error.message, error) } satisfies Row);
  }
}

export async function* csvRecordBatches(
  path: string,
  options: { label: string; requireLabel: boolean; limits: DecodeLimits },
): AsyncGenerator<Row[]> {
  const parser = new RowParser(path, options);
  // pipeline: a read error (ENOENT, EACCES…) destroys the parser and ends the iteration with it.
  pipeline(createReadStream(path, { highWaterMark: CHUNK_BYTES }), parser, () => {});
  let batch: Row[] = [];
  try {
    for await (const row of parser as AsyncIterable<Row | RecordsFileError>) {
      if (row instanceof RecordsFileError) throw row;
      batch.push(row);
      if (batch.length >= BATCH) {
        yield batch;
        batch = [];
      }
    }
  } catch (error) {
    if (batch.length > 0) yield batch; // the rows before the failure, then the failure
    throw error;
  }
  if (batch.length > 0) yield batch;
  if (parser.info.records === 0) throw new RecordsFileError(path, undefined, 'empty CSV file: no header');
}
