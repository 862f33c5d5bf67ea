/** CSV files through csv-parse (RFC 4180 quoting), streamed, each row through CsvRowDecoder. */
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream';
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
 */
class RowParser extends Parser {
  private decoder: CsvRowDecoder | undefined;

  constructor(
    private readonly path: string,
    private readonly rowOptions: { label: string; requireLabel: boolean; limits: DecodeLimits },
  ) {
    super({
      bom: true,
      skip_empty_lines: true,
      relax_column_count: true, // a short or long row is reported by CsvRowDecoder, with the counts
      skip_records_with_error: true,
      max_record_size: rowOptions.limits.maxBytes,
      on_skip: (error: Error) => this.skipped(error),
    } as CsvOptions);
  }

  override push(record: unknown, encoding?: BufferEncoding): boolean {
    if (record === null) return super.push(null, encoding);
    const cells = record as string[];
    const line = this.info.lines;
    if (this.decoder === undefined) {
      try {
        this.decoder = new CsvRowDecoder(cells, this.rowOptions);
      } catch (error) {
        this.destroy(new RecordsFileError(this.path, line, (error as Error).message));
      }
      return true;
    }
    const result = this.decoder.decode(cells);
    return super.push(result instanceof DecodeError ? { line, error: result } : { line, sample: result });
  }

  private skipped(error: Error): void {
    const line = this.info.lines;
    if (this.decoder === undefined) {
      this.destroy(new RecordsFileError(this.path, line, `cannot read the CSV header: ${error.message}`));
      return;
    }
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
  for await (const row of parser as AsyncIterable<Row>) {
    batch.push(row);
    if (batch.length >= BATCH) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
  if (parser.info.records === 0) throw new RecordsFileError(path, undefined, 'empty CSV file: no header');
}
