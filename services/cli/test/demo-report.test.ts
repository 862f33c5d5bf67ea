import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { servingText, shellQuote, summaryText } from '../src/demo/report.js';

describe('demo report', () => {
  it('the curl example survives a shell, whatever the features hold', () => {
    const features = { title: "L'Atalante", genres: 'Drama|Romance', note: 'a "quoted" $HOME `x` \\ y', year: 1934 };
    const text = servingText('http://127.0.0.1:8080', { features });
    const command = /^ {2}(curl -s -X POST .*)$/m.exec(text)![1]!;
    const body = /-d ('.*')$/.exec(command)![1]!;
    assert.equal(execFileSync('sh', ['-c', `printf %s ${body}`], { encoding: 'utf8' }), JSON.stringify({ features }));
    assert.equal(shellQuote("it's"), `'it'\\''s'`);
  });

  it('the summary names every figure and shows n/a where there is none (one class only: no AUC)', () => {
    const text = summaryText({
      data: 'data/movielens.csv',
      learned: 80_003,
      trainSeconds: 2,
      progressive: { logloss: 0.5625, accuracy: 0.7086, auc: 0.7812, n: 10_000 },
      heldOut: { logloss: 0.5631, accuracy: 0.7078, auc: Number.NaN, n: 20_001 },
      heldOutVersions: new Set([5]),
      weights: { nonzero: 9_868, slots: 1_048_576, sparsity: 0.99059 },
      versions: 5,
      finalVersion: 5,
      learner: 'optimizer=ftrl',
      badRows: '',
    });
    assert.match(text, /^ {2}progressive +10,000 +0\.5625 +0\.7086 +0\.7812 /m);
    assert.match(text, /^ {2}held-out +20,001 +0\.5631 +0\.7078 +n\/a +scorer: .* version 5$/m);
    assert.match(text, /^ {2}samples +80,003 learned \(first 80% of rows of data\/movielens\.csv\)$/m);
    assert.match(text, /^ {2}weights +9,868 non-zero of 1,048,576 \(sparsity 0\.9906\)$/m);
    assert.match(text, /^ {2}throughput +40\.0k samples\/s \(80,003 in 2\.0 s\)$/m);
    assert.match(text, /^ {2}versions +5 published, scorer serving version 5$/m);
  });
});
