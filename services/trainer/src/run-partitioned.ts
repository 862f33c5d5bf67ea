import type { Logger } from '@streamlr/metrics';
import { decodeLimits } from '@streamlr/protocol';
import { RedisModelStore, RedisPartitionStore } from '@streamlr/store';
import {
  CountingLearner,
  CountingMixer,
  LEARNER_SETTINGS,
  LogisticLearner,
  LogisticMixer,
  PartitionedTrainingPipeline,
  SettingsError,
  learnerOptionsFrom,
  redisConnection,
  type MixingRule,
  type PartitionMixer,
  type StreamLearner,
} from '@streamlr/stream';
import { deadLetterSink, kafkaTransport, serveUntilStopped, commonEvents, trainerRegistry, type TrainerSettings } from './service.js';

/** Settings that only mean something with --partitioned. */
export const PARTITIONED_ONLY = ['mixEvery', 'mixInterval', 'mixing'] as const;

/**
 * `streamlr trainer --partitioned`: one replica of a scaled-out trainer (DESIGN §7). Replicas are
 * plain trainer processes sharing one --group, each with its own --port; Kafka assigns the
 * partitions, Redis holds each partition's state and the merged versions scorers read. Only
 * wiring lives here; the pipeline is @streamlr/stream's PartitionedTrainingPipeline.
 */
export async function runPartitionedTrainer(
  values: TrainerSettings,
  given: ReadonlySet<string>,
  log: Logger,
  stopSignal: Promise<unknown>,
): Promise<number> {
  const model = values.model;
  let createLearner: () => StreamLearner<unknown>;
  let mixer: PartitionMixer;
  if (values.learner === 'counting') {
    const learnerFlag = [...Object.keys(LEARNER_SETTINGS), 'mixing'].find((k) => given.has(k));
    if (learnerFlag !== undefined) throw new SettingsError(`--${learnerFlag}: not a setting of the counting learner`, learnerFlag);
    createLearner = () => new CountingLearner() as StreamLearner<unknown>;
    mixer = new CountingMixer();
  } else {
    const options = learnerOptionsFrom(values);
    const limits = decodeLimits({ maxBytes: values.maxMessageBytes, maxFeatures: values.maxFeatures });
    createLearner = () => new LogisticLearner(options, { limits }) as StreamLearner<unknown>;
    try {
      mixer = new LogisticMixer(options, values.mixing === undefined ? {} : { rule: values.mixing as MixingRule });
    } catch (error) {
      throw new SettingsError(`--${error instanceof Error ? error.message : String(error)}`, 'mixing');
    }
  }
  if (values.mixEvery === 0 && values.mixInterval === 0) throw new SettingsError('--mix-every/--mix-interval: at least one must be > 0', 'mixEvery');

  const groupId = values.group ?? `streamlr-trainer-${model}`;
  const transport = kafkaTransport(values, log);
  const redis = redisConnection(values);
  const store = new RedisModelStore({ ...redis, keep: values.keep });
  const states = new RedisPartitionStore({ ...redis });
  const { registry, metrics } = trainerRegistry(model);
  const producer = transport.producer();
  const deadLetters = deadLetterSink(producer, log);
  let pipeline: PartitionedTrainingPipeline<unknown> | null = null;
  const refreshModelGauges = (): void => {
    if (pipeline === null) return;
    metrics.setProgressive(pipeline.progressive());
    const w = pipeline.weights();
    metrics.setWeights(w.nonzero, w.slots);
  };
  pipeline = new PartitionedTrainingPipeline(
    {
      createLearner,
      mixer,
      consumer: transport.consumer({ groupId, sessionTimeoutMs: values.sessionTimeout }),
      admin: transport.admin(),
      store,
      states,
      deadLetters,
      events: {
        ...commonEvents(metrics, log, model, 'state write or merge'),
        statesWritten: (count, seconds) => {
          metrics.setPaused(false);
          log.debug('partition states written', { model, count, seconds });
        },
        snapshotPublished: (meta, seconds) => {
          metrics.snapshotPublished({ version: meta.version, durationSeconds: seconds, checkpointBytes: 0, servingBytes: 0 });
          log.info('snapshot published', { model, version: meta.version, samplesSeen: meta.samplesSeen, offsets: meta.offsets, seconds });
        },
        rebased: (version, replayed) => {
          if (version !== null) metrics.snapshotPublished({ version, durationSeconds: 0, checkpointBytes: 0, servingBytes: 0 });
          refreshModelGauges();
          log.info('rebased', { model, version, replayed });
        },
      },
    },
    {
      model,
      topics: values.topic,
      groupId,
      reset: values.reset,
      schedule: { every: values.snapshotEvery, intervalMs: values.snapshotInterval * 1000 },
      mixing: { every: values.mixEvery, intervalMs: values.mixInterval * 1000 },
      extra: { learner: values.learner, partitioned: true },
    },
  );
  const running = pipeline;
  return serveUntilStopped({
    values,
    log,
    registry,
    producer,
    stopSignal,
    pipeline: running,
    modelReady: () => true,
    refreshGauges: refreshModelGauges,
    starting: { partitioned: true, replica: running.replica },
    running: () => ({ replica: running.replica }),
    stopped: () => ({ position: running.position }),
    stopFailure: 'final merge failed',
    closeStores: () => Promise.all([store.close(), states.close()]),
  });
}
