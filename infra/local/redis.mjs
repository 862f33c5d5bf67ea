// Redis on 127.0.0.1:6379 from Debian's redis-server. A Redis already answering there (started by
// hand, by systemd, by another checkout) is reused and never stopped by these scripts.
import { createConnection } from 'node:net';
import { join } from 'node:path';
import {
  HOST, InfraError, LOG_DIR, STATE_DIR, ensureCommand, ensureDir, fileSize, isListening, ownProcess,
  spawnDetached, stopOwn, tail, waitFor,
} from './lib.mjs';

// STREAMLR_REDIS_PORT exists so the start path can be exercised beside a Redis already on 6379.
const PORT = Number(process.env.STREAMLR_REDIS_PORT ?? 6379);
const DIR = join(STATE_DIR, 'redis');
const PID_FILE = join(DIR, 'redis.pid');
const LOG_FILE = join(LOG_DIR, 'redis.log');

export const redis = {
  name: 'redis',
  address: `redis://${HOST}:${PORT}`,
  logFile: LOG_FILE,

  async up() {
    const own = ownProcess(PID_FILE);
    if (own !== null) {
      await waitReady();
      return { state: 'running', pid: own.pid };
    }
    if (await isListening(PORT)) {
      await waitReady();
      return { state: 'reused' };
    }
    ensureCommand('redis-server', 'redis-server');
    ensureDir(DIR);
    const logFrom = fileSize(LOG_FILE);
    const child = spawnDetached(
      'redis-server',
      [
        '--bind', HOST, '--port', String(PORT), '--protected-mode', 'yes', '--daemonize', 'no',
        // The RDB file lives with our state, so stored model snapshots survive a restart.
        '--dir', DIR, '--dbfilename', 'dump.rdb', '--appendonly', 'no',
      ],
      { pidFile: PID_FILE, outFile: LOG_FILE, cwd: DIR },
    );
    try {
      await waitReady(() => {
        const exited = child.exited();
        return exited === null ? null : `redis-server exited (${exited}); last log lines:\n${tail(LOG_FILE, 15, logFrom)}`;
      });
    } catch (err) {
      await stopOwn(PID_FILE, { graceMs: 5_000 });
      throw err;
    }
    return { state: 'started', pid: child.pid };
  },

  async down() {
    const pid = await stopOwn(PID_FILE, { graceMs: 15_000 });
    if (pid !== null) return { state: 'stopped', pid };
    return { state: (await isListening(PORT)) ? 'foreign' : 'down' };
  },

  async status() {
    const own = ownProcess(PID_FILE);
    const listening = await isListening(PORT);
    if (own !== null) return { state: listening ? 'running' : 'starting', pid: own.pid };
    return { state: listening ? 'foreign' : 'down' };
  },
};

/** Ready when PING answers +PONG (an inline command, no client library needed). */
function ping(timeoutMs = 1_000) {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: HOST, port: PORT });
    let reply = '';
    const finish = (err, value) => {
      socket.destroy();
      if (err) reject(err);
      else resolve(value);
    };
    socket.setTimeout(timeoutMs, () => finish(new Error('PING timed out')));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (!reply.includes('\r\n')) return;
      const line = reply.slice(0, reply.indexOf('\r\n'));
      if (line === '+PONG') finish(null, true);
      else if (line.startsWith('-LOADING')) finish(null, false);
      else finish(new InfraError(`something on ${HOST}:${PORT} answered PING with "${line}" (not a usable Redis)`));
    });
    socket.once('error', (err) => finish(err));
  });
}

async function waitReady(abort) {
  await waitFor(`redis on ${HOST}:${PORT}`, () => ping(), { timeoutMs: 30_000, intervalMs: 100, abort });
}
