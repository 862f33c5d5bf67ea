import { basename } from 'node:path';
import { formatCount } from '@streamlr/metrics';
import { decodeCheckpoint, decodeServing, encodeCheckpoint, encodeServing, type LogisticRegression, type SnapshotHeader } from '@streamlr/model';
import type { ModelStore, StoredVersionMeta } from '@streamlr/store';
import { describeLearnerOptions, REDIS_SETTINGS, type Settings, type SettingSpecs, storedFeatureNames } from '@streamlr/stream';
import { CommandError, guarded, helpText, parseFlags } from '../cli.js';
import { UsageError, type Command } from '../command.js';
import { formatBytes, formatMetric, jsonLine } from '../format.js';
import { assertWritable, readModelFile, writeModelFile, type ModelFileMeta } from '../model-file.js';
import { checkModelName, nextVersion, openStore, withStore } from '../store.js';

export const MODEL_ACTIONS = ['list', 'inspect', 'rollback', 'export', 'import'] as const;
type Action = (typeof MODEL_ACTIONS)[number];

export const MODEL_SETTINGS = {
  model: { type: 'string', help: 'model name in the store (required except for `inspect --in FILE`)' },
  version: { type: 'integer', min: 1, help: 'version (default: the one `latest` points to; required for rollback)' },
  out: { type: 'string', help: 'export: the model file to write' },
  in: { type: 'string', help: 'import: the model file to publish; inspect: a model file instead of the store' },
  top: { type: 'integer', min: 0, default: 20, help: 'inspect: how many of the largest weights to show' },
  keep: { type: 'integer', min: 1, default: 10, help: 'import: versions the store keeps (older ones are trimmed, as the trainer does)' },
  json: { type: 'boolean', help: 'list/inspect: print JSON instead of text' },
  ...REDIS_SETTINGS,
} as const satisfies SettingSpecs;

type Flags = Settings<typeof MODEL_SETTINGS>;

const HELP = helpText({
  usage: 'streamlr model list|inspect|rollback|export|import --model NAME [--version N] [--out FILE | --in FILE]',
  description: [
    'Operates on the versions of a model in Redis:',
    '  list      kept versions, newest first: created, samples seen, progressive metrics, writer epoch, offsets',
    '  inspect   one version (default latest): snapshot header, weight statistics, the largest weights with',
    '            their feature names where the snapshot knows them (else their slot)',
    '  rollback  points `latest` at --version; scorers follow at once; the trainer writing the model is',
    '            fenced and resumes from that version (its offsets) when restarted',
    '  export    writes a version to a model file (the format `streamlr train --out` writes)',
    '  import    publishes a model file as a new version (next number, fresh writer epoch); the',
    '            snapshot keeps its learner state and Kafka offsets; scorers load it as the latest',
  ].join('\n'),
  specs: MODEL_SETTINGS,
  examples: [
    ['what versions are there', 'streamlr model list --model clicks'],
    ['the latest version\'s header and top 30 weights', 'streamlr model inspect --model clicks --top 30'],
    ['a model file, without Redis', 'streamlr model inspect --in movielens.bin'],
    ['undo a bad version', 'streamlr model rollback --model clicks --version 41'],
    ['ship an offline-trained model to the scorers', 'streamlr train --data clicks.csv --label clicked --out clicks.bin && streamlr model import --model clicks --in clicks.bin'],
    ['back up version 41', 'streamlr model export --model clicks --version 41 --out clicks-41.bin'],
  ],
  notes: [
    'Model file format (version 1, little-endian): "SLRMODEL" magic, u16 format version, u16 reserved,',
    'u32 metadata length M, u64 checkpoint length C, u64 serving length S, M bytes of JSON metadata (the',
    'version\'s meta: model, version, createdAt, samplesSeen, metrics, offsets, extra, epoch, parent),',
    'the checkpoint blob, the serving blob (each with its own header and CRC-32C), then a CRC-32C of',
    'everything before it.',
  ].join('\n'),
});

