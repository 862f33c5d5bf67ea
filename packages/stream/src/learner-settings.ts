import { DEFAULT_LEARNER_OPTIONS, type LearnerOptionsInput, type OptimizerOptionsInput } from '@streamlr/model';
import { SettingsError, type SettingSpecs, type Settings } from './settings.js';

/**
 * Learner hyperparameters, shared by `streamlr train`, `trainer`, `replay` and `demo`. With none
 * given, every command uses exactly the model package's DEFAULT_LEARNER_OPTIONS.
 */
export const LEARNER_SETTINGS = {
  optimizer: { type: 'string', choices: ['sgd', 'adagrad', 'ftrl'], help: `optimizer (default ${DEFAULT_LEARNER_OPTIONS.optimizer.name})`, group: 'Learner' },
  lr: { type: 'number', min: 0, minExclusive: true, help: 'learning rate (FTRL: alpha; SGD: eta0)', group: 'Learner' },
  power: { type: 'number', min: 0, max: 1, help: 'SGD inverse-scaling exponent: eta_t = lr / t^power (0 = constant)', group: 'Learner' },
  beta: { type: 'number', min: 0, help: 'FTRL beta', group: 'Learner' },
  l1: { type: 'number', min: 0, help: 'L1 strength (lambda1): exact zeros', group: 'Learner' },
  l2: { type: 'number', min: 0, help: 'L2 strength (lambda2)', group: 'Learner' },
  bits: { type: 'integer', min: 1, max: 28, help: `hash bits: 2^bits weight slots (default ${DEFAULT_LEARNER_OPTIONS.featureSpace.bits})`, group: 'Learner' },
  normalize: { type: 'string', choices: ['rms', 'none'], help: `per-feature scale normalization (default ${DEFAULT_LEARNER_OPTIONS.normalization})`, group: 'Learner' },
} as const satisfies SettingSpecs;

export function learnerOptions(values: Settings<typeof LEARNER_SETTINGS>): LearnerOptionsInput {
  const name = (values.optimizer ?? DEFAULT_LEARNER_OPTIONS.optimizer.name) as OptimizerOptionsInput['name'];
  if (values.beta !== undefined && name !== 'ftrl') throw new SettingsError(`--beta (STREAMLR_BETA): only for --optimizer ftrl, not ${name}`, 'beta');
  if (values.power !== undefined && name !== 'sgd') throw new SettingsError(`--power (STREAMLR_POWER): only for --optimizer sgd, not ${name}`, 'power');
  const optimizer: { -readonly [K in keyof OptimizerOptionsInput]: OptimizerOptionsInput[K] } = { name };
  if (values.lr !== undefined) {
    optimizer.learningRate = name === 'sgd' && values.power !== undefined ? { kind: 'inverse-scaling', eta0: values.lr, power: values.power } : values.lr;
  } else if (values.power !== undefined) {
    const base = DEFAULT_LEARNER_OPTIONS.optimizer.name === 'sgd' ? DEFAULT_LEARNER_OPTIONS.optimizer.learningRate : 0.1;
    const eta0 = typeof base === 'number' ? base : base.kind === 'constant' ? base.eta : base.eta0;
    optimizer.learningRate = { kind: 'inverse-scaling', eta0, power: values.power };
  }
  if (values.beta !== undefined) optimizer.beta = values.beta;
  if (values.l1 !== undefined) optimizer.l1 = values.l1;
  if (values.l2 !== undefined) optimizer.l2 = values.l2;
  const given = values.optimizer !== undefined || Object.keys(optimizer).length > 1;
  return {
    ...(given ? { optimizer } : {}),
    ...(values.bits === undefined ? {} : { featureSpace: { bits: values.bits } }),
    ...(values.normalize === undefined ? {} : { normalization: values.normalize as 'rms' | 'none' }),
  };
}
