import { formatSettingsHelp, parseSettings, SettingsError, type SettingSpecs, type Settings } from '@streamlr/stream';
import { UsageError } from './command.js';

/**
 * What every command shares: flags parsed against a settings table (flag, then variable, then
 * default), usage errors as one line with exit 2, other failures as one line with exit 1.
 */

/** Parses argv against the table; a bad or missing flag becomes a UsageError naming it. */
export function parseFlags<T extends SettingSpecs>(specs: T, argv: readonly string[], env: Readonly<Record<string, string | undefined>> = process.env): Settings<T> {
  try {
    return parseSettings(specs, argv, env).values;
  } catch (error) {
    if (error instanceof SettingsError) throw new UsageError(error.message);
    throw error;
  }
}

export interface HelpParts {
  /** `streamlr train --data FILE ...`, without the leading `Usage: `. */
  readonly usage: string;
  readonly description: string;
  readonly specs: SettingSpecs;
  /** Command lines, each with a comment line above it. */
  readonly examples: readonly (readonly [comment: string, command: string])[];
  readonly notes?: string;
}

export function helpText(parts: HelpParts): string {
  return [
    `Usage: ${parts.usage}`,
    '',
    parts.description,
    '',
    formatSettingsHelp(parts.specs),
    ...(parts.notes === undefined ? [] : ['', parts.notes]),
    '',
    'Examples:',
    ...parts.examples.flatMap(([comment, command]) => [`  # ${comment}`, `  ${command}`]),
    '',
  ].join('\n');
}

/** A failure the user can act on, printed as one line (exit 1). */
export class CommandError extends Error {
  override readonly name: string = 'CommandError';
  readonly retriable: boolean;
  constructor(message: string, options: { cause?: unknown; retriable?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.retriable = options.retriable ?? false;
  }
}

/** One line: the error's message, with its cause's when that adds something (kafkajs wraps the reason). */
export function oneLine(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 3 && current !== undefined && current !== null; depth++) {
    const message = current instanceof Error ? current.message : String(current);
    if (message !== '' && !parts.some((p) => p.includes(message))) parts.push(message);
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join(': ').replace(/\s*\n\s*/g, ' ');
}

/**
 * Runs a command body: usage errors go up to main (exit 2); anything else is printed as
 * `streamlr <name>: <one line>` on stderr and gives exit 1.
 */
export async function guarded(name: string, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof UsageError) throw error;
    if (error instanceof SettingsError) throw new UsageError(error.message);
    process.stderr.write(`streamlr ${name}: ${oneLine(error)}\n`);
    return 1;
  }
}

/** ISO-8601 date/time (or milliseconds since the epoch) → ms; a UsageError naming the flag otherwise. */
export function parseTime(flag: string, text: string): number {
  const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(ms) || Number.isNaN(new Date(ms).getTime())) {
    throw new UsageError(`--${flag}: '${text}' is not an ISO date/time like 2025-01-31T12:00:00Z (or ms since the epoch)`);
  }
  return ms;
}

/**
 * Turns the first Ctrl-C / SIGTERM into a flag long loops check, so they stop cleanly and still
 * print what they did; a second one exits at once.
 */
export function interruptFlag(): { readonly stopped: boolean; dispose(): void } {
  let stopped = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopped) process.exit(signal === 'SIGINT' ? 130 : 143);
    stopped = true;
    process.stderr.write(`\nstopping (${signal}); press Ctrl-C again to quit at once\n`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    get stopped() {
      return stopped;
    },
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
