/**
 * Test helper: reads the bundled CSV datasets (the repository's data/, see its README) into hashed
 * samples with the CSV featurisation rule of DESIGN §10: every non-label column is a feature,
 * a numeric-looking cell is a number, any other cell a categorical string, an empty cell a
 * missing feature. Rows stay in file order; train = first 80%, test = last 20%.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { hashFeatures, SparseVector, type FeatureSpace, type LabeledVector } from '../src/index.js';

export interface Dataset {
  readonly train: LabeledVector[];
  readonly test: LabeledVector[];
  readonly rows: Array<{ features: Record<string, number | string>; y: 0 | 1 }>;
}

const FIXTURES = fileURLToPath(new URL('../../../../data/', import.meta.url));

/** Parses a headed CSV without quoting (both fixtures have none); `label` is 0/1. */
export function readCsvRows(name: string, label = 'label'): Array<{ features: Record<string, number | string>; y: 0 | 1 }> {
  const text = readFileSync(`${FIXTURES}${name}`, 'utf8');
  const lines = text.split('\n').filter((l) => l.length > 0);
  const header = lines[0]!.split(',');
  const labelAt = header.indexOf(label);
  if (labelAt < 0) throw new Error(`${name}: no ${label} column`);
  return lines.slice(1).map((line) => {
    const cells = line.split(',');
    const features: Record<string, number | string> = {};
    header.forEach((column, i) => {
      if (i === labelAt) return;
      const cell = (cells[i] ?? '').trim();
      if (cell === '') return;
      const n = Number(cell);
      features[column] = Number.isFinite(n) ? n : cell;
    });
    const y = Number(cells[labelAt]);
    if (y !== 0 && y !== 1) throw new Error(`${name}: bad label ${cells[labelAt]}`);
    return { features, y };
  });
}

export function loadDataset(name: string, space: FeatureSpace, trainFraction = 0.8): Dataset {
  const rows = readCsvRows(name);
  const samples = rows.map(({ features, y }) => ({ x: hashFeatures(features, space, new SparseVector(8)), y }));
  const cut = Math.floor(samples.length * trainFraction);
  return { rows, train: samples.slice(0, cut), test: samples.slice(cut) };
}
