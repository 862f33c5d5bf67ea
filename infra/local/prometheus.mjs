// Prometheus on 127.0.0.1:9090 from Debian's prometheus package, scraping itself, the trainer
// (:9400) and the scorer (:8080) with infra/prometheus/prometheus.yml.
import { join } from 'node:path';
import {
  HOST, LOG_DIR, REPO_ROOT, STATE_DIR, ensureCommand, ensureDir, fileSize, isListening, ownProcess,
  spawnDetached, stopOwn, tail, waitFor,
} from './lib.mjs';

const PORT = 9090;
const CONFIG = join(REPO_ROOT, 'infra', 'prometheus', 'prometheus.yml');
const DIR = join(STATE_DIR, 'prometheus');
const DATA_DIR = join(DIR, 'data');
const PID_FILE = join(DIR, 'prometheus.pid');
const LOG_FILE = join(LOG_DIR, 'prometheus.log');

export const prometheus = {
  name: 'prometheus',
  address: `http://${HOST}:${PORT}`,
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
    ensureCommand('prometheus', 'prometheus');
    ensureDir(DATA_DIR);
    const logFrom = fileSize(LOG_FILE);
    const child = spawnDetached(
      'prometheus',
      [
        `--config.file=${CONFIG}`,
        `--storage.tsdb.path=${DATA_DIR}`,
        '--storage.tsdb.retention.time=7d',
        `--web.listen-address=${HOST}:${PORT}`,
        // Lets a changed prometheus.yml be applied with POST /-/reload instead of a restart.
        '--web.enable-lifecycle',
      ],
      { pidFile: PID_FILE, outFile: LOG_FILE, cwd: DIR },
    );
    try {
      await waitReady(() => {
        const exited = child.exited();
        return exited === null ? null : `prometheus exited (${exited}); last log lines:\n${tail(LOG_FILE, 15, logFrom)}`;
      });
    } catch (err) {
      await stopOwn(PID_FILE, { graceMs: 5_000 });
      throw err;
    }
    return { state: 'started', pid: child.pid };
  },

  async down() {
    const pid = await stopOwn(PID_FILE, { graceMs: 30_000 });
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

/** Ready when /-/ready answers 200 (Prometheus has loaded its config and its TSDB). */
async function waitReady(abort) {
  await waitFor(
    `prometheus on ${HOST}:${PORT}`,
    async () => {
      const res = await fetch(`http://${HOST}:${PORT}/-/ready`, { signal: AbortSignal.timeout(2_000) });
      return res.status === 200;
    },
    { timeoutMs: 60_000, intervalMs: 200, abort },
  );
}
