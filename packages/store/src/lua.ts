/**
 * Lua scripts run by the writer connection (ioredis defineCommand: EVALSHA with an automatic EVAL
 * fallback on NOSCRIPT). Redis runs a script atomically, so a reader sees either none or all of a
 * publish. Every key a script touches carries the model's hash tag; the per-version keys of trimmed
 * versions are built from the `versionPrefix` argument and therefore land in the same Cluster slot
 * as the declared keys.
 *
 * Versions are handled as the decimal strings the client sent (never `tostring` of a Lua number,
 * whose "%.14g" format would mangle versions above 10^14).
 */
import type { LuaScript } from './redis-connections.js';

/**
 * KEYS: 1 epoch, 2 latest, 3 versions (zset), 4 checkpoint blob, 5 serving blob, 6 meta hash
 * ARGV: 1 epoch, 2 version, 3 keep, 4 versionPrefix, 5 channel, 6 notification payload,
 *       7 checkpoint bytes, 8 serving bytes, 9 checkpoint sha256, 10 serving sha256,
 *       11.. meta hash field/value pairs
 * Returns {'OK', previousLatest|'', {trimmed...}} | {'STALE_EPOCH', currentEpoch}
 *       | {'NOT_FORWARD', highestVersion} | {'DUPLICATE', latest|''}
 */
export const PUBLISH_SCRIPT: LuaScript = {
  name: 'streamlrPublish',
  numberOfKeys: 6,
  lua: `
local current = redis.call('GET', KEYS[1]) or '0'
if tonumber(ARGV[1]) ~= tonumber(current) then
  return {'STALE_EPOCH', current}
end
local latest = redis.call('GET', KEYS[2]) or ''
-- A retried publish (the reply was lost, the script had run): same version, same writer epoch,
-- same bytes. Report success without writing or notifying again.
local stored = redis.call('HMGET', KEYS[6], 'epoch', 'checkpoint.sha256', 'serving.sha256')
if stored[1] == ARGV[1] and stored[2] == ARGV[9] and stored[3] == ARGV[10] then
  return {'DUPLICATE', latest}
end
-- Forward-only: above the latest pointer and above every kept version (after a rollback, latest
-- is below the highest kept version, whose keys must stay immutable).
local highest = latest
local top = redis.call('ZRANGE', KEYS[3], -1, -1)
if top[1] and (highest == '' or tonumber(top[1]) > tonumber(highest)) then
  highest = top[1]
end
if highest ~= '' and tonumber(ARGV[2]) <= tonumber(highest) then
  return {'NOT_FORWARD', highest}
end
redis.call('SET', KEYS[4], ARGV[7])
redis.call('SET', KEYS[5], ARGV[8])
redis.call('DEL', KEYS[6])
redis.call('HSET', KEYS[6], unpack(ARGV, 11))
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[2])
redis.call('SET', KEYS[2], ARGV[2])
-- Keep the newest K versions; never the one latest points to.
local trimmed = {}
local excess = redis.call('ZCARD', KEYS[3]) - tonumber(ARGV[3])
if excess > 0 then
  local oldest = redis.call('ZRANGE', KEYS[3], 0, excess)
  for _, member in ipairs(oldest) do
    if #trimmed >= excess then break end
    if member ~= ARGV[2] then
      redis.call('DEL', ARGV[4] .. member .. ':ckpt', ARGV[4] .. member .. ':serving', ARGV[4] .. member .. ':meta')
      redis.call('ZREM', KEYS[3], member)
      trimmed[#trimmed + 1] = member
    end
  end
end
redis.call('PUBLISH', ARGV[5], ARGV[6])
return {'OK', latest, trimmed}
`,
};

/**
 * KEYS: 1 epoch, 2 latest, 3 versions (zset), 4 meta hash of the target version
 * ARGV: 1 version, 2 expected epoch or '' (unconditional), 3 channel
 * Returns {'OK', previousLatest|'', newEpoch} | {'STALE_EPOCH', currentEpoch} | {'NOT_FOUND', currentEpoch}
 */
export const ROLLBACK_SCRIPT: LuaScript = {
  name: 'streamlrRollback',
  numberOfKeys: 4,
  lua: `
local current = redis.call('GET', KEYS[1]) or '0'
if ARGV[2] ~= '' and tonumber(ARGV[2]) ~= tonumber(current) then
  return {'STALE_EPOCH', current}
end
if not redis.call('ZSCORE', KEYS[3], ARGV[1]) or redis.call('EXISTS', KEYS[4]) == 0 then
  return {'NOT_FOUND', current}
end
local previous = redis.call('GET', KEYS[2]) or ''
redis.call('SET', KEYS[2], ARGV[1])
-- Fence the running trainer: its next publish fails with a stale epoch, so it reloads the
-- rolled-back version instead of publishing on top of the state it had.
local epoch = redis.call('INCR', KEYS[1])
redis.call('PUBLISH', ARGV[3], '{"event":"rollback","version":' .. ARGV[1] .. ',"epoch":' .. epoch .. '}')
return {'OK', previous, epoch}
`,
};

/**
 * KEYS: 1 epoch, 2 latest, 3 versions (zset)
 * ARGV: 1 versionPrefix
 * Returns the number of keys deleted.
 */
export const DELETE_SCRIPT: LuaScript = {
  name: 'streamlrDelete',
  numberOfKeys: 3,
  lua: `
local members = redis.call('ZRANGE', KEYS[3], 0, -1)
local deleted = 0
for _, member in ipairs(members) do
  deleted = deleted + redis.call('DEL', ARGV[1] .. member .. ':ckpt', ARGV[1] .. member .. ':serving', ARGV[1] .. member .. ':meta')
end
return deleted + redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
`,
};
