/**
 * Typing of text cells (CSV cells, LIBSVM values): the one place that decides what a piece of text
 * means as a feature value or a label, so every file format agrees.
 */
import { isNonFiniteSpelling } from '../describe.js';

/** Marks a cell that spells a non-finite number ("NaN", "inf", "1e400", …). */
export const NON_FINITE: unique symbol = Symbol('non-finite');
/** Marks a label cell that is none of the accepted spellings. */
export const BAD_LABEL: unique symbol = Symbol('bad-label');

/**
 * A CSV cell as a feature value: a finite number when the whole cell (surrounding spaces allowed) is a
 * decimal number, undefined when it is empty or blank (a missing feature), NON_FINITE for a non-finite
 * number, and otherwise the cell verbatim as a categorical string. Hexadecimal, octal and binary
 * literals ("0x1F") stay strings: Number() would read them, but in data they are identifiers.
 */
export function cellValue(cell: string): number | string | undefined | typeof NON_FINITE {
  if (cell.length === 0) return undefined;
  const n = +cell;
  if (n - n === 0) {
    if (n === 0 && cell.trim().length === 0) return undefined; // Number("  ") is 0
    if (isRadixLiteral(cell)) return cell;
    return n;
  }
  if (n === n) return NON_FINITE; // ±Infinity: "Infinity", "-Infinity", "1e400"
  return isNonFiniteSpelling(cell.trim()) ? NON_FINITE : cell;
}

function isRadixLiteral(cell: string): boolean {
  const c = cell.trimStart();
  if (c.length < 3 || c.charCodeAt(0) !== 48 /* 0 */) return false;
  const r = c.charCodeAt(1) | 0x20; // lower case
  return r === 120 /* x */ || r === 111 /* o */ || r === 98 /* b */;
}

/**
 * A CSV label cell: 0/1 (also written as 0.0/1.0) or true/false in any case; undefined when empty
 * (a missing label); BAD_LABEL otherwise.
 */
export function cellLabel(cell: string): 0 | 1 | undefined | typeof BAD_LABEL {
  if (cell === '1') return 1;
  if (cell === '0') return 0;
  const t = cell.trim();
  if (t.length === 0) return undefined;
  const lower = t.toLowerCase();
  if (lower === 'true') return 1;
  if (lower === 'false') return 0;
  if (isRadixLiteral(t)) return BAD_LABEL;
  const n = +t;
  return n === 1 ? 1 : n === 0 ? 0 : BAD_LABEL;
}
