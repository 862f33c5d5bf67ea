// Redis on 127.0.0.1:6379 from Debian's redis-server. A Redis already answering there (started by
// hand, by systemd, by another checkout) is reused and never stopped by these scripts.
import { createConnection } from 'node:net';
import { join } from 'node:path';
import {
  HOST, InfraError, LOG_DIR, STATE_DIR, ensureCommand, ensureDir, fileSize, managedService, spawnDetached,
  tail, waitFor,
} from './lib.mjs';

// STREAMLR_REDIS_PORT exists so the start path can be exercised beside a Redis already on 6379.
const PORT = Number(process.env.STREAMLR_REDIS_PORT ?? 6379);
const DIR = join(STATE_DIR, 'redis');
const PID_FILE = join(DIR, 'redis.pid');
const LOG_FILE = join(LOG_DIR, 'redis.log');

export const redis = managedService({
  name: 'redis',
  address: `redis://${HOST}:${PORT}`,
  port: PORT,
  pidFile: PID_FILE,
  logFile: LOG_FILE,
  stopGraceMs: 15_000,
  ready: waitReady,

  async start() {
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
    return { ...child, explain: (how) => `redis-server exited (${how}); last log lines:\n${tail(LOG_FILE, 15, logFrom)}` };
  },
});

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
