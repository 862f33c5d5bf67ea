import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_LEARNER_OPTIONS, DEFAULT_OPTIMIZER_OPTIONS } from '@streamlr/model';
import { parseSettings, SettingsError } from '@streamlr/stream';
import { describeLearnerOptions, LEARNER_SETTINGS, learnerOptionsFrom } from '../src/index.js';

const options = (argv: string[], env: Record<string, string> = {}) => learnerOptionsFrom(parseSettings(LEARNER_SETTINGS, argv, env).values);

describe('learner flags → LearnerOptions', () => {
  it('no flags give exactly DEFAULT_LEARNER_OPTIONS', () => {
    assert.deepEqual(options([]), DEFAULT_LEARNER_OPTIONS);
  });

  it('maps each flag to its option, with STREAMLR_* fallbacks', () => {
    assert.deepEqual(options(['--optimizer', 'ftrl', '--lr', '0.1', '--beta', '1', '--width-exponent', '0', '--adaptive-l1', '0', '--l1', '0.5', '--l2', '2', '--bits', '18', '--seed', '7', '--normalization', 'none']), {
      featureSpace: { bits: 18, seed: 7 },
      optimizer: { name: 'ftrl', learningRate: 0.1, beta: 1, widthExponent: 0, adaptiveL1: 0, l1: 0.5, l2: 2 },
      normalization: 'none',
    });
    assert.deepEqual(options([], { STREAMLR_OPTIMIZER: 'adagrad', STREAMLR_INITIAL_ACCUMULATOR: '1' }).optimizer, {
      name: 'adagrad',
      learningRate: DEFAULT_OPTIMIZER_OPTIONS.adagrad.learningRate,
      l1: 0,
      l2: 0,
      initialAccumulator: 1,
    });
    assert.deepEqual(options(['--bits', '12'], { STREAMLR_BITS: '16' }).featureSpace.bits, 12);
    assert.deepEqual(options([], { STREAMLR_WIDTH_EXPONENT: '1' }).optimizer, { ...DEFAULT_OPTIMIZER_OPTIONS.ftrl, widthExponent: 1 });
    assert.deepEqual(options([], { STREAMLR_ADAPTIVE_L1: '0.3' }).optimizer, { ...DEFAULT_OPTIMIZER_OPTIONS.ftrl, adaptiveL1: 0.3 });
  });

  it('--lr keeps the shape of the optimizer\'s default schedule; --schedule and --power change it', () => {
    assert.deepEqual(options(['--optimizer', 'sgd', '--lr', '0.05']).optimizer.learningRate, { kind: 'inverse-scaling', eta0: 0.05, power: 0.5 });
    assert.deepEqual(options(['--optimizer', 'sgd', '--lr', '0.05', '--schedule', 'constant']).optimizer.learningRate, 0.05);
    assert.deepEqual(options(['--optimizer', 'adagrad', '--power', '0.25']).optimizer.learningRate, { kind: 'inverse-scaling', eta0: DEFAULT_OPTIMIZER_OPTIONS.adagrad.learningRate, power: 0.25 });
  });

  it('a flag that does not apply, or a combination the model refuses, names the flag', () => {
    const refuses = (argv: string[], pattern: RegExp) =>
      assert.throws(() => options(argv), (e: unknown) => e instanceof SettingsError && pattern.test(e.message));
    refuses(['--optimizer', 'sgd', '--beta', '1'], /^--beta: applies to ftrl only, not sgd$/);
    refuses(['--optimizer', 'adagrad', '--width-exponent', '1'], /^--width-exponent: applies to ftrl only, not adagrad$/);
    refuses(['--optimizer', 'sgd', '--adaptive-l1', '0.1'], /^--adaptive-l1: applies to ftrl only, not sgd$/);
    refuses(['--initial-accumulator', '1'], /^--initial-accumulator: applies to adagrad only, not ftrl$/);
    refuses(['--schedule', 'constant'], /^--schedule: applies to sgd\/adagrad only/);
    refuses(['--optimizer', 'sgd', '--schedule', 'constant', '--power', '0.5'], /^--power: applies to --schedule inverse-scaling only$/);
    refuses(['--optimizer', 'sgd', '--lr', '0.5', '--l2', '4'], /^--l2: invalid option optimizer\.l2: 4 \(expected l2 · learningRate < 1/);
    assert.throws(() => parseSettings(LEARNER_SETTINGS, ['--bits', '40'], {}), /--bits \(STREAMLR_BITS\): must be ≤ 28, got 40/);
    assert.throws(() => parseSettings(LEARNER_SETTINGS, ['--optimizer', 'adam'], {}), /must be one of sgd, adagrad, ftrl/);
  });

  it('describes options as the flags that give them', () => {
    assert.equal(describeLearnerOptions(DEFAULT_LEARNER_OPTIONS), 'optimizer=ftrl alpha=0.8 beta=0.3 width-exponent=0.9 adaptive-l1=0.12 l1=0 l2=1 bits=20 seed=0 normalization=standard');
  });
});
