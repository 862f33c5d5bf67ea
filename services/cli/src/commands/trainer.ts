import { formatSettingsHelp } from '@streamlr/stream';
import { runTrainer, TRAINER_SERVICE_SETTINGS } from '@streamlr/trainer';
import type { Command } from '../command.js';

export const trainerCommand: Command = {
  name: 'trainer',
  summary: 'consume labeled samples from Kafka, learn, publish snapshots to Redis',
  help: `Usage: streamlr trainer --topic T --model NAME [options]

Consumes labeled samples (DESIGN section 4 JSON) from Kafka, applies one SGD update per sample,
and publishes versioned snapshots to Redis with the Kafka offsets they include. Restarted, it
resumes the latest snapshot exactly where it stopped; bad messages go to <topic>.dlq.
Serves /metrics, /healthz and /readyz on --port. Stops cleanly on SIGTERM/SIGINT (final snapshot).

${formatSettingsHelp(TRAINER_SERVICE_SETTINGS)}

Examples:
  streamlr trainer --topic streamlr.samples --model clicks
  KAFKA_BROKERS=kafka:9092 REDIS_URL=redis://redis:6379 streamlr trainer --topic streamlr.samples --model clicks --snapshot-every 50000
  streamlr trainer --topic streamlr.samples --model clicks --reset --optimizer ftrl --l1 0.5

Exit codes: 0 stopped cleanly, 1 failed, 2 bad settings, 3 fenced by a newer trainer, 4 snapshot offsets deleted from the topic.
`,
  run: (argv) => runTrainer(argv),
};
