/**
 * Learner options: feature space, optimizer and hyperparameters, normalisation. Every field
 * documents its default; `resolveLearnerOptions` fills defaults and validates, with errors
 * naming the option (`optimizer.l2`, `featureSpace.bits`, ...).
 */
import { OptionError } from './errors.js';
import { DEFAULT_FEATURE_SPACE, validateFeatureSpace, type FeatureSpace } from './features.js';
import type { Normalization } from './normalizer.js';
import type { OptimizerName } from './optimizer.js';
import { makeSchedule, validateSchedule, type ScheduleSpec } from './schedules.js';

export interface SgdOptions {
  readonly name: 'sgd';
  /** η_t: a number (constant) or a schedule. Default η0/√t with η0 = 1. */
  readonly learningRate: ScheduleSpec;
  /** λ1, L1 strength (cumulative penalty). Default 0. */
  readonly l1: number;
  /** λ2, L2 strength (weight decay 1 − η_t λ2 per step; needs η_1·λ2 < 1). Default 0. */
  readonly l2: number;
}

export interface AdaGradOptions {
  readonly name: 'adagrad';
  /** Base rate η_t: a number (constant) or a schedule. Default 0.3. */
  readonly learningRate: ScheduleSpec;
  /** λ1, decoupled L1 strength (cumulative penalty at rate η_t). Default 0. */
  readonly l1: number;
  /** λ2, decoupled weight decay 1 − η_t λ2 per step (needs η_1·λ2 < 1). Default 0. */
  readonly l2: number;
  /** G0 added under the square root of each coordinate's accumulator. Default 1. */
  readonly initialAccumulator: number;
}

export interface FtrlOptions {
  readonly name: 'ftrl';
  /** α, the per-coordinate learning rate of FTRL-Proximal (a number). Default 0.8 (0.3 before issue #8, then 0.5). */
  readonly learningRate: number;
  /** β, smoothing of the per-coordinate rate α/(β + √n). Default 0.3. */
  readonly beta: number;
  /** λ1, L1 strength (exact zeros when |z| ≤ λ1). Default 0. */
  readonly l1: number;
  /** λ2, L2 strength. Default 1. */
  readonly l2: number;
  /**
   * κ ≥ 0, adaptive L1: coordinate j's L1 threshold is λ1 + κ·√n_j (exact zeros while
   * |z_j| ≤ λ1 + κ·√n_j, a significance test on its gradients; see ftrl.ts). Default 0.12 (since
   * issue #8's L1 round); checkpoints written before the option read as 0.
   */
  readonly adaptiveL1: number;
  /**
   * e ≥ 0: each coordinate's (and the bias's) squared-gradient sum grows by g²·ω^e, ω = nnz(x) + 1 the number of
   * coordinates the sample updates together (a mini-batch: its distinct slots + 1), so that a
   * coordinate's step shrinks by ω^(−e/2) on wide samples (see ftrl.ts). Default 0.9 (0.75
   * before adaptive L1); 0 is plain FTRL-Proximal, and checkpoints written before the option read as 0.
   */
  readonly widthExponent: number;
}

export type OptimizerOptions = SgdOptions | AdaGradOptions | FtrlOptions;

export interface LearnerOptions {
  /** Hashing space. Default {bits: 20, seed: 0}. */
  readonly featureSpace: FeatureSpace;
  /** Optimizer and its hyperparameters. Default FTRL-Proximal, see DEFAULT_OPTIMIZER_OPTIONS.ftrl. */
  readonly optimizer: OptimizerOptions;
  /** Per-slot feature scaling, see normalizer.ts. Default 'standard'. */
  readonly normalization: Normalization;
}

/**
 * Defaults of each optimizer when it is chosen by name only, picked on validation slices of the
 * bundled datasets' training rows (package README). SGD's single decaying rate suits dense
 * data (spam) far better than sparse one-hot data (movielens), where per-coordinate rates win.
 */
export const DEFAULT_OPTIMIZER_OPTIONS: {
  readonly sgd: SgdOptions;
  readonly adagrad: AdaGradOptions;
  readonly ftrl: FtrlOptions;
} = Object.freeze({
  sgd: Object.freeze({ name: 'sgd', learningRate: Object.freeze({ kind: 'inverse-scaling', eta0: 1, power: 0.5 }), l1: 0, l2: 0 }),
  adagrad: Object.freeze({ name: 'adagrad', learningRate: 0.3, l1: 0, l2: 0, initialAccumulator: 1 }),
  ftrl: Object.freeze({ name: 'ftrl', learningRate: 0.8, beta: 0.3, l1: 0, l2: 1, adaptiveL1: 0.12, widthExponent: 0.9 }),
} as const);

/** The defaults `streamlr train` and the trainer service use. */
export const DEFAULT_LEARNER_OPTIONS: LearnerOptions = Object.freeze({
  featureSpace: DEFAULT_FEATURE_SPACE,
  optimizer: DEFAULT_OPTIMIZER_OPTIONS.ftrl,
  normalization: 'standard',
});

/** Options as a caller may give them: anything left out takes its default. */
export interface LearnerOptionsInput {
  readonly featureSpace?: Partial<FeatureSpace>;
  /** An optimizer name (its defaults) or a name with some hyperparameters. */
  readonly optimizer?: OptimizerName | OptimizerOptionsInput;
  readonly normalization?: Normalization;
}

