import { countLines, formatFromPath, RECORD_FORMATS, type RecordFormat } from '@streamlr/protocol';
import type { StringSpec } from '@streamlr/stream';
import { UsageError } from './command.js';

/** The flags every command that reads a records file shares. */
export const DATA_SETTINGS = {
  data: { type: 'string', required: true, help: 'records file: CSV with a header, JSON lines (section-4 messages) or LIBSVM' },
  label: { type: 'string', default: 'label', help: 'CSV: the label column (0/1); every other column is a feature' },
  format: { type: 'string', choices: RECORD_FORMATS, help: 'file format (default: from the extension: .csv, .jsonl/.ndjson/.json, .libsvm/.svm/.txt)' },
} as const satisfies Record<string, StringSpec>;

/** The file's format from the flag or its extension; a UsageError naming `--format` otherwise. */
export function recordFormat(path: string, flag: string | undefined): RecordFormat {
  const format = (flag as RecordFormat | undefined) ?? formatFromPath(path);
  if (format === undefined) throw new UsageError(`--format: cannot tell the format of ${path} from its extension; give --format ${RECORD_FORMATS.join('|')}`);
  return format;
}

/** Rows in a records file, for progress bars (lines, less a CSV header). */
export async function countRows(path: string, format: RecordFormat): Promise<number> {
  const lines = await countLines(path);
  return Math.max(0, format === 'csv' ? lines - 1 : lines);
}

/**
 * Bad rows are reported one line each on stderr with their line number, up to a limit (a file of
 * millions of bad rows should not flood the terminal), and counted by reason for the summary.
 */
export class BadRows {
  private readonly reasons = new Map<string, number>();
  private shown = 0;
  count = 0;

  constructor(
    private readonly path: string,
    private readonly command: string,
    private readonly maxShown = 20,
    private readonly stream: { write(text: string): unknown } = process.stderr,
  ) {}

  /** `error`: a DecodeError (or EncodeError): its reason and message. */
  report(line: number, error: { readonly reason: string; readonly message: string }): void {
    this.count++;
    this.reasons.set(error.reason, (this.reasons.get(error.reason) ?? 0) + 1);
    if (this.shown < this.maxShown) {
      this.shown++;
      this.stream.write(`streamlr ${this.command}: ${this.path}:${line}: ${error.message}\n`);
      if (this.shown === this.maxShown) this.stream.write(`streamlr ${this.command}: further bad rows are counted, not shown\n`);
    }
  }

  /** `3 bad rows skipped (bad_label 2, not_json 1)`, or '' when there were none. */
  summary(verb = 'skipped'): string {
    if (this.count === 0) return '';
    const byReason = [...this.reasons].sort((a, b) => b[1] - a[1]).map(([r, n]) => `${r} ${n}`).join(', ');
    return `${this.count} bad row${this.count === 1 ? '' : 's'} ${verb} (${byReason})`;
  }

  byReason(): Record<string, number> {
    return Object.fromEntries(this.reasons);
  }
}
