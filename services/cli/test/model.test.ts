/**
 * `streamlr model list|inspect|rollback|export|import` as child processes against the real Redis
 * (REDIS_URL, default redis://127.0.0.1:6379). Unique model names, deleted afterwards.
 */
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decodeCheckpoint } from '@streamlr/model';
import { RedisModelStore } from '@streamlr/store';
import { readModelFile } from '../src/model-file.js';
import { cli, REDIS_URL, tempDir, unique } from './helpers.js';

describe('streamlr model on real Redis', () => {
  const dir = tempDir();
  const store = new RedisModelStore({ url: REDIS_URL });
  const models: string[] = [];
  const name = (): string => {
    const m = unique('cli-model');
    models.push(m);
    return m;
  };
  const data = join(dir, 'clicks.jsonl');
  const first = join(dir, 'first.bin');
  const second = join(dir, 'second.bin');

  before(async () => {
    const rows: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const country = ['US', 'FR', 'DE', 'JP'][i % 4]!;
      // Clicks depend on the country: FR mostly clicks, JP mostly not, so their weights are the largest.
      const j = Math.floor(i / 4);
      const label = country === 'FR' ? (j % 10 < 9 ? 1 : 0) : country === 'JP' ? (j % 10 < 1 ? 1 : 0) : j % 2;
      rows.push(JSON.stringify({ label, features: { country, hour: j % 24 } }));
    }
    writeFileSync(data, `${rows.join('\n')}\n`);
    for (const [out, args] of [[first, []], [second, ['--epochs', '2']]] as const) {
      const trained = await cli(['train', '--data', data, '--out', out, '--bits', '12', ...args]);
      assert.equal(trained.code, 0, trained.stderr);
    }
  });

  after(async () => {
    for (const m of models) await store.deleteModel(m);
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('imports model files as new versions, lists and inspects them, rolls back, exports', async () => {
    const model = name();
    const one = await cli(['model', 'import', '--model', model, '--in', first]);
    assert.equal(one.code, 0, one.stderr);
    assert.match(one.stdout, new RegExp(`^imported first\\.bin \\(first v1, 3,000 samples\\) as ${model} v1 \\(previous latest -, writer epoch 1\\)`));
    const two = await cli(['model', 'import', '--model', model, '--in', second], { REDIS_URL });
    assert.equal(two.code, 0, two.stderr);
    assert.match(two.stdout, / as \S+ v2 \(previous latest v1, writer epoch 2\)/);

    const listed = await cli(['model', 'list', '--model', model]);
    assert.equal(listed.code, 0, listed.stderr);
    const lines = listed.stdout.trim().split('\n');
    assert.match(lines[0]!, /2 versions kept, latest 2/);
    assert.match(lines[2]!, /^\* 2 +\S+Z +6,000 +0\.\d{4}/);
    assert.match(lines[3]!, /^ {2}1 +\S+Z +3,000 /);
    const json = JSON.parse((await cli(['model', 'list', '--model', model, '--json'])).stdout) as { latest: number; versions: { version: number; samplesSeen: number }[] };
    assert.equal(json.latest, 2);
    assert.deepEqual(json.versions.map((v) => [v.version, v.samplesSeen]), [[2, 6000], [1, 3000]]);

    // The blobs were re-encoded under the store's name and version, with the same learner state.
    const stored = decodeCheckpoint((await store.getCheckpoint(model, 2)).data);
    assert.equal(stored.header.model, model);
    assert.equal(stored.header.version, 2);
    const original = decodeCheckpoint((await readModelFile(second)).checkpoint);
    assert.deepEqual(stored.learner.rawWeights(), original.learner.rawWeights());
    assert.equal(stored.learner.bias, original.learner.bias);

    const inspected = await cli(['model', 'inspect', '--model', model, '--top', '2']);
    assert.equal(inspected.code, 0, inspected.stderr);
    assert.match(inspected.stdout, new RegExp(`^model ${model} v2 \\(latest\\)\\n`));
    assert.match(inspected.stdout, /learner +optimizer=ftrl alpha=0\.8 beta=0\.3 width-exponent=0\.9 adaptive-l1=0\.12 l1=0 l2=1 bits=12 seed=0 normalization=standard/);
    assert.match(inspected.stdout, /samples seen +6,000 \(6,000 steps\)/);
    assert.match(inspected.stdout, /top 2 weights by magnitude:\n +[+-]\d\.\d+ +country=(FR|JP) +\(slot \d+\)\n +[+-]\d\.\d+ +country=(FR|JP) /);
    const view = JSON.parse((await cli(['model', 'inspect', '--model', model, '--version', '1', '--json', '--top', '4'])).stdout) as {
      header: { version: number; extra: Record<string, unknown> };
      top: { name: string | null; weight: number }[];
      weights: { nonzero: number };
    };
    assert.equal(view.header.version, 1);
    assert.equal(view.header.extra['featureNames'], undefined, 'the name dictionary is shown as names, not dumped');
    assert.deepEqual(view.top.slice(0, 2).map((t) => t.name).sort(), ['country=FR', 'country=JP']);
    assert.ok(view.top[0]!.weight < 0 === (view.top[0]!.name === 'country=JP'));

    const epochBefore = await store.currentEpoch(model);
    const rolled = await cli(['model', 'rollback', '--model', model, '--version', '1']);
    assert.equal(rolled.code, 0, rolled.stderr);
    assert.match(rolled.stdout, /latest is now v1 \(was v2\)/);
    assert.equal(await store.latestVersion(model), 1);
    assert.ok((await store.currentEpoch(model)) > epochBefore, 'the writer is fenced');

    const out = join(dir, 'exported.bin');
    const exported = await cli(['model', 'export', '--model', model, '--version', '2', '--out', out]);
    assert.equal(exported.code, 0, exported.stderr);
    assert.match(exported.stdout, new RegExp(`^exported ${model} v2 to .*exported\\.bin \\([\\d.]+ KiB; 6,000 samples\\)`));
    const file = await readModelFile(out);
    assert.deepEqual(Buffer.from(file.checkpoint), (await store.getCheckpoint(model, 2)).data);
    assert.deepEqual(Buffer.from(file.serving), (await store.getServing(model, 2)).data);
    assert.equal(file.meta.version, 2);
    assert.equal(file.meta.epoch, 2);
    const evaluated = await cli(['evaluate', '--model', out, '--data', data, '--json']);
    assert.equal(evaluated.code, 0, evaluated.stderr);
    assert.equal((JSON.parse(evaluated.stdout) as { n: number }).n, 3000);

    // Exported then imported: a new version above every kept one, latest again.
    const again = await cli(['model', 'import', '--model', model, '--in', out]);
    assert.match(again.stdout, / as \S+ v3 \(previous latest v1, /);
    assert.equal(await store.latestVersion(model), 3);
    const file3 = await cli(['model', 'inspect', '--in', out, '--top', '0']);
    assert.match(file3.stdout, new RegExp(`^model file exported\\.bin: ${model} v2\\n`));
  });

  it('bad input gives one line and a non-zero exit', async () => {
    const model = name();
    for (const [args, pattern, code] of [
      [['model'], /^streamlr model: expected an action: list, inspect, rollback, export, import$/, 2],
      [['model', 'drop', '--model', model], /^streamlr model: expected an action: .*, got 'drop'$/, 2],
      [['model', 'list'], /^streamlr model: --model \(STREAMLR_MODEL\): required$/, 2],
      [['model', 'list', '--model', 'a b'], /^streamlr model: --model: 'a b' is not a model name/, 2],
      [['model', 'list', '--model', model], new RegExp(`^streamlr model: model '${model}' has no published version$`), 1],
      [['model', 'rollback', '--model', model], /^streamlr model: --version \(STREAMLR_VERSION\): required for rollback$/, 2],
      [['model', 'rollback', '--model', model, '--version', '9'], /^streamlr model: .*version 9/, 1],
      [['model', 'export', '--model', model], /^streamlr model: --out \(STREAMLR_OUT\): required for export$/, 2],
      [['model', 'import', '--model', model, '--in', join(dir, 'missing.bin')], /^streamlr model: .*missing\.bin: cannot read: ENOENT/, 1],
      [['model', 'import', '--model', model, '--in', data], /^streamlr model: .*clicks\.jsonl: not a streamlr model file$/, 1],
      [['model', 'list', '--model', model, '--redis', 'http://x'], /^streamlr model: --redis \(REDIS_URL\): scheme must be redis:\/\/ or rediss:\/\//, 2],
      [['model', 'list', '--model', model, '--redis', 'redis://127.0.0.1:1'], /^streamlr model: Redis at redis:\/\/127.0.0.1:1 is unreachable/, 1],
    ] as const) {
      const result = await cli(args);
      assert.equal(result.code, code, `${args.join(' ')}: ${result.stderr}`);
      assert.equal(result.stderr.trim().split('\n').length, 1, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr.trim(), pattern);
    }
    assert.equal(await store.latestVersion(model), null, 'nothing was written');
  });
});
