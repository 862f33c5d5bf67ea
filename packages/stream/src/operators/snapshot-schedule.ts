/** When a snapshot is due (DESIGN section 5/6). */
export interface SnapshotScheduleOptions {
  /** Snapshot after this many records since the last one; default 100,000 (0 = never by count). */
  readonly every: number;
  /** Snapshot after this many milliseconds since the last one, when anything changed; default 10 s (0 = never by time). */
  readonly intervalMs: number;
}

export const DEFAULT_SNAPSHOT_SCHEDULE: SnapshotScheduleOptions = { every: 100_000, intervalMs: 10_000 };

/**
 * Every N records and/or every T milliseconds, whichever comes first. The clock is injected so
 * the schedule is testable without waiting.
 */
export class SnapshotSchedule {
  private pending = 0;
  private lastAt: number;

  constructor(
    private readonly options: SnapshotScheduleOptions,
    private readonly now: () => number = Date.now,
  ) {
    if (!(Number.isInteger(options.every) && options.every >= 0)) throw new TypeError('every: must be a whole number ≥ 0');
    if (!(options.intervalMs >= 0)) throw new TypeError('intervalMs: must be ≥ 0');
    if (options.every === 0 && options.intervalMs === 0) throw new TypeError('every/intervalMs: at least one must be > 0');
    this.lastAt = now();
  }

  /** Records handled since the last snapshot. */
  get sinceLast(): number {
    return this.pending;
  }

  count(records: number): void {
    this.pending += records;
  }

  isDue(): boolean {
    if (this.pending === 0) return false;
    if (this.options.every > 0 && this.pending >= this.options.every) return true;
    return this.options.intervalMs > 0 && this.now() - this.lastAt >= this.options.intervalMs;
  }

  /** Records until the count trigger fires (Infinity when only time triggers). */
  remaining(): number {
    return this.options.every > 0 ? Math.max(0, this.options.every - this.pending) : Number.POSITIVE_INFINITY;
  }

  taken(): void {
    this.pending = 0;
    this.lastAt = this.now();
  }
}
