/**
 * Streams a text file line by line in bounded memory: chunks of `CHUNK_BYTES`, each decoded once, and
 * a line longer than the size limit is reported as `oversize` and skipped without being buffered.
 * Lines end with LF; a CR before it is dropped (CRLF files). The last line needs no newline.
 */
import { createReadStream } from 'node:fs';
import { Buffer, isUtf8 } from 'node:buffer';
import { checkTextSize } from '../decode.js';
import { DecodeError } from '../errors.js';
import type { FileRecord } from './records.js';

export const CHUNK_BYTES = 1 << 20;

/** Turns one line (without its line ending) into a record; undefined skips it (blank or comment lines). */
export type LineParser<T> = (text: string, line: number) => FileRecord<T> | undefined;

/** Yields the records of each chunk of `path` as one batch. */
export async function* lineRecordBatches<T>(path: string, maxBytes: number, parse: LineParser<T>): AsyncGenerator<FileRecord<T>[]> {
  let line = 0; // lines completed so far
  let carry: Buffer | undefined; // the start of the current, incomplete line
  let skipping = false; // the current line is too long and was already reported
  let atStart = true;
  let batch: FileRecord<T>[] = [];

  const emitLine = (text: string): void => {
    line++;
    if (atStart) {
      atStart = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // byte-order mark
    }
    if (text.charCodeAt(text.length - 1) === 13 /* CR */) text = text.slice(0, -1);
    const tooBig = checkTextSize(text, maxBytes);
    if (tooBig !== undefined) {
      batch.push({ line, error: tooBig });
      return;
    }
    const record = parse(text, line);
    if (record !== undefined) batch.push(record);
  };

  // Lines in `region`, each ending with LF except perhaps the last: decoded at once when the region is
  // valid UTF-8, line by line otherwise, so a bad byte costs only its own line. (An LF byte never
  // occurs inside a multi-byte UTF-8 sequence, so cutting at LF bytes before decoding is safe.)
  const emitLines = (region: Buffer): void => {
    if (isUtf8(region)) {
      const text = region.toString('utf8');
      let from = 0;
      for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', from)) {
        emitLine(text.slice(from, nl));
        from = nl + 1;
      }
      if (from < text.length) emitLine(text.slice(from));
      return;
    }
    let from = 0;
    while (from < region.length) {
      let nl = region.indexOf(10, from);
      if (nl < 0) nl = region.length;
      const bytes = region.subarray(from, nl);
      if (isUtf8(bytes)) emitLine(bytes.toString('utf8'));
      else {
        line++;
        atStart = false;
        batch.push({ line, error: new DecodeError('bad_encoding', undefined, 'line is not valid UTF-8') });
      }
      from = nl + 1;
    }
  };

  for await (const chunk of createReadStream(path, { highWaterMark: CHUNK_BYTES }) as AsyncIterable<Buffer>) {
    let start = 0;
    if (skipping) {
      const nl = chunk.indexOf(10);
      if (nl < 0) continue; // still inside the oversize line
      line++;
      skipping = false;
      start = nl + 1;
    }
    const bytes = carry === undefined ? chunk.subarray(start) : Buffer.concat([carry, chunk.subarray(start)]);
    carry = undefined;
    const lastNewline = bytes.lastIndexOf(10);
    try {
      if (lastNewline >= 0) emitLines(bytes.subarray(0, lastNewline + 1));
    } catch (error) {
      if (batch.length > 0) yield batch; // the rows before a file-level failure, then the failure
      throw error;
    }
    const rest = bytes.subarray(lastNewline + 1);
    if (rest.length > maxBytes + 1 /* a CR */) {
      // A line too long to hold: report it once and drop its bytes up to its end.
      batch.push({ line: line + 1, error: new DecodeError('oversize', undefined, `line is more than ${maxBytes} bytes`) });
      atStart = false;
      skipping = true;
    } else if (rest.length > 0) {
      carry = Buffer.from(rest); // a copy, so the chunk is not kept alive
    }
    if (batch.length > 0) {
      yield batch;
      batch = [];
    }
  }
  try {
    if (carry !== undefined) emitLines(carry);
  } finally {
    if (batch.length > 0) yield batch;
  }
}
