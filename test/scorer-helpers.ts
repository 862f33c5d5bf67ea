// Shared by the scorer's integration tests and benchmark: a real model trained on MovieLens with
// @streamlr/model, publishing through the real store, and a Redis ACL user with the scorer's rules.
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { crc32c, decodeServing, encodeCheckpoint, encodeServing, hashFeatures, LogisticRegression, SparseVector, type ServingModel } from '@streamlr/model';
import { readRecords, type ScoreEvent } from '@streamlr/protocol';
import { aclRules, type ModelStore } from '@streamlr/store';
import type { Redis } from 'ioredis';

export const MOVIELENS = fileURLToPath(new URL('../../data/movielens.csv', import.meta.url));

/** Rows [from, to) of the MovieLens file as labelled events (the label feeds the scorer's log loss). */
export async function movielensEvents(from: number, to: number): Promise<ScoreEvent[]> {
  const out: ScoreEvent[] = [];
  let row = 0;
  for await (const record of readRecords(MOVIELENS, { label: 'label', as: 'events' })) {
    if (row >= to) break;
    if (row++ < from || record.sample === undefined) continue;
    out.push({ ...record.sample, id: `ml-${row - 1}` });
  }
  return out;
}

export interface Trained {
  readonly learner: LogisticRegression;
  readonly serving: Uint8Array;
  readonly checkpoint: Uint8Array;
}

/** Trains a learner on `events` (bits 20 by default, like the trainer) and encodes both blobs. */
export function train(events: readonly ScoreEvent[], info: { model: string; version: number; bits?: number }, learner?: LogisticRegression): Trained {
  const model = learner ?? new LogisticRegression({ featureSpace: { bits: info.bits ?? 20, seed: 0 } });
  const x = new SparseVector();
  for (const event of events) {
    if (event.label === undefined || event.features === undefined) continue;
    model.learn(hashFeatures(event.features, model.options.featureSpace, x), event.label);
  }
  const meta = { model: info.model, version: info.version, createdAt: Date.now() };
  return { learner: model, serving: encodeServing(model, meta), checkpoint: encodeCheckpoint(model, meta) };
}

/** The model's offline prediction for an event: decode the published blob, hash, predictProba. */
export function offlinePredictor(serving: Uint8Array): (event: ScoreEvent) => number {
  const { model }: { model: ServingModel } = decodeServing(serving);
  const x = new SparseVector();
  return (event) => model.predictProba(hashFeatures(event.features!, model.featureSpace, x));
}

export async function publish(store: ModelStore, model: string, version: number, trained: Pick<Trained, 'serving' | 'checkpoint'>): Promise<void> {
  const epoch = await store.acquireEpoch(model);
  await store.publish({ model, epoch, version, checkpoint: trained.checkpoint, serving: trained.serving, meta: { createdAt: Date.now(), samplesSeen: 0, offsets: {} } });
}

/** A valid blob re-labelled with `"bits":<to>` and its CRC-32C fixed: well-formed, unreadable feature space. */
export function withFeatureBits(blob: Uint8Array, from: number, to: number): Uint8Array {
  const copy = Buffer.from(Uint8Array.from(blob));
  const at = copy.indexOf(`"bits":${from}`);
  if (at < 0 || String(to).length !== String(from).length) throw new Error('withFeatureBits: header field not found or length differs');
  copy.write(`"bits":${to}`, at);
  copy.writeUInt32LE(crc32c(copy.subarray(0, copy.length - 4)), copy.length - 4);
  return copy;
}

/** Creates a Redis user with exactly aclRules('scorer'); returns its URL and a function that deletes it. */
export async function scorerAclUser(admin: Redis, redisUrl: string): Promise<{ url: string; user: string; remove: () => Promise<void> }> {
  const user = `streamlr-test-scorer-${process.pid}-${randomBytes(4).toString('hex')}`;
  const password = randomBytes(16).toString('hex');
  await admin.call('ACL', 'SETUSER', user, 'on', `>${password}`, ...aclRules('scorer'));
  const url = new URL(redisUrl);
  url.username = user;
  url.password = password;
  return { url: url.toString(), user, remove: async () => void (await admin.call('ACL', 'DELUSER', user)) };
}

export async function until<T>(probe: () => T | Promise<T>, what: string, timeoutMs = 20_000, everyMs = 10): Promise<NonNullable<T>> {
  const start = Date.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== null && value !== false) return value as NonNullable<T>;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
