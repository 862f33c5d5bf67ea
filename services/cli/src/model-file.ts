import { randomBytes } from 'node:crypto';
import { access, constants, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { crc32c, inspectSnapshot, SnapshotError, type SnapshotHeader } from '@streamlr/model';
import type { VersionMeta } from '@streamlr/store';
import { CommandError } from './cli.js';

/**
 * A model file (`streamlr train --out`, `model export`, `model import`, `evaluate --model`): one
 * published version, both blobs exactly as the store holds them (DESIGN section 5), plus the
 * version's metadata. The blobs keep their own headers and CRC-32C; the container adds the
 * metadata and a checksum over everything.
 *
 * Layout, format version 1, integers little-endian:
 *
 *   offset  size  field
 *        0     8  magic, ASCII "SLRMODEL"
 *        8     2  container format version (u16) = 1
 *       10     2  reserved, 0
 *       12     4  M = metadata length in bytes (u32)
 *       16     8  C = checkpoint blob length (u64)
 *       24     8  S = serving blob length (u64)
 *       32     M  metadata: UTF-8 JSON, the version's VersionMeta (model, version, createdAt,
 *                 samplesSeen, metrics, offsets, extra; epoch and parent when exported from a store)
 *   32 + M     C  checkpoint blob (magic "STREAMLR", kind checkpoint)
 *        …     S  serving blob (magic "STREAMLR", kind serving)
 *   end − 4    4  CRC-32C of every byte before it (u32)
 *
 * Why both blobs when serving derives from the checkpoint: export → import and export → scorer
 * then move the exact bytes a trainer published (a Float64 serving model stays Float64), and a
 * file is checked once, whole, before anything reads it.
 */

export const MODEL_FILE_VERSION = 1;
const MAGIC = Buffer.from('SLRMODEL', 'ascii');
const PRELUDE = 32;
const CHECKSUM = 4;

/** The metadata of a model file: a VersionMeta whose epoch is absent for files `train` wrote. */
export type ModelFileMeta = Omit<VersionMeta, 'epoch'> & { readonly epoch?: number };

export interface ModelFile {
  readonly meta: ModelFileMeta;
  readonly checkpoint: Uint8Array;
  readonly serving: Uint8Array;
}

/** A model file that cannot be read: names the file and the problem. */
export class ModelFileError extends CommandError {
  override readonly name = 'ModelFileError';
  constructor(
    readonly path: string,
    detail: string,
    options: { cause?: unknown } = {},
  ) {
    super(`${path}: ${detail}`, options);
  }
}

export function encodeModelFile(file: ModelFile): Buffer {
  const meta = Buffer.from(JSON.stringify(file.meta), 'utf8');
  const total = PRELUDE + meta.length + file.checkpoint.length + file.serving.length + CHECKSUM;
  const out = Buffer.alloc(total);
  MAGIC.copy(out, 0);
  out.writeUInt16LE(MODEL_FILE_VERSION, 8);
  out.writeUInt16LE(0, 10);
  out.writeUInt32LE(meta.length, 12);
  out.writeBigUInt64LE(BigInt(file.checkpoint.length), 16);
  out.writeBigUInt64LE(BigInt(file.serving.length), 24);
  let at = PRELUDE;
  at += meta.copy(out, at);
  out.set(file.checkpoint, at);
  at += file.checkpoint.length;
  out.set(file.serving, at);
  at += file.serving.length;
  out.writeUInt32LE(crc32c(out.subarray(0, at)), at);
  return out;
}

/** Parses and verifies a model file's bytes (container checksum, then both blobs' own checks). */
export function decodeModelFile(path: string, bytes: Buffer): ModelFile & { readonly checkpointHeader: SnapshotHeader; readonly servingHeader: SnapshotHeader } {
  if (bytes.length < MAGIC.length || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) {
    const hint = bytes.subarray(0, 8).toString('latin1') === 'STREAMLR' ? ' (it is a bare snapshot blob, not a model file)' : '';
    throw new ModelFileError(path, `not a streamlr model file${hint}`);
  }
  if (bytes.length < PRELUDE + CHECKSUM) throw new ModelFileError(path, `truncated: ${bytes.length} bytes`);
  const version = bytes.readUInt16LE(8);
  if (version !== MODEL_FILE_VERSION) throw new ModelFileError(path, `model file format version ${version}; this streamlr reads version ${MODEL_FILE_VERSION}`);
  const metaLength = bytes.readUInt32LE(12);
  const checkpointLength = Number(bytes.readBigUInt64LE(16));
  const servingLength = Number(bytes.readBigUInt64LE(24));
  const total = PRELUDE + metaLength + checkpointLength + servingLength + CHECKSUM;
  if (bytes.length < total) throw new ModelFileError(path, `truncated: ${bytes.length} bytes, expected ${total}`);
  if (bytes.length > total) throw new ModelFileError(path, `corrupt: ${bytes.length} bytes, expected ${total}`);
  if (crc32c(bytes.subarray(0, total - CHECKSUM)) !== bytes.readUInt32LE(total - CHECKSUM)) {
    throw new ModelFileError(path, 'corrupt: checksum mismatch');
  }
  let meta: ModelFileMeta;
  try {
    meta = JSON.parse(bytes.subarray(PRELUDE, PRELUDE + metaLength).toString('utf8')) as ModelFileMeta;
  } catch (cause) {
    throw new ModelFileError(path, 'corrupt: metadata is not JSON', { cause });
  }
  const checkpoint = bytes.subarray(PRELUDE + metaLength, PRELUDE + metaLength + checkpointLength);
  const serving = bytes.subarray(PRELUDE + metaLength + checkpointLength, total - CHECKSUM);
  let checkpointHeader: SnapshotHeader;
  let servingHeader: SnapshotHeader;
  try {
    checkpointHeader = inspectSnapshot(checkpoint);
    servingHeader = inspectSnapshot(serving);
  } catch (cause) {
    throw new ModelFileError(path, cause instanceof SnapshotError ? cause.message : `unreadable snapshot: ${String(cause)}`, { cause });
  }
  if (checkpointHeader.kind !== 'checkpoint' || servingHeader.kind !== 'serving') throw new ModelFileError(path, 'corrupt: blobs in the wrong order');
  return { meta, checkpoint, serving, checkpointHeader, servingHeader };
}

export type DecodedModelFile = ReturnType<typeof decodeModelFile>;

export async function readModelFile(path: string): Promise<DecodedModelFile> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (cause) {
    throw new ModelFileError(path, `cannot read: ${(cause as Error).message}`, { cause });
  }
  return decodeModelFile(path, bytes);
}

/** Fails early (before long work) when `path` cannot be written: its directory is missing or read-only. */
export async function assertWritable(path: string): Promise<void> {
  try {
    await access(dirname(path), constants.W_OK);
  } catch (cause) {
    throw new ModelFileError(path, `cannot write: ${(cause as Error).message}`, { cause });
  }
}

/** Writes the file atomically (a temporary file renamed over the target): never half a model. */
export async function writeModelFile(path: string, file: ModelFile): Promise<number> {
  const bytes = encodeModelFile(file);
  const temporary = `${path}.tmp-${process.pid}-${randomBytes(3).toString('hex')}`;
  try {
    await writeFile(temporary, bytes);
    await rename(temporary, path);
  } catch (cause) {
    await rm(temporary, { force: true }).catch(() => undefined);
    throw new ModelFileError(path, `cannot write: ${(cause as Error).message}`, { cause });
  }
  return bytes.length;
}
