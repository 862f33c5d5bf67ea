import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeCheckpoint, decodeServing, hashFeatures, LogisticRegression, FeatureNames, SparseVector } from '@streamlr/model';
import { snapshotBlobs, storedFeatureNames } from '@streamlr/stream';
import { decodeModelFile, encodeModelFile, ModelFileError, type ModelFile } from '../src/model-file.js';

function trained(): ModelFile {
  const learner = new LogisticRegression({ featureSpace: { bits: 10 } });
  const names = new FeatureNames();
  const x = new SparseVector();
  for (let i = 0; i < 200; i++) {
    const features = { country: ['US', 'FR'][i % 2]!, amount: i / 100 };
    names.record(features, learner.options.featureSpace);
    learner.learn(hashFeatures(features, learner.options.featureSpace, x), (i % 2) as 0 | 1);
  }
  const info = { model: 'm', version: 3, createdAt: 1_700_000_000_000, offsets: { 't/0': '200' } };
  const blobs = snapshotBlobs(learner, info, names);
  return { meta: { ...info, samplesSeen: 200, epoch: 5 }, checkpoint: blobs.checkpoint, serving: blobs.serving };
}

describe('model file', () => {
  it('round-trips metadata and both blobs byte for byte', () => {
    const file = trained();
    const decoded = decodeModelFile('m.bin', encodeModelFile(file));
    assert.deepEqual(decoded.meta, file.meta);
    assert.deepEqual(Buffer.from(decoded.checkpoint), Buffer.from(file.checkpoint));
    assert.deepEqual(Buffer.from(decoded.serving), Buffer.from(file.serving));
    assert.equal(decoded.checkpointHeader.kind, 'checkpoint');
    assert.equal(decoded.servingHeader.version, 3);
    // The blobs are the model package's own: they decode, and carry the names of the heaviest weights.
    const { header, learner } = decodeCheckpoint(decoded.checkpoint);
    assert.equal(learner.samplesSeen, 200);
    const names = storedFeatureNames(header.extra);
    assert.deepEqual(new Set(names.values()), new Set(['country=US', 'country=FR', 'amount']));
    assert.equal(decodeServing(decoded.serving).model.featureSpace.bits, 10);
  });

  it('refuses foreign, truncated, corrupt and bare-blob files with the reason', () => {
    const bytes = encodeModelFile(trained());
    const refuses = (data: Buffer, pattern: RegExp) =>
      assert.throws(() => decodeModelFile('m.bin', data), (e: unknown) => e instanceof ModelFileError && pattern.test(e.message));
    refuses(Buffer.from('label,x\n1,2\n'), /^m\.bin: not a streamlr model file$/);
    refuses(Buffer.from(trained().checkpoint), /bare snapshot blob/);
    refuses(bytes.subarray(0, bytes.length - 10), /^m\.bin: truncated/);
    const flipped = Buffer.from(bytes);
    flipped[100] = flipped[100]! ^ 0xff;
    refuses(flipped, /^m\.bin: corrupt: checksum mismatch$/);
    const future = Buffer.from(bytes);
    future.writeUInt16LE(9, 8);
    refuses(future, /format version 9/);
  });
});
