import { parseArgs } from 'node:util';

/**
 * Command-line settings with environment fallbacks, validated at start with an error that names
 * the setting (DESIGN section 8). One table describes each setting once: its flag, its variable,
 * its type and bounds, its default and its help line; `--help` is generated from the same table.
 */

export type SettingType = 'string' | 'number' | 'integer' | 'boolean' | 'list';

interface BaseSpec {
  /** One line for --help. */
  readonly help: string;
  /** Environment variable read when the flag is absent; default STREAMLR_<FLAG_IN_CAPS>. */
  readonly env?: string | false;
  /** Printed as *** in logs and help. */
  readonly secret?: boolean;
  /** Help section heading. */
  readonly group?: string;
}

export interface StringSpec extends BaseSpec {
  readonly type: 'string';
  readonly default?: string;
  readonly choices?: readonly string[];
  readonly required?: boolean;
}
export interface NumberSpec extends BaseSpec {
  readonly type: 'number' | 'integer';
  readonly default?: number;
  readonly min?: number;
  readonly max?: number;
  /** Excludes `min` itself. */
  readonly minExclusive?: boolean;
  readonly required?: boolean;
}
export interface BooleanSpec extends BaseSpec {
  readonly type: 'boolean';
  readonly default?: boolean;
}
export interface ListSpec extends BaseSpec {
  readonly type: 'list';
  readonly default?: readonly string[];
  readonly required?: boolean;
}
export type SettingSpec = StringSpec | NumberSpec | BooleanSpec | ListSpec;
export type SettingSpecs = Readonly<Record<string, SettingSpec>>;

type ValueOf<S extends SettingSpec> = S extends StringSpec
  ? string
  : S extends NumberSpec
    ? number
    : S extends BooleanSpec
      ? boolean
      : readonly string[];

type Present<S extends SettingSpec> = S extends { readonly default: unknown }
  ? true
  : S extends { readonly required: true }
    ? true
    : S extends BooleanSpec
      ? true
      : false;

export type Settings<T extends SettingSpecs> = {
  readonly [K in keyof T]: Present<T[K]> extends true ? ValueOf<T[K]> : ValueOf<T[K]> | undefined;
};

export interface ParsedSettings<T extends SettingSpecs> {
  readonly values: Settings<T>;
  /** Positional arguments. */
  readonly positionals: readonly string[];
  /** Settings that came from a flag or the environment (not defaults). */
  readonly given: ReadonlySet<keyof T & string>;
}

/** A bad flag or variable: the message names it; commands print it as one line and exit 2. */
export class SettingsError extends Error {
  override readonly name = 'SettingsError';
  constructor(
    message: string,
    readonly setting: string,
  ) {
    super(message);
  }
}

/** `snapshotEvery` → `snapshot-every`. */
export function flagName(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

export function envName(key: string, spec: SettingSpec): string | undefined {
  if (spec.env === false) return undefined;
  return spec.env ?? `STREAMLR_${flagName(key).replace(/-/g, '_').toUpperCase()}`;
}

function describe(key: string, spec: SettingSpec): string {
  const env = envName(key, spec);
  return env === undefined ? `--${flagName(key)}` : `--${flagName(key)} (${env})`;
}

function convert(key: string, spec: SettingSpec, raw: string | boolean): unknown {
  const where = describe(key, spec);
  switch (spec.type) {
    case 'boolean': {
      if (typeof raw === 'boolean') return raw;
      const v = raw.trim().toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(v)) return true;
      if (['0', 'false', 'no', 'off', ''].includes(v)) return false;
      throw new SettingsError(`${where}: expected true or false, got '${raw}'`, key);
    }
    case 'string': {
      const v = String(raw);
      if (spec.choices !== undefined && !spec.choices.includes(v)) {
        throw new SettingsError(`${where}: must be one of ${spec.choices.join(', ')}, got '${v}'`, key);
      }
      if (v === '') throw new SettingsError(`${where}: must not be empty`, key);
      return v;
    }
    case 'list': {
      const items = String(raw)
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
      if (items.length === 0) throw new SettingsError(`${where}: must list at least one value`, key);
      return items;
    }
    case 'number':
    case 'integer': {
      const text = String(raw).trim();
      const v = text === '' ? Number.NaN : Number(text);
      if (!Number.isFinite(v)) throw new SettingsError(`${where}: must be a number, got '${raw}'`, key);
      if (spec.type === 'integer' && !Number.isInteger(v)) {
        throw new SettingsError(`${where}: must be a whole number, got '${raw}'`, key);
      }
      if (spec.min !== undefined && (spec.minExclusive === true ? v <= spec.min : v < spec.min)) {
        throw new SettingsError(`${where}: must be ${spec.minExclusive === true ? '>' : '≥'} ${spec.min}, got ${v}`, key);
      }
      if (spec.max !== undefined && v > spec.max) {
        throw new SettingsError(`${where}: must be ≤ ${spec.max}, got ${v}`, key);
      }
      return v;
    }
  }
}

