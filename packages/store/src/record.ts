import { createHash } from 'node:crypto';
import { CorruptBlobError } from './errors.js';
import { META_FIELDS } from './keys.js';
import type {
  BlobInfo,
  BlobPart,
  PublishRequest,
  PublishResult,
  StoredBlob,
  StoredVersionMeta,
  VersionMeta,
  VersionMetrics,
} from './types.js';
import { validatePublishRequest } from './validate.js';

/** Lowercase hex SHA-256 (FIPS 180-4) of a blob: the store's own integrity check of what it stored. */
export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export function blobInfo(data: Uint8Array): BlobInfo {
  return { bytes: data.byteLength, sha256: sha256Hex(data) };
}

/** The per-version meta hash (field → value), identical in Redis and in memory. */
export function encodeMetaRecord(meta: VersionMeta, blobs: Record<BlobPart, BlobInfo>): Record<string, string> {
  return {
    // JSON.stringify turns NaN metrics into null; decodeMetaRecord turns them back.
    [META_FIELDS.json]: JSON.stringify(meta),
    [META_FIELDS.epoch]: String(meta.epoch),
    [META_FIELDS.checkpointSha256]: blobs.checkpoint.sha256,
    [META_FIELDS.checkpointBytes]: String(blobs.checkpoint.bytes),
    [META_FIELDS.servingSha256]: blobs.serving.sha256,
    [META_FIELDS.servingBytes]: String(blobs.serving.bytes),
  };
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

function decodeBlobInfo(model: string, version: number, part: BlobPart, sha: unknown, bytes: unknown): BlobInfo {
  const size = typeof bytes === 'string' && /^\d+$/.test(bytes) ? Number(bytes) : NaN;
  if (typeof sha !== 'string' || !SHA256_HEX.test(sha) || !Number.isSafeInteger(size)) {
    throw new CorruptBlobError(model, version, 'meta', `missing or malformed ${part} checksum/size`);
  }
  return { bytes: size, sha256: sha };
}

export function decodeMetaRecord(model: string, version: number, record: Record<string, string>): StoredVersionMeta {
  const json = record[META_FIELDS.json];
  let parsed: unknown;
  try {
    parsed = JSON.parse(json ?? '');
  } catch (error) {
    throw new CorruptBlobError(model, version, 'meta', `meta JSON does not parse (${(error as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null) {
    throw new CorruptBlobError(model, version, 'meta', 'meta JSON is not an object');
  }
  const meta = parsed as VersionMeta;
  if (meta.model !== model || meta.version !== version) {
    throw new CorruptBlobError(model, version, 'meta', `meta names ${String(meta.model)} version ${String(meta.version)}`);
  }
  if (meta.metrics !== undefined) {
    const metrics = meta.metrics as unknown as Record<keyof VersionMetrics, number | null>;
    for (const name of ['logloss', 'accuracy', 'auc', 'n'] as const) {
      if (metrics[name] === null) metrics[name] = NaN;
    }
  }
  return {
    ...meta,
    blobs: {
      checkpoint: decodeBlobInfo(model, version, 'checkpoint', record[META_FIELDS.checkpointSha256], record[META_FIELDS.checkpointBytes]),
      serving: decodeBlobInfo(model, version, 'serving', record[META_FIELDS.servingSha256], record[META_FIELDS.servingBytes]),
    },
  };
}

/** Why `data` is not the blob `expected` describes (its size, then its SHA-256), or null when it is. */
export function blobMismatch(data: Uint8Array, expected: BlobInfo): string | null {
  if (data.byteLength !== expected.bytes) return `size ${data.byteLength} bytes, expected ${expected.bytes}`;
  const actual = sha256Hex(data);
  return actual === expected.sha256 ? null : `sha256 ${actual}, expected ${expected.sha256}`;
}

/**
 * A loaded version part as both stores return it: the meta decoded from its record and the blob
 * checked against it. Throws CorruptBlobError when the meta is malformed, the blob is missing, or
 * its size or SHA-256 differ from what publish recorded.
 */
export function verifiedBlob(
  model: string,
  version: number,
  part: BlobPart,
  record: Record<string, string>,
  data: Buffer | null,
): StoredBlob {
  const meta = decodeMetaRecord(model, version, record);
  if (data === null) throw new CorruptBlobError(model, version, part, 'blob missing');
  const mismatch = blobMismatch(data, meta.blobs[part]);
  if (mismatch !== null) throw new CorruptBlobError(model, version, part, mismatch);
  return { model, version, part, data, meta };
}

/** A validated publish request with the meta hash record both stores write for it. */
export interface PublishRecord {
  meta: VersionMeta;
  blobs: Record<BlobPart, BlobInfo>;
  record: Record<string, string>;
  /** The result of a publish that replaced `previous` as latest and trimmed `trimmed`. */
  result(previous: number | null, trimmed: number[]): PublishResult;
}

export function publishRecord(request: PublishRequest): PublishRecord {
  const meta = validatePublishRequest(request);
  const blobs = { checkpoint: blobInfo(request.checkpoint), serving: blobInfo(request.serving) };
  const record = encodeMetaRecord(meta, blobs);
  const { model, version, epoch } = meta;
  return {
    meta,
    blobs,
    record,
    result: (previous, trimmed) => ({
      model,
      version,
      epoch,
      previous,
      trimmed,
      duplicate: false,
      meta: decodeMetaRecord(model, version, record),
    }),
  };
}
