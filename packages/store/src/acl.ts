import { DEFAULT_NAMESPACE } from './keys.js';

/**
 * Redis 7 ACL rules (https://redis.io/docs/latest/operate/oss_and_stack/management/security/acl/)
 * for the two roles, least privilege: exactly the commands this package sends, on the store's keys
 * and channels only. Use as `ACL SETUSER <name> on ><password> ${rules.join(' ')}`.
 *
 * - trainer: read/write on `{<ns>:*` keys, the Lua scripts (EVAL on a fresh connection, EVALSHA
 *   after; Redis checks every command a script runs against the user, hence the script's commands
 *   are listed), PUBLISH on `<ns>:model:*`.
 * - scorer: `%R~` makes the keys read-only even if a write command slipped in; it may SUBSCRIBE to
 *   the published channel but not PUBLISH, and cannot run scripts.
 * Both: INFO for ioredis's ready check, CLIENT SETNAME for naming connections, PING.
 */
export function aclRules(role: 'trainer' | 'scorer', namespace: string = DEFAULT_NAMESPACE): string[] {
  const common = ['+ping', '+info', '+client|setname', '+multi', '+exec', '+subscribe', '+unsubscribe'];
  const reads = ['+get', '+hgetall', '+zrange'];
  if (role === 'scorer') {
    return ['resetkeys', `%R~{${namespace}:*`, 'resetchannels', `&${namespace}:model:*`, 'nocommands', ...common, ...reads];
  }
  return [
    'resetkeys',
    `~{${namespace}:*`,
    'resetchannels',
    `&${namespace}:model:*`,
    'nocommands',
    ...common,
    ...reads,
    '+eval',
    '+evalsha',
    '+incr',
    // commands the Lua scripts run
    '+set',
    '+del',
    '+hset',
    '+hmget',
    '+zadd',
    '+zrem',
    '+zcard',
    '+zscore',
    '+exists',
    '+publish',
  ];
}
