import { evaluateScores, type EvaluationResult } from '@streamlr/model';
import { decodeScore, readRecordBatches, type EventInput, type RecordFormat, type Sample } from '@streamlr/protocol';
import type { OutgoingRecord, StreamConsumer, StreamProducer } from '@streamlr/stream';
import type { BadRows } from '../records.js';

/** The demo's messages: rows of the file into topics, scores back out of the scores topic. */

/** Records per produce request (kafkajs groups a request's messages quadratically; see produce). */
const SEND_BATCH = 1_000;

export interface Row {
  readonly line: number;
  readonly sample: Sample;
}

/** The file's rows [from, to); bad rows are reported on stderr (line number) and skipped. */
export async function* rowsOf(data: string, format: RecordFormat, label: string, bad: BadRows, from: number, to = Infinity): AsyncGenerator<Row> {
  let index = 0;
  for await (const batch of readRecordBatches(data, { format, label })) {
    for (const row of batch) {
      const i = index++;
      if (i >= to) return;
      if (i < from) continue;
      if (row.error !== undefined) bad.report(row.line, row.error);
      else yield { line: row.line, sample: row.sample };
    }
  }
}

/** Sends records in requests of SEND_BATCH, one request in flight (the file is read meanwhile). */
export class Sender {
  private pending: OutgoingRecord[] = [];
  private inFlight: Promise<void> = Promise.resolve();
  sent = 0;

  constructor(
    private readonly producer: StreamProducer,
    private readonly topic: string,
  ) {}

  async add(record: OutgoingRecord): Promise<void> {
    this.pending.push(record);
    if (this.pending.length >= SEND_BATCH) await this.flush();
  }

  async flush(): Promise<void> {
    const records = this.pending;
    this.pending = [];
    await this.inFlight;
    if (records.length === 0) return;
    this.inFlight = this.producer.send(this.topic, records).then(() => {
      this.sent += records.length;
    });
  }

  async done(): Promise<number> {
    await this.flush();
    await this.inFlight;
    return this.sent;
  }
}

/** Events without the label or id, as a user would POST them: the curl example. */
export function exampleEvent(sample: Sample): EventInput {
  return sample.features !== undefined ? { features: sample.features } : { x: sample.x };
}

export interface ScoresRead {
  readonly result: EvaluationResult;
  readonly versions: ReadonlySet<number>;
}

/** Collects the scores of the held-out events (by id) from the scores topic. */
export class ScoreCollector {
  readonly scores = new Map<string, { readonly score: number; readonly version: number }>();

  constructor(private readonly consumer: StreamConsumer) {}

  async start(topic: string): Promise<void> {
    await this.consumer.connect();
    await this.consumer.run({
      topics: [topic],
      fromBeginning: true,
      onAssign: async () => undefined,
      eachBatch: async (batch) => {
        for (const message of batch.messages) {
          if (message.value !== null) {
            const score = decodeScore(message.value);
            if (score.id !== null) this.scores.set(score.id, { score: score.score, version: score.version });
          }
          batch.resolveOffset(message.offset);
        }
      },
    });
  }

  evaluate(labels: ReadonlyMap<string, 0 | 1>): ScoresRead {
    const scores = new Float64Array(labels.size);
    const ys = new Uint8Array(labels.size);
    const versions = new Set<number>();
    let n = 0;
    for (const [id, y] of labels) {
      const s = this.scores.get(id);
      if (s === undefined) continue;
      scores[n] = s.score;
      ys[n] = y;
      versions.add(s.version);
      n++;
    }
    return { result: evaluateScores(scores.subarray(0, n), ys.subarray(0, n)), versions };
  }

  stop(): Promise<void> {
    return this.consumer.disconnect();
  }
}