/**
 * Parses argv against the table; a flag wins over its variable, which wins over the default.
 * Unknown flags, missing required settings and bad values throw a SettingsError naming them.
 */
export function parseSettings<T extends SettingSpecs>(
  specs: T,
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
  options: { readonly allowPositionals?: boolean } = {},
): ParsedSettings<T> {
  const parseOptions: Record<string, { type: 'string' | 'boolean' }> = {};
  for (const [key, spec] of Object.entries(specs)) {
    parseOptions[flagName(key)] = { type: spec.type === 'boolean' ? 'boolean' : 'string' };
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: parseOptions,
      strict: true,
      allowPositionals: options.allowPositionals ?? false,
    });
  } catch (err) {
    const message = err instanceof Error ? err.message.split('\n')[0] ?? String(err) : String(err);
    throw new SettingsError(message.replace(/^Unknown option/, 'unknown option'), 'argv');
  }
  const values: Record<string, unknown> = {};
  const given = new Set<string>();
  for (const [key, spec] of Object.entries(specs)) {
    const fromFlag = parsed.values[flagName(key)];
    const variable = envName(key, spec);
    const fromEnv = variable === undefined ? undefined : env[variable];
    let raw: string | boolean | undefined;
    if (typeof fromFlag === 'string' || typeof fromFlag === 'boolean') raw = fromFlag;
    else if (fromEnv !== undefined && fromEnv !== '') raw = fromEnv;
    if (raw !== undefined) {
      values[key] = convert(key, spec, raw);
      given.add(key);
    } else if (spec.default !== undefined) {
      values[key] = spec.default;
    } else if (spec.type === 'boolean') {
      values[key] = false;
    } else if ('required' in spec && spec.required === true) {
      throw new SettingsError(`${describe(key, spec)}: required`, key);
    }
  }
  return { values: values as Settings<T>, positionals: parsed.positionals, given: given as ReadonlySet<keyof T & string> };
}

/** The options part of a --help text, grouped, with variables and defaults. */
export function formatSettingsHelp(specs: SettingSpecs): string {
  const groups = new Map<string, string[]>();
  const rows: [string, string, string][] = [];
  for (const [key, spec] of Object.entries(specs)) {
    const value = spec.type === 'boolean' ? '' : spec.type === 'string' && spec.choices ? ` ${spec.choices.join('|')}` : ` ${spec.type === 'list' ? 'A,B' : spec.type === 'string' ? 'TEXT' : 'N'}`;
    const left = `--${flagName(key)}${value}`;
    const def =
      spec.default === undefined
        ? 'required' in spec && spec.required === true
          ? ' (required)'
          : ''
        : spec.secret === true
          ? ' (default ***)'
          : ` (default ${Array.isArray(spec.default) ? spec.default.join(',') : String(spec.default)})`;
    const variable = envName(key, spec);
    rows.push([spec.group ?? 'Options', left, `${spec.help}${def}${variable === undefined ? '' : ` [${variable}]`}`]);
  }
  const width = Math.min(34, Math.max(...rows.map((r) => r[1].length)));
  for (const [group, left, right] of rows) {
    const lines = groups.get(group) ?? [];
    lines.push(left.length > width ? `  ${left}\n  ${' '.repeat(width)}  ${right}` : `  ${left.padEnd(width)}  ${right}`);
    groups.set(group, lines);
  }
  return [...groups.entries()].map(([group, lines]) => `${group}:\n${lines.join('\n')}`).join('\n\n');
}

/** The values with secrets masked, for the start-up log line. */
export function redactSettings<T extends SettingSpecs>(specs: T, values: Settings<T>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(specs)) {
    const v = (values as Record<string, unknown>)[key];
    if (v !== undefined) out[key] = spec.secret === true ? '***' : v;
  }
  return out;
}
