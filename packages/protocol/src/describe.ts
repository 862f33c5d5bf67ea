/** A short, bounded rendering of a value for error messages (never echoes a large payload). */
export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

const MAX_FIELD_NAME = 100;

/**
 * The `field` path of a named feature, e.g. `features.amount`. Long names are cut, because the path
 * travels in DLQ headers and logs, and a name can be as long as the message.
 */
export function featureField(name: string): string {
  return `features.${name.length > MAX_FIELD_NAME ? `${name.slice(0, MAX_FIELD_NAME)}…` : name}`;
}

/**
 * How common writers print non-finite floats: JavaScript and Java (`NaN`, `Infinity`), Python and numpy
 * (`nan`, `inf`), R (`NaN`, `Inf`, `-Inf`), C's printf (`nan`, `-nan`, `INF`). A text cell or a string
 * in `x` spelled like this is a non-finite number that lost its type on the way, not a category.
 */
const NON_FINITE_SPELLINGS: ReadonlySet<string> = new Set(
  ['nan', 'NaN', 'NAN', 'inf', 'Inf', 'INF', 'infinity', 'Infinity', 'INFINITY'].flatMap((w) => [w, `-${w}`, `+${w}`]),
);

export function isNonFiniteSpelling(text: string): boolean {
  return text.length <= 9 && NON_FINITE_SPELLINGS.has(text);
}
