/**
 * Redis key layout. All keys of one model share the hash tag `{<namespace>:<model>}` so they live
 * in one Redis Cluster slot and one Lua script may touch them all
 * (https://redis.io/docs/latest/operate/oss_and_stack/reference/cluster-spec/#hash-tags).
 *
 *   {streamlr:<model>}:epoch            string  writer epoch counter (INCR)
 *   {streamlr:<model>}:latest           string  version number `latest` points to
 *   {streamlr:<model>}:versions         zset    kept versions, member = score = version
 *   {streamlr:<model>}:v:<n>:ckpt       string  checkpoint blob of version n (immutable)
 *   {streamlr:<model>}:v:<n>:serving    string  serving blob of version n (immutable)
 *   {streamlr:<model>}:v:<n>:meta       hash    meta JSON + epoch + size and sha256 of each blob
 *   channel <namespace>:model:<model>:published   PUBLISH on publish and rollback
 */

export const DEFAULT_NAMESPACE = 'streamlr';

/**
 * Model names are restricted so they can appear inside a hash tag, a glob-free ACL pattern and a
 * JSON notification without escaping (no braces, colons, spaces or glob characters).
 */
export const MODEL_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export interface ModelKeys {
  tag: string;
  epoch: string;
  latest: string;
  versions: string;
  /** Prefix of per-version keys: `${versionPrefix}<n>:ckpt`. */
  versionPrefix: string;
  checkpoint(version: number): string;
  serving(version: number): string;
  meta(version: number): string;
  channel: string;
}

export function modelKeys(model: string, namespace: string = DEFAULT_NAMESPACE): ModelKeys {
  const tag = `{${namespace}:${model}}`;
  const versionPrefix = `${tag}:v:`;
  return {
    tag,
    epoch: `${tag}:epoch`,
    latest: `${tag}:latest`,
    versions: `${tag}:versions`,
    versionPrefix,
    checkpoint: (version) => `${versionPrefix}${version}:ckpt`,
    serving: (version) => `${versionPrefix}${version}:serving`,
    meta: (version) => `${versionPrefix}${version}:meta`,
    channel: publishedChannel(model, namespace),
  };
}

export function publishedChannel(model: string, namespace: string = DEFAULT_NAMESPACE): string {
  return `${namespace}:model:${model}:published`;
}

/** Field names of the per-version meta hash. */
export const META_FIELDS = {
  json: 'meta',
  epoch: 'epoch',
  checkpointSha256: 'checkpoint.sha256',
  checkpointBytes: 'checkpoint.bytes',
  servingSha256: 'serving.sha256',
  servingBytes: 'serving.bytes',
} as const;
