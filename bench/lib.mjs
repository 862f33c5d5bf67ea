// Small helpers shared by the bench scripts (peers, pipeline, complexity, the combined run).
import { spawn } from 'node:child_process';
import { cpus, loadavg } from 'node:os';

export function median(values) {
  const s = values.filter((v) => typeof v === 'number' && Number.isFinite(v)).sort((a, b) => a - b);
  if (s.length === 0) return null;
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Cores, CPU model name and the 1/5/15-minute load averages, as results.json's `machine`. */
export function machine() {
  return { cores: cpus().length, model: cpus()[0]?.model ?? 'unknown CPU', load: loadavg().map((l) => Math.round(l * 100) / 100) };
}

export function describeMachine(m = machine()) {
  return `${m.cores} × ${m.model}, Node ${process.version}, load average ${m.load.join(' ')}`;
}

export const say = (line) => process.stdout.write(`${line}\n`);

/**
 * Runs a command to completion; resolves with its stdout, stderr and wall seconds. Rejects when it
 * exits non-zero (with the tail of its stderr). `echo: true` also passes its output through live.
 */
export function run(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => {
      stdout += c;
      if (options.echo) process.stdout.write(c);
    });
    child.stderr.on('data', (c) => {
      stderr += c;
      if (options.echo) process.stderr.write(c);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const seconds = (performance.now() - started) / 1000;
      if (code !== 0) {
        reject(new Error(`${command} ${args.join(' ')} exited with ${code ?? signal}\n${stderr.split('\n').slice(-15).join('\n')}`));
      } else {
        resolve({ stdout, stderr, seconds });
      }
    });
  });
}

/** The last line of a runner's stdout, parsed as JSON. */
export function lastJson(stdout) {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]);
}

export const fmtInt = (n) => (n === null || n === undefined || !Number.isFinite(n) ? '—' : Math.round(n).toLocaleString('en-US'));
export const fmt = (n, digits = 4) => (n === null || n === undefined || !Number.isFinite(n) ? '—' : n.toFixed(digits));
