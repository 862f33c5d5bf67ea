import { MetricsValidationError } from './errors.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const SEVERITY: Record<LogLevel | 'silent', number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line (e.g. `{ model }`). */
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  /** `service` field of every line. Required. */
  service: string;
  /** Lowest level written; `silent` writes nothing. Default `info`. */
  level: LogLevel | 'silent';
  /** Default process.stdout. */
  stream: { write(line: string): unknown };
  /** Clock for `ts`. Default `() => new Date()`. */
  now: () => Date;
}

/**
 * JSON-lines logger: one object per line, `{ts, level, service, msg, ...fields}`. Errors anywhere in
 * the fields are serialised with name, message, their own properties (retriable, model, …), stack
 * and cause chain.
 */
export function createLogger(options: Partial<LoggerOptions> & Pick<LoggerOptions, 'service'>, bound: LogFields = {}): Logger {
  const o: LoggerOptions = { level: 'info', stream: process.stdout, now: () => new Date(), ...options };
  if (!(o.level in SEVERITY)) throw new MetricsValidationError('level', `must be one of ${Object.keys(SEVERITY).join(', ')}, got ${String(o.level)}`);
  const threshold = SEVERITY[o.level];
  const write = (level: LogLevel, msg: string, fields?: LogFields): void => {
    if (SEVERITY[level] < threshold) return;
    const core = { ts: o.now().toISOString(), level, service: o.service, msg };
    // Core keys first and last-write-wins, so a field named `msg` cannot forge the message.
    const line = Object.assign({ ...core }, bound, fields, core);
    o.stream.write(`${JSON.stringify(line, replacer())}\n`);
  };
  return {
    debug: (msg, fields) => write('debug', msg, fields),
    info: (msg, fields) => write('info', msg, fields),
    warn: (msg, fields) => write('warn', msg, fields),
    error: (msg, fields) => write('error', msg, fields),
    child: (fields) => createLogger(o, { ...bound, ...fields }),
  };
}

function replacer(): (key: string, value: unknown) => unknown {
  const seen = new WeakSet<object>();
  return (_key, value) => {
    if (typeof value === 'bigint') return value.toString();
    if (value instanceof Error) return serializeError(value, seen);
    if (typeof value === 'object' && value !== null) {
      if (seen.has(value)) return '[Circular]';
      seen.add(value);
    }
    return value;
  };
}

export function serializeError(error: Error, seen = new WeakSet<object>()): Record<string, unknown> {
  if (seen.has(error)) return { name: error.name, message: error.message, circular: true };
  seen.add(error);
  const out: Record<string, unknown> = { name: error.name, message: error.message };
  for (const [key, value] of Object.entries(error)) if (!(key in out)) out[key] = value;
  if (error.stack !== undefined) out['stack'] = error.stack;
  if (error.cause !== undefined) out['cause'] = error.cause instanceof Error ? serializeError(error.cause, seen) : error.cause;
  return out;
}
