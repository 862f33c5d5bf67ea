import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { flagName, type SettingSpecs } from '@streamlr/stream';
import { EVALUATE_SETTINGS } from '../src/commands/evaluate.js';
import { MODEL_SETTINGS } from '../src/commands/model.js';
import { PRODUCE_SETTINGS } from '../src/commands/produce.js';
import { REPLAY_SETTINGS } from '../src/commands/replay.js';
import { TRAIN_SETTINGS } from '../src/commands/train.js';
import { cli } from './helpers.js';

const COMMANDS: readonly [string, SettingSpecs][] = [
  ['train', TRAIN_SETTINGS],
  ['evaluate', EVALUATE_SETTINGS],
  ['produce', PRODUCE_SETTINGS],
  ['replay', REPLAY_SETTINGS],
  ['model', MODEL_SETTINGS],
];

describe('--help', () => {
  it('lists the commands', async () => {
    const result = await cli(['--help']);
    assert.equal(result.code, 0);
    for (const [name] of COMMANDS) assert.match(result.stdout, new RegExp(`^  ${name} +\\S`, 'm'));
  });

  for (const [name, specs] of COMMANDS) {
    it(`${name} --help documents every flag, its variable, and examples`, async () => {
      const result = await cli([name, '--help']);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, new RegExp(`^Usage: streamlr ${name} `));
      assert.match(result.stdout, /\nExamples:\n {2}# .+\n {2}streamlr /);
      for (const key of Object.keys(specs)) assert.match(result.stdout, new RegExp(`--${flagName(key)}\\b`), `--${flagName(key)}`);
      assert.match(result.stdout, /\[KAFKA_BROKERS\]|\[REDIS_URL\]|\[STREAMLR_DATA\]/);
    });
  }

  it('every listed command has --help with usage and examples', async () => {
    const listed = (await cli(['--help'])).stdout.split('\n').map((l) => /^  ([a-z]+) {2,}\S/.exec(l)?.[1]).filter((n): n is string => n !== undefined);
    for (const name of ['demo', 'train', 'evaluate', 'produce', 'replay', 'model', 'trainer', 'scorer']) assert.ok(listed.includes(name), name);
    for (const name of listed) {
      const result = await cli([name, '--help']);
      assert.equal(result.code, 0, `${name}: ${result.stderr}`);
      assert.match(result.stdout, new RegExp(`^Usage: streamlr ${name}`, 'm'), name);
      assert.match(result.stdout, /^Examples:/m, name);
    }
  });
});
