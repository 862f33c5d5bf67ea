// The datasets of the peer benchmark: the same files for every system, train = the first rows
// (80% for the real datasets, as their README prescribes; 1,000,000 for the synthetic stream),
// held out = the rest, in file order.
import { createReadStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureSynthetic, SYNTHETIC } from './synthetic.mjs';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const WORK = join(ROOT, 'bench/.work');

/** Repository copies, in order of preference (data/ is where the demo keeps its datasets). */
const CANDIDATES = {
  movielens: ['data/movielens.csv', 'test/data/movielens.csv'],
  spam: ['data/spam.csv', 'packages/model/test/fixtures/spam.csv'],
};

function locate(name) {
  for (const relative of CANDIDATES[name]) {
    const path = join(ROOT, relative);
    if (existsSync(path)) return { path, relative };
  }
  throw new Error(`bench: no copy of ${name}.csv in the repository (looked for ${CANDIDATES[name].join(', ')})`);
}

async function countRows(path) {
  let lines = 0;
  let last = 10;
  for await (const chunk of createReadStream(path)) {
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
    last = chunk[chunk.length - 1];
  }
  return (last === 10 ? lines : lines + 1) - 1;
}

/** Resolves every dataset (generating the synthetic one on first use). */
export async function datasets(log = () => undefined) {
  const out = [];
  for (const name of ['movielens', 'spam']) {
    const { path, relative } = locate(name);
    const rows = await countRows(path);
    out.push({ name, path, relative, label: 'label', rows, train: Math.floor(rows * 0.8) });
  }
  const meta = await ensureSynthetic(WORK, log);
  out.push({
    name: 'synthetic',
    path: meta.file,
    relative: `bench/.work/${meta.file.split('/').pop()}`,
    label: 'label',
    rows: SYNTHETIC.rows,
    train: SYNTHETIC.train,
    bayes: { logloss: meta.bayesHeldoutLogloss, auc: meta.bayesHeldoutAuc },
    positiveRate: meta.positiveRate,
  });
  return out;
}
