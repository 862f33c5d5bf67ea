/**
 * One CSV row (already split into cells by the CSV parser) → a sample or event. Pure: the file reader
 * in ../files does the I/O. DESIGN §10: the label column is named; every other column is a feature;
 * a cell that is a finite number is numeric, any other text is a categorical string, an empty cell is
 * a missing feature. Typing is per cell, not per column, because a stream cannot look ahead: a column
 * mixing "02139" and "K1A" gives numeric and categorical features, so keep identifiers non-numeric.
 */
import { featureField } from '../describe.js';
import { DecodeError } from '../errors.js';
import type { DecodeLimits } from '../limits.js';
import type { FeatureValue, Sample, ScoreEvent } from '../types.js';
import { BAD_LABEL, NON_FINITE, cellLabel, cellValue } from './cells.js';

export interface CsvRowOptions {
  /** Name of the label column. */
  readonly label: string;
  /** Samples need a label in every row (and the column in the header); events take it when present. */
  readonly requireLabel: boolean;
  readonly limits: DecodeLimits;
}

/** Converts rows of one CSV file, given its header. */
export class CsvRowDecoder {
  readonly columns: readonly string[];
  /** Index of the label column, -1 when the file has none. */
  readonly labelIndex: number;
  private readonly requireLabel: boolean;
  private readonly maxChars: number;

  /** Throws `Error` with a one-line explanation when the header cannot be used (the reader adds the path). */
  constructor(header: readonly string[], options: CsvRowOptions) {
    const seen = new Set<string>();
    header.forEach((name, i) => {
      if (name.trim().length === 0) {
        throw new Error(`CSV header: column ${i + 1} has no name (a pandas index? write the file with index=False)`);
      }
      // Would be taken as the prototype when assigned to a feature object.
      if (name === '__proto__') throw new Error(`CSV header: column ${i + 1} cannot be named __proto__`);
      if (seen.has(name)) throw new Error(`CSV header: column name ${JSON.stringify(name)} appears twice`);
      seen.add(name);
    });
    this.columns = header;
    this.labelIndex = header.indexOf(options.label);
    this.requireLabel = options.requireLabel;
    this.maxChars = options.limits.maxBytes;
    if (this.labelIndex < 0 && options.requireLabel) {
      throw new Error(
        `CSV header: no label column ${JSON.stringify(options.label)} (columns: ${header.slice(0, 20).join(', ')}${header.length > 20 ? ', …' : ''})`,
      );
    }
    const featureColumns = header.length - (this.labelIndex < 0 ? 0 : 1);
    if (featureColumns > options.limits.maxFeatures) {
      throw new Error(`CSV header: ${featureColumns} feature columns, more than maxFeatures (${options.limits.maxFeatures})`);
    }
  }

  /** The row as a sample/event, or the first problem in it. */
  decode(cells: readonly string[]): Sample | ScoreEvent | DecodeError {
    const columns = this.columns;
    if (cells.length !== columns.length) {
      return new DecodeError('bad_row', undefined, `expected ${columns.length} fields as in the header, got ${cells.length}`);
    }
    let label: 0 | 1 | undefined;
    const labelIndex = this.labelIndex;
    if (labelIndex >= 0) {
      const parsed = cellLabel(cells[labelIndex]!);
      if (parsed === BAD_LABEL) {
        return new DecodeError('bad_label', 'label', `expected 0, 1, true or false in column ${JSON.stringify(columns[labelIndex])}, got ${JSON.stringify(cells[labelIndex]!.slice(0, 40))}`);
      }
      label = parsed;
    }
    if (label === undefined && this.requireLabel) {
      return new DecodeError('missing_label', 'label', `empty label cell in column ${JSON.stringify(columns[labelIndex])}`);
    }
    const features: Record<string, FeatureValue> = {};
    let chars = 0;
    for (let i = 0; i < cells.length; i++) {
      chars += cells[i]!.length;
      if (i === labelIndex) continue;
      const value = cellValue(cells[i]!);
      if (value === undefined) continue;
      if (value === NON_FINITE) {
        return new DecodeError('non_finite', featureField(columns[i]!), `expected a finite number, got ${JSON.stringify(cells[i]!.slice(0, 40))}`);
      }
      features[columns[i]!] = value;
    }
    // Characters, not bytes: close enough for a bound that exists to stop runaway rows.
    if (chars > this.maxChars) {
      return new DecodeError('oversize', undefined, `row has ${chars} characters, more than the limit of ${this.maxChars}`);
    }
    return label === undefined ? { features, weight: 1 } : { label, features, weight: 1 };
  }
}
