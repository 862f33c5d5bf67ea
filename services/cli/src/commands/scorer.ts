import { runScorer, SCORER_HELP } from '@streamlr/scorer';
import type { Command } from '../command.js';

/** `streamlr scorer`: the scoring service (see services/scorer). */
export const scorerCommand: Command = {
  name: 'scorer',
  summary: 'serve a model: score events from Kafka and over HTTP (/score, /metrics)',
  help: SCORER_HELP,
  run: (argv) => runScorer(argv, process.env),
};
