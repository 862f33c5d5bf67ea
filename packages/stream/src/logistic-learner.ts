import {
  decodeCheckpoint,
  encodeCheckpoint,
  encodeServing,
  LogisticRegression,
  ProgressiveMetrics,
  SparseVector,
  type LearnerOptionsInput,
} from '@streamlr/model';
import { DEFAULT_DECODE_LIMITS, tryDecodeSample, type DecodeLimits, type Sample } from '@streamlr/protocol';
import { featurize } from './featurize.js';
import type { DecodeResult, ProgressiveFigures, RestoredState, SnapshotBlobs, SnapshotContext, StreamLearner, WeightFigures } from './learner.js';

/**
 * Logistic regression as the training pipeline sees it: protocol decode → featurize → one
 * update with progressive validation (the learner predicts before it learns), and snapshots in
 * the model package's checkpoint + serving formats.
 */
export class LogisticLearner implements StreamLearner<Sample> {
  private model: LogisticRegression;
  private readonly x = new SparseVector(64);
  private metrics = new ProgressiveMetrics();

  constructor(
    private readonly options: LearnerOptionsInput = {},
    private readonly limits: DecodeLimits = DEFAULT_DECODE_LIMITS,
  ) {
    this.model = new LogisticRegression(options);
  }

  /** The learner itself (read-only use: evaluation, inspection). */
  get regression(): LogisticRegression {
    return this.model;
  }

  decode(bytes: Buffer | null): DecodeResult<Sample> {
    const result = tryDecodeSample(bytes, this.limits);
    if (result.ok) return result;
    const { reason, field, message } = result.error;
    return { ok: false, error: { reason, field, message } };
  }

  learn(sample: Sample): void {
    const x = featurize(sample, this.model.options.featureSpace, this.x);
    const p = this.model.learn(x, sample.label, sample.weight);
    this.metrics.update(p, sample.label);
  }

  get samplesSeen(): number {
    return this.model.samplesSeen;
  }

  progressive(): ProgressiveFigures {
    const m = this.metrics.snapshot();
    return { logloss: m.logloss, accuracy: m.accuracy, auc: m.auc, n: m.n };
  }

  weights(): WeightFigures {
    const w = this.model.weightStats();
    return { nonzero: w.nonzero, slots: w.slots, sparsity: w.sparsity };
  }

  snapshot(context: SnapshotContext): SnapshotBlobs {
    const info = {
      model: context.model,
      version: context.version,
      createdAt: context.createdAt,
      metrics: this.progressive(),
      offsets: context.offsets,
      ...(context.extra === undefined ? {} : { extra: context.extra }),
    };
    return { checkpoint: encodeCheckpoint(this.model, info), serving: encodeServing(this.model, info) };
  }

  restore(checkpoint: Uint8Array): RestoredState {
    const { header, learner } = decodeCheckpoint(checkpoint);
    this.model = learner;
    this.metrics = new ProgressiveMetrics();
    return { offsets: header.offsets, samplesSeen: header.samplesSeen };
  }

  reset(): void {
    this.model = new LogisticRegression(this.options);
    this.metrics = new ProgressiveMetrics();
  }
}
