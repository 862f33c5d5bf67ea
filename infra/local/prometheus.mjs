// Prometheus on 127.0.0.1:9090 from Debian's prometheus package, scraping itself, the trainer
// (:9400) and the scorer (:8080) with infra/prometheus/prometheus.yml.
import { join } from 'node:path';
import {
  HOST, LOG_DIR, REPO_ROOT, STATE_DIR, ensureCommand, ensureDir, fileSize, managedService, spawnDetached,
  tail, waitFor,
} from './lib.mjs';

const PORT = 9090;
const CONFIG = join(REPO_ROOT, 'infra', 'prometheus', 'prometheus.yml');
const DIR = join(STATE_DIR, 'prometheus');
const DATA_DIR = join(DIR, 'data');
const PID_FILE = join(DIR, 'prometheus.pid');
const LOG_FILE = join(LOG_DIR, 'prometheus.log');

export const prometheus = managedService({
  name: 'prometheus',
  address: `http://${HOST}:${PORT}`,
  port: PORT,
  pidFile: PID_FILE,
  logFile: LOG_FILE,
  stopGraceMs: 30_000,
  ready: waitReady,

  async start() {
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
    return { ...child, explain: (how) => `prometheus exited (${how}); last log lines:\n${tail(LOG_FILE, 15, logFrom)}` };
  },
});

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
