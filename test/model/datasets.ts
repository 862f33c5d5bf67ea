/**
 * The bundled CSV datasets (data/, see its README) as hashed samples, read by the same code as
 * `streamlr train` (@streamlr/protocol's readRecords, @streamlr/stream's featurize): rows in file
 * order, train = first 80%, test = last 20%.
 */
import { SparseVector, type FeatureSpace, type LabeledVector } from '@streamlr/model';
import { readRecords } from '@streamlr/protocol';
import { featurize } from '@streamlr/stream';
import { DATA } from '../helpers.js';

export interface Dataset {
  readonly train: LabeledVector[];
  readonly test: LabeledVector[];
}

export async function loadDataset(name: string, space: FeatureSpace, trainFraction = 0.8): Promise<Dataset> {
  const samples: LabeledVector[] = [];
  for await (const row of readRecords(`${DATA}${name}`, { label: 'label' })) {
    if (row.error !== undefined) throw new Error(`${name} line ${row.line}: ${row.error.message}`);
    samples.push({ x: featurize(row.sample, space, new SparseVector(8)), y: row.sample.label });
  }
  const cut = Math.floor(samples.length * trainFraction);
  return { train: samples.slice(0, cut), test: samples.slice(cut) };
}
