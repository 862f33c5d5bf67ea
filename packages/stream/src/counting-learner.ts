import type { DecodeResult, ProgressiveFigures, RestoredState, SnapshotBlobs, SnapshotContext, StreamLearner, WeightFigures } from './learner.js';

interface CountingSample {
  readonly id: string;
}

const MAGIC = 'streamlr-counting-v1';

/**
 * The fault suite's oracle: instead of weights it keeps, per sample id, how many times the sample
 * was applied. It runs the same pipeline, snapshot and offset path as logistic regression, so its
 * final snapshot shows whether every produced id was applied exactly once (DESIGN section 6).
 * Records without a string `id` are refused with reason `bad_id` (they go to the DLQ).
 */
export class CountingLearner implements StreamLearner<CountingSample> {
  private counts = new Map<string, number>();
  private seen = 0;

  decode(bytes: Buffer | null): DecodeResult<CountingSample> {
    let value: unknown;
    try {
      value = JSON.parse(bytes?.toString('utf8') ?? '');
    } catch {
      return { ok: false, error: { reason: 'not_json', message: 'message is not valid JSON' } };
    }
    const id = (value as { id?: unknown } | null)?.id;
    if (typeof id !== 'string' || id === '') return { ok: false, error: { reason: 'bad_id', field: 'id', message: 'id: expected a non-empty string' } };
    return { ok: true, value: { id } };
  }

  learn(sample: CountingSample): void {
    this.counts.set(sample.id, (this.counts.get(sample.id) ?? 0) + 1);
    this.seen++;
  }

  get samplesSeen(): number {
    return this.seen;
  }

  /** How many times each id was applied. */
  applied(): ReadonlyMap<string, number> {
    return this.counts;
  }

  progressive(): ProgressiveFigures {
    return { logloss: 0, accuracy: 0, auc: 0.5, n: this.seen };
  }

  weights(): WeightFigures {
    return { nonzero: this.counts.size, slots: this.counts.size, sparsity: 0 };
  }

  snapshot(context: SnapshotContext): SnapshotBlobs {
    const body = Buffer.from(JSON.stringify({ magic: MAGIC, ...context, samplesSeen: this.seen, counts: [...this.counts] }));
    return { checkpoint: body, serving: body };
  }

  restore(checkpoint: Uint8Array): RestoredState {
    const parsed = CountingLearner.decodeSnapshot(checkpoint);
    this.counts = new Map(parsed.counts);
    this.seen = parsed.samplesSeen;
    return { offsets: parsed.offsets, samplesSeen: parsed.samplesSeen };
  }

  reset(): void {
    this.counts = new Map();
    this.seen = 0;
  }

  static decodeSnapshot(blob: Uint8Array): {
    offsets: Record<string, string>;
    samplesSeen: number;
    counts: [string, number][];
    version: number;
  } {
    const parsed = JSON.parse(Buffer.from(blob).toString('utf8')) as {
      magic?: unknown;
      offsets: Record<string, string>;
      samplesSeen: number;
      counts: [string, number][];
      version: number;
    };
    if (parsed.magic !== MAGIC) throw new TypeError('not a counting-learner snapshot');
    return parsed;
  }
}
