import type { DecodeError } from '../errors.js';

/**
 * One row of a records file: the decoded sample/event, or why the row was rejected. A bad row is
 * always reported, never dropped. `line` is 1-based and counts every physical line (a CSV header is
 * line 1); for a CSV record spanning lines (a quoted newline) it is the record's last line.
 */
export type FileRecord<T> =
  | { readonly line: number; readonly sample: T; readonly error?: undefined }
  | { readonly line: number; readonly error: DecodeError; readonly sample?: undefined };
