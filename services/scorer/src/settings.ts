import { formatSettingsHelp, KAFKA_SETTINGS, REDIS_SETTINGS, type SettingSpecs } from '@streamlr/stream';

/** Every setting of `streamlr scorer`: flag, environment variable, bounds, default, help line. */
export const SCORER_SETTINGS = {
  model: { type: 'string', required: true, env: 'STREAMLR_MODEL', help: 'model name to serve' },
  version: {
    type: 'integer',
    min: 1,
    env: 'STREAMLR_SCORER_VERSION',
    help: 'serve exactly this version and never move (pin; rollback); default: follow latest',
  },
  threshold: { type: 'number', min: 0, max: 1, default: 0.5, env: 'STREAMLR_SCORER_THRESHOLD', help: 'class is 1 when score >= threshold' },
  pollInterval: {
    type: 'number',
    min: 0,
    minExclusive: true,
    default: 1,
    env: 'STREAMLR_SCORER_POLL_INTERVAL',
    help: 'seconds between checks of the latest version (fallback for Redis notifications)',
  },
  featureBits: {
    type: 'integer',
    min: 1,
    max: 28,
    env: 'STREAMLR_SCORER_FEATURE_BITS',
    help: "refuse snapshots whose feature space has other bits; default: accept the snapshot's own",
  },
  featureSeed: {
    type: 'integer',
    min: 0,
    max: 4294967295,
    env: 'STREAMLR_SCORER_FEATURE_SEED',
    help: "refuse snapshots hashed with another seed; default: accept the snapshot's own",
  },
  evalWindow: {
    type: 'integer',
    min: 1,
    max: 10_000_000,
    default: 10_000,
    env: 'STREAMLR_SCORER_EVAL_WINDOW',
    help: 'labelled events in the window of streamlr_scorer_logloss / _accuracy',
  },
  maxMessageBytes: { type: 'integer', min: 1, max: 268_435_456, default: 1_048_576, help: 'largest event accepted (bytes)' },
  maxFeatures: { type: 'integer', min: 1, default: 10_000, help: 'most features per event' },
  logLevel: { type: 'string', choices: ['debug', 'info', 'warn', 'error'], default: 'info', env: 'STREAMLR_LOG_LEVEL', help: 'lowest log level written (JSON lines on stdout)' },

  port: { type: 'integer', min: 0, max: 65535, default: 8080, env: 'STREAMLR_SCORER_PORT', help: 'HTTP port (/score, /metrics, /healthz, /readyz)', group: 'HTTP' },
  host: { type: 'string', default: '0.0.0.0', env: 'STREAMLR_HTTP_HOST', help: 'HTTP interface to bind', group: 'HTTP' },
  maxEvents: { type: 'integer', min: 1, max: 1_000_000, default: 10_000, env: 'STREAMLR_SCORER_MAX_EVENTS', help: 'most events in one POST /score', group: 'HTTP' },
  maxBodyBytes: {
    type: 'integer',
    min: 1,
    max: 1_073_741_824,
    default: 8_388_608,
    env: 'STREAMLR_SCORER_MAX_BODY_BYTES',
    help: 'larger request bodies get 413',
    group: 'HTTP',
  },
  token: {
    type: 'string',
    secret: true,
    env: 'STREAMLR_SCORER_TOKEN',
    help: 'require Authorization: Bearer <token> on POST /score (prefer the variable)',
    group: 'HTTP',
  },

  eventsTopic: { type: 'string', default: 'streamlr.events', env: 'STREAMLR_EVENTS_TOPIC', help: 'topic of events to score', group: 'Kafka path' },
  scoresTopic: { type: 'string', default: 'streamlr.scores', env: 'STREAMLR_SCORES_TOPIC', help: 'topic the scores go to', group: 'Kafka path' },
  group: { type: 'string', env: 'STREAMLR_SCORER_GROUP', help: 'consumer group (default streamlr-scorer-<model>)', group: 'Kafka path' },
  fromBeginning: { type: 'boolean', env: 'STREAMLR_SCORER_FROM_BEGINNING', help: 'a group with no committed offset starts at the earliest event, not the latest', group: 'Kafka path' },
  httpOnly: { type: 'boolean', env: 'STREAMLR_SCORER_HTTP_ONLY', help: 'score over HTTP only: no Kafka consumer or producer', group: 'Kafka path' },
  ...KAFKA_SETTINGS,
  ...REDIS_SETTINGS,
} as const satisfies SettingSpecs;

/** `streamlr scorer --help`. */
export const SCORER_HELP = `streamlr scorer — serve a model: score events from Kafka and over HTTP

Usage: streamlr scorer --model NAME [options]

Loads the latest serving snapshot of --model from Redis (or the pinned --version), reloads when
the trainer publishes (Redis notification, and polling every --poll-interval as a fallback), and
keeps serving the previous weights when a new version fails to load. /readyz answers 503 until a
model is loaded.

Kafka: consumes --events-topic with its own group, sends {id, score, class, model, version, ts}
to --scores-topic keyed like the event, commits after the scores are acknowledged (at-least-once).
Bad events go to <events-topic>.dlq with the reason in a header.

HTTP: POST /score with one event or a JSON array (at most --max-events):
  {"model": "ctr", "version": 7, "ts": 1764000000000, "scores": [{"id": "e1", "score": 0.73, "class": 1}]}
Bad input gets 400 {"error", "reason", "field", "index"}; 401 without the bearer token when
STREAMLR_SCORER_TOKEN is set; 503 before a model is loaded. /metrics, /healthz, /readyz are open.

${formatSettingsHelp(SCORER_SETTINGS)}

Examples:
  streamlr scorer --model ctr
  streamlr scorer --model ctr --version 41            # pin (roll back to) version 41
  streamlr scorer --model ctr --http-only --port 9000 --threshold 0.7
  REDIS_URL=redis://streamlr-scorer:secret@127.0.0.1:6379 STREAMLR_SCORER_TOKEN=s3cret \\
    streamlr scorer --model ctr --events-topic clicks --scores-topic clicks.scores
  curl -s localhost:8080/score -d '{"id":"e1","features":{"country":"US","amount":12.5}}'
`;
