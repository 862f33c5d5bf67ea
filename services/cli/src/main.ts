import { SettingsError } from '@streamlr/stream';
import { UsageError, type Command } from './command.js';
import { demoCommand } from './commands/demo.js';
import { evaluateCommand } from './commands/evaluate.js';
import { modelCommand } from './commands/model.js';
import { produceCommand } from './commands/produce.js';
import { replayCommand } from './commands/replay.js';
import { scorerCommand } from './commands/scorer.js';
import { trainCommand } from './commands/train.js';
import { trainerCommand } from './commands/trainer.js';

const commands: readonly Command[] = [
  demoCommand,
  trainCommand,
  evaluateCommand,
  produceCommand,
  replayCommand,
  modelCommand,
  trainerCommand,
  scorerCommand,
];

function usage(): string {
  const width = Math.max(8, ...commands.map((c) => c.name.length));
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    'streamlr — streaming online logistic regression (Kafka → SGD → Redis → real-time scoring)',
    '',
    'Usage: streamlr <command> [options]',
    '',
    'Commands:',
    ...(lines.length > 0 ? lines : ['  (none yet)']),
    '',
    'Run `streamlr <command> --help` for the options and examples of one command.',
    '',
  ].join('\n');
}

/** Entry point of the `streamlr` command; returns the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  const command = commands.find((c) => c.name === name);
  if (command === undefined) {
    process.stderr.write(`streamlr: unknown command '${name}' (see streamlr --help)\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(command.help.endsWith('\n') ? command.help : `${command.help}\n`);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    if (err instanceof UsageError || err instanceof SettingsError) {
      process.stderr.write(`streamlr ${name}: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}