export const modelCommand: Command = {
  name: 'model',
  summary: 'list, inspect, roll back, export and import the versions of a model in Redis',
  help: HELP,
  run: (argv) => guarded('model', () => model(argv)),
};

async function model(argv: readonly string[]): Promise<number> {
  const [action, ...rest] = argv;
  if (action === undefined || !(MODEL_ACTIONS as readonly string[]).includes(action)) {
    throw new UsageError(`expected an action: ${MODEL_ACTIONS.join(', ')}${action === undefined ? '' : `, got '${action}'`}`);
  }
  const flags = parseFlags(MODEL_SETTINGS, rest);
  if (action === 'inspect' && flags.in !== undefined) return inspectFile(flags, flags.in);
  const name = flags.model === undefined ? undefined : checkModelName('model', flags.model);
  if (name === undefined) throw new UsageError('--model (STREAMLR_MODEL): required');
  const store = openStore(flags, action === 'import' ? flags.keep : undefined);
  try {
    return await withStore(flags.redis, () => run(action as Action, store, name, flags));
  } finally {
    await store.close().catch(() => undefined);
  }
}

function run(action: Action, store: ModelStore, name: string, flags: Flags): Promise<number> {
  switch (action) {
    case 'list':
      return list(store, name, flags);
    case 'inspect':
      return inspect(store, name, flags);
    case 'rollback':
      return rollback(store, name, flags);
    case 'export':
      return exportVersion(store, name, flags);
    case 'import':
      return importFile(store, name, flags);
  }
}

async function resolveVersion(store: ModelStore, name: string, version: number | undefined): Promise<number> {
  if (version !== undefined) return version;
  const latest = await store.latestVersion(name);
  if (latest === null) throw new CommandError(`model '${name}' has no published version`);
  return latest;
}

function describeOffsets(offsets: Readonly<Record<string, string>>): string {
  const entries = Object.entries(offsets);
  return entries.length === 0 ? '-' : entries.map(([k, v]) => `${k}=${v}`).join(' ');
}

/** A VersionMeta without the store's blob record, as kept in model files. */
function fileMeta(meta: StoredVersionMeta): ModelFileMeta {
  const { blobs: _blobs, ...rest } = meta;
  return rest;
}

