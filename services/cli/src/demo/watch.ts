import { CommandError, oneLine } from '../cli.js';

/** A phase that makes no progress for this long has failed (an unreachable broker, a stuck store). */
export const STALL_MS = 60_000;

export class Interrupted extends Error {
  override readonly name = 'Interrupted';
}

/**
 * The first SIGINT/SIGTERM asks for a stop (while serving: a clean exit 0; before the summary:
 * exit 130); a second one quits at once. Failures of the background pipelines are recorded here
 * so every wait ends with them.
 */
export class Watch {
  private failure: { error: unknown } | null = null;
  private stopSignal: NodeJS.Signals | null = null;
  private wake: () => void = () => undefined;
  /** Resolves at the first signal or failure. */
  readonly stopped: Promise<void>;
  private readonly onSignal = (signal: NodeJS.Signals): void => {
    if (this.stopSignal !== null) process.exit(signal === 'SIGINT' ? 130 : 143);
    this.stopSignal = signal;
    this.wake();
  };

  constructor() {
    this.stopped = new Promise((resolve) => {
      this.wake = resolve;
    });
    process.on('SIGINT', this.onSignal);
    process.on('SIGTERM', this.onSignal);
  }

  get signal(): NodeJS.Signals | null {
    return this.stopSignal;
  }

  fail(what: string, error: unknown): void {
    this.failure ??= { error: new CommandError(`${what} failed: ${oneLine(error)}`, { cause: error }) };
    this.wake();
  }

  /** Throws the recorded failure, if any. */
  checkFailure(): void {
    if (this.failure !== null) throw this.failure.error;
  }

  /** Throws the recorded failure, or Interrupted after a signal. */
  check(): void {
    this.checkFailure();
    if (this.stopSignal !== null) throw new Interrupted(`interrupted (${this.stopSignal}) before the summary`);
  }

  /**
   * Polls `value` until it is defined. Fails when `progress()` (default: never changes) stays the
   * same for `stallMs`.
   */
  async until<T>(what: string, value: () => T | undefined, progress: () => number = () => 0, stallMs = STALL_MS): Promise<T> {
    let seen = progress();
    let since = performance.now();
    for (;;) {
      this.check();
      const v = value();
      if (v !== undefined) return v;
      const now = performance.now();
      const p = progress();
      if (p !== seen) {
        seen = p;
        since = now;
      } else if (now - since > stallMs) {
        throw new CommandError(`timed out waiting for ${what} (no progress for ${Math.round(stallMs / 1000)} s)`);
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  dispose(): void {
    process.off('SIGINT', this.onSignal);
    process.off('SIGTERM', this.onSignal);
  }
}

