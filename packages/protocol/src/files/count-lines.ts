import { createReadStream } from 'node:fs';
import { RecordsFileError } from '../errors.js';
import { CHUNK_BYTES } from './text-lines.js';

/**
 * The number of lines in a file, for progress bars: LF bytes counted chunk by chunk with the native
 * `indexOf`, plus one for a last line without a newline. Blank lines count; a CSV file has one row
 * less than this (its header), or fewer when quoted fields span lines.
 */
export async function countLines(path: string): Promise<number> {
  let lines = 0;
  let last = 10;
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: CHUNK_BYTES }) as AsyncIterable<Buffer>) {
      for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) lines++;
      if (chunk.length > 0) last = chunk[chunk.length - 1]!;
    }
  } catch (error) {
    throw new RecordsFileError(path, undefined, `cannot read: ${(error as Error).message}`, { cause: error });
  }
  return last === 10 ? lines : lines + 1;
}
