import {
  DEFAULT_LEARNER_OPTIONS,
  DEFAULT_OPTIMIZER_OPTIONS,
  MAX_FEATURE_BITS,
  OptionError,
  resolveLearnerOptions,
  type LearnerOptions,
  type Normalization,
  type OptimizerName,
  type OptimizerOptionsInput,
  type ScheduleSpec,
} from '@streamlr/model';
import { SettingsError, type SettingSpecs, type Settings } from './settings.js';

/**
 * The learner flags, in one place: `streamlr train`, `replay` and the trainer service take the
 * same flags (and STREAMLR_* variables) and map them to @streamlr/model's LearnerOptions here.
 * No flag has a default of its own: what is not given is the model's default, so a run without
 * learner flags uses exactly DEFAULT_LEARNER_OPTIONS.
 */

const d = DEFAULT_OPTIMIZER_OPTIONS;
/** The model's Normalization values (a type only there): the compiler checks this list against it. */
const NORMALIZATIONS = ['standard', 'rms', 'none'] as const satisfies readonly Normalization[];
const describeRate = (spec: ScheduleSpec): string =>
  typeof spec === 'number' ? `${spec}` : spec.kind === 'constant' ? `${spec.eta}` : `${spec.eta0}/t^${spec.power}`;

export const LEARNER_SETTINGS = {
  optimizer: {
    type: 'string',
    choices: ['sgd', 'adagrad', 'ftrl'],
    group: 'Learner',
    help: `optimizer (default ${DEFAULT_LEARNER_OPTIONS.optimizer.name}: FTRL-Proximal, McMahan et al. 2013)`,
  },
  lr: {
    type: 'number',
    min: 0,
    minExclusive: true,
    group: 'Learner',
    help: `learning rate: FTRL α, or η (η0 of a schedule) for sgd/adagrad (defaults: ftrl ${d.ftrl.learningRate}, sgd ${describeRate(d.sgd.learningRate)}, adagrad ${describeRate(d.adagrad.learningRate)})`,
  },
  schedule: {
    type: 'string',
    choices: ['constant', 'inverse-scaling'],
    group: 'Learner',
    help: 'sgd/adagrad learning-rate schedule: η, or η0/t^power (defaults: sgd inverse-scaling, adagrad constant)',
  },
  power: { type: 'number', min: 0, max: 1, group: 'Learner', help: 'exponent of the inverse-scaling schedule (default 0.5)' },
  l1: { type: 'number', min: 0, group: 'Learner', help: `L1 strength λ1, exact zeros (default ${DEFAULT_LEARNER_OPTIONS.optimizer.l1}; ftrl ${d.ftrl.l1})` },
  l2: { type: 'number', min: 0, group: 'Learner', help: `L2 strength λ2 (defaults: ftrl ${d.ftrl.l2}, sgd ${d.sgd.l2}, adagrad ${d.adagrad.l2})` },
  beta: { type: 'number', min: 0, group: 'Learner', help: `ftrl only: β of the per-coordinate rate α/(β+√n) (default ${d.ftrl.beta})` },
  widthExponent: {
    type: 'number',
    min: 0,
    group: 'Learner',
    help: `ftrl only: e in n_j += g²·(nnz+1)^e, smaller steps on wide samples; 0 is plain FTRL (default ${d.ftrl.widthExponent})`,
  },
  adaptiveL1: {
    type: 'number',
    min: 0,
    group: 'Learner',
    help: `ftrl only: κ, adaptive L1: a coordinate stays at exactly 0 while |z_j| ≤ λ1 + κ·√n_j (default ${d.ftrl.adaptiveL1})`,
  },
  initialAccumulator: { type: 'number', min: 0, group: 'Learner', help: `adagrad only: G0 added to each accumulator (default ${d.adagrad.initialAccumulator})` },
  bits: { type: 'integer', min: 1, max: MAX_FEATURE_BITS, group: 'Learner', help: `feature hashing: 2^bits weight slots (default ${DEFAULT_LEARNER_OPTIONS.featureSpace.bits})` },
  seed: { type: 'integer', min: 0, max: 0xffffffff, group: 'Learner', help: `feature hashing seed (default ${DEFAULT_LEARNER_OPTIONS.featureSpace.seed})` },
  normalization: {
    type: 'string',
    choices: NORMALIZATIONS,
    group: 'Learner',
    help: `online per-slot scaling of numeric features: standard (centred), rms, or none for pre-scaled data (default ${DEFAULT_LEARNER_OPTIONS.normalization})`,
  },
} as const satisfies SettingSpecs;

export type LearnerSettings = Settings<typeof LEARNER_SETTINGS>;

