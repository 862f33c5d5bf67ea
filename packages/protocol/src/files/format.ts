import { extname } from 'node:path';

/** File formats `readRecords` understands (DESIGN §10). */
export const RECORD_FORMATS = ['csv', 'jsonl', 'libsvm'] as const;
export type RecordFormat = (typeof RECORD_FORMATS)[number];

const BY_EXTENSION: Readonly<Record<string, RecordFormat>> = {
  '.csv': 'csv',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.json': 'jsonl',
  '.libsvm': 'libsvm',
  '.svm': 'libsvm',
  '.txt': 'libsvm',
};

/**
 * The format a file's extension implies (case-insensitive): .csv; .jsonl, .ndjson, .json (JSON lines,
 * one message per line, not one JSON array); .libsvm, .svm, .txt. Undefined for anything else.
 */
export function formatFromPath(path: string): RecordFormat | undefined {
  return BY_EXTENSION[extname(path).toLowerCase()];
}

export function isRecordFormat(value: unknown): value is RecordFormat {
  return typeof value === 'string' && (RECORD_FORMATS as readonly string[]).includes(value);
}