export interface OptimizerOptionsInput {
  readonly name: OptimizerName;
  readonly learningRate?: ScheduleSpec;
  readonly l1?: number;
  readonly l2?: number;
  /** FTRL only. */
  readonly beta?: number;
  /** AdaGrad only. */
  readonly initialAccumulator?: number;
  /** FTRL only. */
  readonly widthExponent?: number;
  /** FTRL only. */
  readonly adaptiveL1?: number;
}

const OPTIMIZER_KEYS: Record<OptimizerName, readonly string[]> = {
  sgd: ['name', 'learningRate', 'l1', 'l2'],
  adagrad: ['name', 'learningRate', 'l1', 'l2', 'initialAccumulator'],
  ftrl: ['name', 'learningRate', 'beta', 'l1', 'l2', 'widthExponent', 'adaptiveL1'],
};

/** Fills defaults and validates; throws OptionError naming the first bad option. */
export function resolveLearnerOptions(input: LearnerOptionsInput = {}): LearnerOptions {
  if (typeof input !== 'object' || input === null) throw new OptionError('options', input, 'an object');
  for (const key of Object.keys(input)) {
    if (key !== 'featureSpace' && key !== 'optimizer' && key !== 'normalization') {
      throw new OptionError(key, (input as Record<string, unknown>)[key], 'no such option (featureSpace, optimizer, normalization)');
    }
  }
  const featureSpace = validateFeatureSpace({ ...DEFAULT_FEATURE_SPACE, ...(input.featureSpace ?? {}) });
  const normalization = input.normalization ?? DEFAULT_LEARNER_OPTIONS.normalization;
  if (normalization !== 'standard' && normalization !== 'rms' && normalization !== 'none') {
    throw new OptionError('normalization', normalization, '"standard", "rms" or "none"');
  }
  const optimizer = resolveOptimizer(input.optimizer ?? DEFAULT_LEARNER_OPTIONS.optimizer);
  return { featureSpace, optimizer, normalization };
}

function resolveOptimizer(input: OptimizerName | OptimizerOptionsInput): OptimizerOptions {
  const spec: OptimizerOptionsInput = typeof input === 'string' ? { name: input } : input;
  if (typeof spec !== 'object' || spec === null) {
    throw new OptionError('optimizer', spec, '"sgd", "adagrad", "ftrl" or {name, ...hyperparameters}');
  }
  const name = spec.name;
  if (name !== 'sgd' && name !== 'adagrad' && name !== 'ftrl') {
    throw new OptionError('optimizer.name', name, '"sgd", "adagrad" or "ftrl"');
  }
  for (const key of Object.keys(spec)) {
    if (!OPTIMIZER_KEYS[name].includes(key)) {
      throw new OptionError(`optimizer.${key}`, (spec as unknown as Record<string, unknown>)[key], `no such hyperparameter for ${name} (${OPTIMIZER_KEYS[name].join(', ')})`);
    }
  }
  const defaults = DEFAULT_OPTIMIZER_OPTIONS[name];
  const l1 = nonNegative(spec.l1 ?? defaults.l1, 'optimizer.l1');
  const l2 = nonNegative(spec.l2 ?? defaults.l2, 'optimizer.l2');
  if (name === 'ftrl') {
    const d = DEFAULT_OPTIMIZER_OPTIONS.ftrl;
    const learningRate = spec.learningRate ?? d.learningRate;
    if (typeof learningRate !== 'number' || !(learningRate > 0) || learningRate === Infinity) {
      throw new OptionError('optimizer.learningRate', learningRate, 'a finite number > 0 (FTRL α; FTRL takes no schedule)');
    }
    const beta = nonNegative(spec.beta ?? d.beta, 'optimizer.beta');
    const widthExponent = nonNegative(spec.widthExponent ?? d.widthExponent, 'optimizer.widthExponent');
    const adaptiveL1 = nonNegative(spec.adaptiveL1 ?? d.adaptiveL1, 'optimizer.adaptiveL1');
    return { name, learningRate, beta, l1, l2, adaptiveL1, widthExponent };
  }
  const learningRate = validateSchedule(spec.learningRate ?? defaults.learningRate, 'optimizer.learningRate');
  // The decay factor 1 − η_t·λ2 must stay positive, or weights would flip sign (η_t ≤ η_1).
  if (l2 > 0 && makeSchedule(learningRate).maxRate * l2 >= 1) {
    throw new OptionError('optimizer.l2', l2, `l2 · learningRate < 1 (learning rate at step 1 is ${makeSchedule(learningRate).maxRate})`);
  }
  if (name === 'sgd') return { name, learningRate, l1, l2 };
  const initialAccumulator = nonNegative(spec.initialAccumulator ?? DEFAULT_OPTIMIZER_OPTIONS.adagrad.initialAccumulator, 'optimizer.initialAccumulator');
  return { name, learningRate, l1, l2, initialAccumulator };
}

function nonNegative(value: unknown, path: string): number {
  if (typeof value !== 'number' || !(value >= 0) || value === Infinity) {
    throw new OptionError(path, value, 'a finite number ≥ 0');
  }
  return value;
}