async function list(store: ModelStore, name: string, flags: Flags): Promise<number> {
  const versions = await store.list(name);
  const latest = await store.latestVersion(name);
  if (versions.length === 0) throw new CommandError(`model '${name}' has no published version`);
  if (flags.json) {
    process.stdout.write(jsonLine({ model: name, latest, versions }));
    return 0;
  }
  const rows = versions.map((m) => [
    m.version === latest ? `* ${m.version}` : `  ${m.version}`,
    new Date(m.createdAt).toISOString(),
    formatCount(m.samplesSeen),
    formatMetric(m.metrics?.logloss),
    formatMetric(m.metrics?.accuracy),
    formatMetric(m.metrics?.auc),
    String(m.epoch),
    m.parent === undefined ? '-' : String(m.parent),
    describeOffsets(m.offsets),
  ]);
  const head = ['  version', 'created', 'samples', 'logloss', 'accuracy', 'auc', 'epoch', 'parent', 'offsets'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  process.stdout.write(`model ${name}: ${versions.length} version${versions.length === 1 ? '' : 's'} kept, latest ${latest ?? '-'} (* = latest; metrics are progressive)\n`);
  process.stdout.write(`${[line(head), ...rows.map(line)].join('\n')}\n`);
  return 0;
}

interface Inspection {
  readonly header: SnapshotHeader;
  readonly learner: LogisticRegression;
  readonly checkpointBytes: number;
  readonly servingBytes: number;
  readonly servingPrecision: 32 | 64;
}

function inspection(checkpoint: Uint8Array, serving: Uint8Array): Inspection {
  const { header, learner } = decodeCheckpoint(checkpoint);
  const { model } = decodeServing(serving);
  return { header, learner, checkpointBytes: checkpoint.length, servingBytes: serving.length, servingPrecision: model.precision };
}

/** The `k` largest weights by magnitude over every slot, with their names where known. O(m). */
function topWeights(learner: LogisticRegression, names: ReadonlyMap<number, string>, k: number): { slot: number; weight: number; name: string | null }[] {
  if (k === 0) return [];
  const slots: number[] = [];
  const weights: number[] = [];
  for (let slot = 0; slot < learner.slots; slot++) {
    const w = learner.weight(slot);
    if (w !== 0) {
      slots.push(slot);
      weights.push(w);
    }
  }
  const order = slots.map((_, i) => i).sort((a, b) => Math.abs(weights[b]!) - Math.abs(weights[a]!) || slots[a]! - slots[b]!);
  return order.slice(0, k).map((i) => ({ slot: slots[i]!, weight: weights[i]!, name: names.get(slots[i]!) ?? null }));
}

function printInspection(title: string, view: Inspection, meta: Partial<StoredVersionMeta> | ModelFileMeta, flags: Flags): void {
  const { header, learner } = view;
  const stats = learner.weightStats();
  const names = storedFeatureNames(header.extra);
  const top = topWeights(learner, names, flags.top);
  const { featureNames: _names, ...extra } = header.extra ?? {};
  if (flags.json) {
    process.stdout.write(jsonLine({ header: { ...header, extra }, meta, weights: { ...stats, bias: learner.bias }, top, checkpointBytes: view.checkpointBytes, servingBytes: view.servingBytes }));
    return;
  }
  const options = { featureSpace: header.featureSpace, optimizer: header.optimizer, normalization: header.normalization };
  const rows: [string, string][] = [
    ['created', new Date(header.createdAt).toISOString()],
    ['blobs', `checkpoint ${formatBytes(view.checkpointBytes)} (format ${header.formatVersion}), serving ${formatBytes(view.servingBytes)} (float${view.servingPrecision})`],
    ['feature space', `bits ${header.featureSpace.bits} (${formatCount(2 ** header.featureSpace.bits)} slots), seed ${header.featureSpace.seed}`],
    ['learner', describeLearnerOptions(options)],
    ['samples seen', `${formatCount(header.samplesSeen)} (${formatCount(header.steps)} steps)`],
    ['metrics', `logloss ${formatMetric(header.metrics.logloss)}  accuracy ${formatMetric(header.metrics.accuracy)}  auc ${formatMetric(header.metrics.auc)}  (progressive, n ${formatCount(header.metrics.n)})`],
    ['offsets', describeOffsets(header.offsets)],
  ];
  if (meta.epoch !== undefined) rows.push(['writer epoch', `${meta.epoch}${meta.parent === undefined ? '' : `, grown from v${meta.parent}`}`]);
  if (Object.keys(extra).length > 0) rows.push(['extra', JSON.stringify(extra)]);
  rows.push([
    'weights',
    `${formatCount(stats.nonzero)} non-zero of ${formatCount(stats.slots)} (sparsity ${stats.sparsity.toFixed(4)}), ` +
      `L1 ${stats.l1Norm.toPrecision(5)}, L2 ${stats.l2Norm.toPrecision(5)}, bias ${learner.bias.toPrecision(5)}`,
  ]);
  const width = Math.max(...rows.map(([k]) => k.length));
  process.stdout.write(`${title}\n${rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join('\n')}\n`);
  if (top.length > 0) {
    process.stdout.write(`top ${top.length} weights by magnitude${names.size === 0 ? ' (no feature names in this snapshot: slots only)' : ''}:\n`);
    for (const t of top) {
      const w = `${t.weight >= 0 ? '+' : ''}${t.weight.toPrecision(5)}`;
      process.stdout.write(`  ${w.padStart(12)}  ${t.name ?? `slot ${t.slot}`}${t.name === null ? '' : `  (slot ${t.slot})`}\n`);
    }
  }
}

async function inspect(store: ModelStore, name: string, flags: Flags): Promise<number> {
  const version = await resolveVersion(store, name, flags.version);
  const checkpoint = await store.getCheckpoint(name, version);
  const serving = await store.getServing(name, version);
  const latest = await store.latestVersion(name);
  printInspection(`model ${name} v${version}${version === latest ? ' (latest)' : ''}`, inspection(checkpoint.data, serving.data), checkpoint.meta, flags);
  return 0;
}

async function inspectFile(flags: Flags, path: string): Promise<number> {
  const file = await readModelFile(path);
  const header = file.checkpointHeader;
  printInspection(`model file ${basename(path)}: ${header.model} v${header.version}`, inspection(file.checkpoint, file.serving), file.meta, flags);
  return 0;
}

async function rollback(store: ModelStore, name: string, flags: Flags): Promise<number> {
  if (flags.version === undefined) throw new UsageError('--version (STREAMLR_VERSION): required for rollback');
  const result = await store.rollback(name, flags.version);
  process.stdout.write(
    `model ${name}: latest is now v${result.version} (was v${result.previous ?? '-'}); scorers follow; ` +
      `the trainer writing ${name} is fenced (writer epoch now ${result.epoch}) and resumes from v${result.version} when restarted\n`,
  );
  return 0;
}

async function exportVersion(store: ModelStore, name: string, flags: Flags): Promise<number> {
  if (flags.out === undefined) throw new UsageError('--out (STREAMLR_OUT): required for export');
  await assertWritable(flags.out);
  const version = await resolveVersion(store, name, flags.version);
  const checkpoint = await store.getCheckpoint(name, version);
  const serving = await store.getServing(name, version);
  const bytes = await writeModelFile(flags.out, { meta: fileMeta(checkpoint.meta), checkpoint: checkpoint.data, serving: serving.data });
  process.stdout.write(`exported ${name} v${version} to ${flags.out} (${formatBytes(bytes)}; ${formatCount(checkpoint.meta.samplesSeen)} samples)\n`);
  return 0;
}

async function importFile(store: ModelStore, name: string, flags: Flags): Promise<number> {
  if (flags.in === undefined) throw new UsageError('--in (STREAMLR_IN): required for import');
  const file = await readModelFile(flags.in);
  const { header, learner } = decodeCheckpoint(file.checkpoint);
  const precision = decodeServing(file.serving).model.precision;
  const epoch = await store.acquireEpoch(name);
  const version = await nextVersion(store, name);
  const createdAt = Date.now();
  // Re-encoded under the new name and version, so the blobs' headers (which scorers report) agree
  // with the store; the learner state, metrics, offsets and feature names are carried over unchanged.
  const importedFrom = { model: header.model, version: header.version, createdAt: header.createdAt, file: basename(flags.in) };
  const extra: Record<string, unknown> = { ...(header.extra ?? {}), importedFrom };
  const info = { model: name, version, createdAt, metrics: header.metrics, offsets: header.offsets, extra };
  const checkpoint = encodeCheckpoint(learner, info);
  const serving = encodeServing(learner, info, { precision });
  const { featureNames: _names, ...metaExtra } = extra;
  const metrics = file.meta.metrics;
  const result = await store.publish({
    model: name,
    epoch,
    version,
    checkpoint,
    serving,
    meta: {
      createdAt,
      samplesSeen: learner.samplesSeen,
      offsets: { ...header.offsets },
      extra: metaExtra,
      ...(metrics === undefined ? {} : { metrics }),
    },
  });
  process.stdout.write(
    `imported ${basename(flags.in)} (${header.model} v${header.version}, ${formatCount(learner.samplesSeen)} samples) as ${name} v${result.version}` +
      ` (previous latest ${result.previous === null ? '-' : `v${result.previous}`}, writer epoch ${epoch}); offsets ${describeOffsets(header.offsets)}\n`,
  );
  return 0;
}
