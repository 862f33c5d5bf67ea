import { MetricsValidationError } from './errors.js';

export interface ProgressStream {
  write(chunk: string): unknown;
  /** Terminal streams redraw one line in place; others get a plain line every `plainIntervalMs`. */
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressOptions {
  /** Expected total; unknown (no percent/ETA) when absent. */
  total?: number;
  /** Text before the numbers. Default `''`. */
  label: string;
  /** Default process.stderr (stdout stays clean for data). */
  stream: ProgressStream;
  /** Minimum ms between redraws on a TTY (≤ 10 per second). Default 100. */
  redrawIntervalMs: number;
  /** Ms between plain lines on a non-TTY stream. Default 5000. */
  plainIntervalMs: number;
  /** Monotonic clock in ms. Default `performance.now`. */
  now: () => number;
}

export const DEFAULT_PROGRESS_OPTIONS = Object.freeze({
  label: '',
  redrawIntervalMs: 100,
  plainIntervalMs: 5000,
});

export interface Progress {
  /** Adds `n` (default 1) items done. Cheap: draws at most every redraw interval. */
  tick(n?: number): void;
  /** Final line (newline-terminated); further ticks are ignored. */
  done(): void;
  readonly count: number;
}

/** A one-line progress display: done/total, percent, rate, ETA. */
export function createProgress(options: Partial<ProgressOptions> = {}): Progress {
  const o: ProgressOptions = {
    ...DEFAULT_PROGRESS_OPTIONS,
    stream: process.stderr,
    now: () => performance.now(),
    ...options,
  };
  if (o.total !== undefined && !(Number.isFinite(o.total) && o.total >= 0)) {
    throw new MetricsValidationError('total', `must be a finite number >= 0, got ${String(o.total)}`);
  }
  for (const field of ['redrawIntervalMs', 'plainIntervalMs'] as const) {
    if (!(o[field] >= 0)) throw new MetricsValidationError(field, `must be >= 0, got ${String(o[field])}`);
  }
  const tty = o.stream.isTTY === true;
  const interval = tty ? o.redrawIntervalMs : o.plainIntervalMs;
  const started = o.now();
  let count = 0;
  let lastDraw = started;
  let finished = false;

  const line = (at: number): string => {
    const elapsed = Math.max(at - started, 1e-9) / 1000;
    const rate = count / elapsed;
    const parts = [o.label];
    if (o.total !== undefined && o.total > 0) {
      const fraction = Math.min(count / o.total, 1);
      if (tty) parts.push(bar(fraction, o.stream.columns));
      parts.push(`${formatCount(count)}/${formatCount(o.total)}`, `${(fraction * 100).toFixed(1)}%`);
      parts.push(`${formatRate(rate)}/s`);
      parts.push(finished ? `in ${formatDuration(elapsed)}` : `ETA ${rate > 0 ? formatDuration((o.total - count) / rate) : '?'}`);
    } else {
      parts.push(formatCount(count), `${formatRate(rate)}/s`, formatDuration(elapsed));
    }
    return parts.filter((p) => p !== '').join(' ');
  };

  const draw = (at: number): void => {
    lastDraw = at;
    // \r + erase-to-end-of-line redraws in place; plain streams (CI logs, files) get whole lines.
    o.stream.write(tty ? `\r${line(at)}\x1b[K` : `${line(at)}\n`);
  };

  return {
    tick(n = 1) {
      if (finished) return;
      count += n;
      const at = o.now();
      if (at - lastDraw >= interval) draw(at);
    },
    done() {
      if (finished) return;
      finished = true;
      const at = o.now();
      o.stream.write(tty ? `\r${line(at)}\x1b[K\n` : `${line(at)}\n`);
    },
    get count() {
      return count;
    },
  };
}

function bar(fraction: number, columns = 80): string {
  const width = Math.max(10, Math.min(30, columns - 60));
  const filled = Math.round(fraction * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function formatRate(perSecond: number): string {
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(2)}M`;
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toFixed(1)}k`;
  return perSecond.toFixed(perSecond >= 100 ? 0 : 1);
}

/** `m:ss` or `h:mm:ss`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}
