import { isAbsolute, relative } from 'node:path';
import { formatCount, formatRate } from '@streamlr/metrics';
import type { EvaluationResult } from '@streamlr/model';
import type { EventInput } from '@streamlr/protocol';
import { formatMetric } from '../format.js';

/** What the demo prints on stdout: the summary table, then where it serves. */

export interface Summary {
  readonly data: string;
  readonly learned: number;
  readonly trainSeconds: number;
  readonly progressive: { readonly logloss: number; readonly accuracy: number; readonly auc: number; readonly n: number };
  readonly heldOut: EvaluationResult;
  readonly heldOutVersions: ReadonlySet<number>;
  readonly weights: { readonly nonzero: number; readonly slots: number; readonly sparsity: number };
  readonly versions: number;
  readonly finalVersion: number;
  readonly learner: string;
  readonly badRows: string;
}

export function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

export function summaryText(s: Summary): string {
  const row = (name: string, n: string, m: { logloss: number; accuracy: number; auc: number }, note: string): string =>
    `  ${name.padEnd(12)} ${n.padStart(9)}  ${formatMetric(m.logloss).padStart(8)}  ${formatMetric(m.accuracy).padStart(8)}  ${formatMetric(m.auc).padStart(6)}   ${note}`;
  const versions = [...s.heldOutVersions].sort((a, b) => a - b).join(', ');
  return [
    '',
    `  ${'figures'.padEnd(12)} ${'samples'.padStart(9)}  ${'log loss'.padStart(8)}  ${'accuracy'.padStart(8)}  ${'AUC'.padStart(6)}`,
    row('progressive', formatCount(s.progressive.n), s.progressive, 'trainer: the last samples learned, each predicted before learning it'),
    row('held-out', formatCount(s.heldOut.n), s.heldOut, `scorer: last 20% of rows, scored by version ${versions}`),
    '',
    `  samples      ${formatCount(s.learned)} learned (first 80% of rows of ${s.data})${s.badRows === '' ? '' : `; ${s.badRows}`}`,
    `  weights      ${formatCount(s.weights.nonzero)} non-zero of ${formatCount(s.weights.slots)} (sparsity ${s.weights.sparsity.toFixed(4)})`,
    `  throughput   ${formatRate(s.learned / Math.max(s.trainSeconds, 1e-9))} samples/s (${formatCount(s.learned)} in ${s.trainSeconds.toFixed(1)} s)`,
    `  versions     ${s.versions} published, scorer serving version ${s.finalVersion}`,
    `  learner      ${s.learner}`,
    '',
  ].join('\n');
}

/** One shell word, whatever the text holds (a categorical value may contain a quote). */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

export function servingText(url: string, example: EventInput | null): string {
  const body = example === null ? '{"features":{"f":1}}' : JSON.stringify(example);
  return [
    `serving until Ctrl-C:`,
    `  GET  ${url}/metrics   trainer and scorer metrics (streamlr_trainer_logloss, streamlr_model_sparsity_ratio, …)`,
    `  POST ${url}/score     one event or a JSON array of events (DESIGN section 4)`,
    '',
    `  curl -s ${url}/metrics | grep -E '^streamlr_(trainer_logloss|model_sparsity_ratio)'`,
    `  curl -s -X POST ${url}/score -H 'content-type: application/json' -d ${shellQuote(body)}`,
    '',
  ].join('\n');
}

