/**
 * Learning-rate schedules η_t, t = 1, 2, ... the optimizer step number.
 *
 * - constant:          η_t = η
 * - inverse scaling:   η_t = η0 / t^power   (scikit-learn's `invscaling`; power 0.5 is the
 *                      classic 1/√t rate of online gradient descent, Zinkevich 2003)
 *
 * A plain number where a schedule is expected means a constant schedule (as in River).
 */
import { OptionError } from './errors.js';

export interface ConstantScheduleSpec {
  readonly kind: 'constant';
  /** The rate, > 0. */
  readonly eta: number;
}

export interface InverseScalingScheduleSpec {
  readonly kind: 'inverse-scaling';
  /** Rate at t = 1, > 0. */
  readonly eta0: number;
  /** Decay exponent, 0 ≤ power ≤ 1 (0 = constant). */
  readonly power: number;
}

/** JSON-serialisable description of a schedule, or a number for a constant rate. */
export type ScheduleSpec = number | ConstantScheduleSpec | InverseScalingScheduleSpec;

/** A learning-rate schedule: the rate of step t (t ≥ 1). */
export interface LearningRateSchedule {
  rate(t: number): number;
  /** Largest rate the schedule can return (its rate at t = 1). Used to validate l2·η < 1. */
  readonly maxRate: number;
  readonly spec: ConstantScheduleSpec | InverseScalingScheduleSpec;
}

export class ConstantSchedule implements LearningRateSchedule {
  readonly spec: ConstantScheduleSpec;
  readonly maxRate: number;

  constructor(readonly eta: number) {
    this.spec = { kind: 'constant', eta };
    this.maxRate = eta;
  }

  rate(_t: number): number {
    return this.eta;
  }
}

export class InverseScalingSchedule implements LearningRateSchedule {
  readonly spec: InverseScalingScheduleSpec;
  readonly maxRate: number;

  constructor(readonly eta0: number, readonly power: number) {
    this.spec = { kind: 'inverse-scaling', eta0, power };
    this.maxRate = eta0;
  }

  rate(t: number): number {
    // t^0.5 is common enough to deserve the exact and faster sqrt.
    return this.power === 0.5 ? this.eta0 / Math.sqrt(t) : this.eta0 / Math.pow(t, this.power);
  }
}

/** Validates a schedule spec; errors name `path` (e.g. `optimizer.learningRate`). */
export function validateSchedule(spec: ScheduleSpec, path: string): ScheduleSpec {
  if (typeof spec === 'number') {
    requirePositive(spec, path);
    return spec;
  }
  if (typeof spec !== 'object' || spec === null) {
    throw new OptionError(path, spec, 'a positive number or {kind: "constant"|"inverse-scaling", ...}');
  }
  if (spec.kind === 'constant') {
    requirePositive(spec.eta, `${path}.eta`);
    return { kind: 'constant', eta: spec.eta };
  }
  if (spec.kind === 'inverse-scaling') {
    requirePositive(spec.eta0, `${path}.eta0`);
    if (typeof spec.power !== 'number' || !(spec.power >= 0 && spec.power <= 1)) {
      throw new OptionError(`${path}.power`, spec.power, 'a number in [0, 1]');
    }
    return { kind: 'inverse-scaling', eta0: spec.eta0, power: spec.power };
  }
  throw new OptionError(`${path}.kind`, (spec as { kind?: unknown }).kind, '"constant" or "inverse-scaling"');
}

/** Builds the schedule for a (validated) spec. */
export function makeSchedule(spec: ScheduleSpec): LearningRateSchedule {
  if (typeof spec === 'number') return new ConstantSchedule(spec);
  if (spec.kind === 'constant') return new ConstantSchedule(spec.eta);
  return new InverseScalingSchedule(spec.eta0, spec.power);
}

function requirePositive(value: unknown, path: string): void {
  if (typeof value !== 'number' || !(value > 0) || value === Infinity) {
    throw new OptionError(path, value, 'a finite number > 0');
  }
}