/** Which flag sets each option path `resolveLearnerOptions` names in its errors. */
const FLAG_OF: Readonly<Record<string, keyof typeof LEARNER_SETTINGS>> = {
  'optimizer.name': 'optimizer',
  'optimizer.learningRate': 'lr',
  'optimizer.l1': 'l1',
  'optimizer.l2': 'l2',
  'optimizer.beta': 'beta',
  'optimizer.widthExponent': 'widthExponent',
  'optimizer.adaptiveL1': 'adaptiveL1',
  'optimizer.initialAccumulator': 'initialAccumulator',
  'featureSpace.bits': 'bits',
  'featureSpace.seed': 'seed',
  normalization: 'normalization',
};

const flag = (key: string): string => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/**
 * Learner flags → validated LearnerOptions. A flag that does not apply to the chosen optimizer,
 * or a combination the model refuses (e.g. l2·η ≥ 1), is a SettingsError naming the flag.
 */
export function learnerOptionsFrom(values: LearnerSettings): LearnerOptions {
  const name: OptimizerName = (values.optimizer as OptimizerName | undefined) ?? DEFAULT_LEARNER_OPTIONS.optimizer.name;
  const only = (key: 'beta' | 'widthExponent' | 'adaptiveL1' | 'initialAccumulator' | 'schedule' | 'power', allowed: readonly OptimizerName[]): void => {
    if (values[key] !== undefined && !allowed.includes(name)) {
      throw new SettingsError(`${flag(key)}: applies to ${allowed.join('/')} only, not ${name}`, key);
    }
  };
  only('beta', ['ftrl']);
  only('widthExponent', ['ftrl']);
  only('adaptiveL1', ['ftrl']);
  only('initialAccumulator', ['adagrad']);
  only('schedule', ['sgd', 'adagrad']);
  only('power', ['sgd', 'adagrad']);

  const optimizer: { -readonly [K in keyof OptimizerOptionsInput]: OptimizerOptionsInput[K] } = { name };
  const rate = learningRate(name, values);
  if (rate !== undefined) optimizer.learningRate = rate;
  if (values.l1 !== undefined) optimizer.l1 = values.l1;
  if (values.l2 !== undefined) optimizer.l2 = values.l2;
  if (values.beta !== undefined) optimizer.beta = values.beta;
  if (values.widthExponent !== undefined) optimizer.widthExponent = values.widthExponent;
  if (values.adaptiveL1 !== undefined) optimizer.adaptiveL1 = values.adaptiveL1;
  if (values.initialAccumulator !== undefined) optimizer.initialAccumulator = values.initialAccumulator;
  try {
    return resolveLearnerOptions({
      optimizer,
      featureSpace: {
        ...(values.bits === undefined ? {} : { bits: values.bits }),
        ...(values.seed === undefined ? {} : { seed: values.seed }),
      },
      ...(values.normalization === undefined ? {} : { normalization: values.normalization as Normalization }),
    });
  } catch (error) {
    if (!(error instanceof OptionError)) throw error;
    const key = FLAG_OF[error.option];
    throw new SettingsError(key === undefined ? error.message : `${flag(key)}: ${error.message}`, key ?? error.option);
  }
}

/**
 * --lr replaces the rate of the optimizer's default schedule, keeping its shape (sgd: η0/√t with
 * η0 = lr); --schedule and --power change the shape.
 */
function learningRate(name: OptimizerName, values: LearnerSettings): ScheduleSpec | undefined {
  if (name === 'ftrl') return values.lr;
  if (values.lr === undefined && values.schedule === undefined && values.power === undefined) return undefined;
  const base = DEFAULT_OPTIMIZER_OPTIONS[name].learningRate;
  const baseRate = typeof base === 'number' ? base : base.kind === 'constant' ? base.eta : base.eta0;
  const basePower = typeof base === 'object' && base.kind === 'inverse-scaling' ? base.power : 0.5;
  const rate = values.lr ?? baseRate;
  const kind = values.schedule ?? (values.power !== undefined ? 'inverse-scaling' : typeof base === 'number' ? 'constant' : base.kind);
  if (kind === 'constant') {
    if (values.power !== undefined) throw new SettingsError('--power: applies to --schedule inverse-scaling only', 'power');
    return rate;
  }
  return { kind: 'inverse-scaling', eta0: rate, power: values.power ?? basePower };
}

/** The flags that reproduce `options` (for logs and `model inspect`). */
export function describeLearnerOptions(options: LearnerOptions): string {
  const o = options.optimizer;
  const parts = [`optimizer=${o.name}`];
  if (o.name === 'ftrl') parts.push(`alpha=${o.learningRate}`, `beta=${o.beta}`, `width-exponent=${o.widthExponent}`, `adaptive-l1=${o.adaptiveL1}`);
  else parts.push(`lr=${describeRate(o.learningRate)}`);
  if (o.name === 'adagrad') parts.push(`G0=${o.initialAccumulator}`);
  parts.push(`l1=${o.l1}`, `l2=${o.l2}`, `bits=${options.featureSpace.bits}`, `seed=${options.featureSpace.seed}`, `normalization=${options.normalization}`);
  return parts.join(' ');
}
