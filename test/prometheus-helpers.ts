// A dedicated Prometheus for a test (Debian's /usr/bin/prometheus), scraping the test's own trainer
// and scorer ports every second with infra/prometheus/rules.yml loaded, and the HTTP API calls and
// Grafana-variable substitution the dashboard test needs.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const RULES = join(ROOT, 'infra', 'prometheus', 'rules.yml');
export const DASHBOARD = join(ROOT, 'infra', 'grafana', 'dashboards', 'streamlr.json');

/** An executable from $<env>, /usr/bin (Debian's prometheus package) or $PATH; a clear error otherwise. */
export function findExecutable(name: string, env: string): string {
  const candidates = [process.env[env], `/usr/bin/${name}`, ...(process.env['PATH'] ?? '').split(delimiter).map((d) => join(d, name))];
  for (const candidate of candidates) {
    if (candidate === undefined || candidate === '') continue;
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      /* next */
    }
  }
  throw new Error(`${name} not found: install Prometheus (Debian: apt-get install prometheus) or set ${env}=/path/to/${name}`);
}

/** A port nothing listens on right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface PrometheusOptions {
  /** job name → host:port targets. */
  readonly jobs: Readonly<Record<string, readonly string[]>>;
  /** Scrape and rule evaluation interval, seconds. */
  readonly intervalSeconds: number;
  /** Absolute paths of rule files to load. */
  readonly ruleFiles: readonly string[];
}

export interface Prometheus {
  readonly url: string;
  readonly child: ChildProcess;
  /** The last lines of its log, for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

/** Starts Prometheus on a free 127.0.0.1 port with a generated config; resolves when /-/ready answers. */
export async function startPrometheus(options: PrometheusOptions): Promise<Prometheus> {
  const bin = findExecutable('prometheus', 'PROMETHEUS');
  const dir = mkdtempSync(join(tmpdir(), 'streamlr-prometheus-'));
  const interval = `${options.intervalSeconds}s`;
  // JSON is YAML: no YAML writer needed for a generated config.
  const config = {
    global: { scrape_interval: interval, evaluation_interval: interval },
    rule_files: options.ruleFiles,
    scrape_configs: Object.entries(options.jobs).map(([job, targets]) => ({ job_name: job, static_configs: [{ targets }] })),
  };
  writeFileSync(join(dir, 'prometheus.yml'), JSON.stringify(config, null, 2));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    bin,
    [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-20_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const log = (): string => output.split('\n').slice(-15).join('\n');
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await stop();
      throw new Error(`prometheus exited before it was ready:\n${log()}`);
    }
    const ready = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1_000) }).then((r) => r.status === 200, () => false);
    if (ready) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`prometheus on ${url} not ready after 30 s:\n${log()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, child, log, stop };
}

interface ApiResponse<T> {
  status: 'success' | 'error';
  data: T;
  error?: string;
  errorType?: string;
}

/** GET an /api/v1 endpoint; throws with Prometheus's own error text on a bad query. */
export async function api<T>(base: string, path: string, params: Record<string, string | string[]> = {}): Promise<T> {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) for (const v of Array.isArray(value) ? value : [value]) search.append(key, v);
  const res = await fetch(`${base}/api/v1/${path}?${search}`, { signal: AbortSignal.timeout(10_000) });
  const body = (await res.json()) as ApiResponse<T>;
  if (body.status !== 'success') throw new Error(`${path}: ${body.errorType}: ${body.error}`);
  return body.data;
}

export interface RangeSeries {
  metric: Record<string, string>;
  values: [number, string][];
}

export async function queryRange(base: string, expr: string, startSeconds: number, endSeconds: number, stepSeconds: number): Promise<RangeSeries[]> {
  const data = await api<{ resultType: string; result: RangeSeries[] }>(base, 'query_range', {
    query: expr,
    start: String(startSeconds),
    end: String(endSeconds),
    step: String(stepSeconds),
  });
  return data.result;
}

/** Series that have at least one finite value (a histogram_quantile over no events is NaN). */
export function withFiniteValues(series: readonly RangeSeries[]): RangeSeries[] {
  return series.filter((s) => s.values.some(([, v]) => Number.isFinite(Number(v))));
}

// ---- the Grafana dashboard ---------------------------------------------------------------------

interface DashboardPanel {
  type: string;
  title: string;
  panels?: DashboardPanel[];
  targets?: { refId: string; expr: string; hide?: boolean }[];
}

export interface Dashboard {
  uid: string;
  title: string;
  panels: DashboardPanel[];
  templating: { list: { name: string; type: string; definition?: string; query: unknown }[] };
}

export interface PanelQuery {
  readonly panel: string;
  readonly type: string;
  readonly refId: string;
  readonly expr: string;
}

export function readDashboard(): Dashboard {
  return JSON.parse(readFileSync(DASHBOARD, 'utf8')) as Dashboard;
}

/** Every query of every panel, including panels inside collapsed rows. */
export function panelQueries(dashboard: Dashboard): PanelQuery[] {
  const flat = (panels: readonly DashboardPanel[]): DashboardPanel[] => panels.flatMap((p) => [p, ...flat(p.panels ?? [])]);
  return flat(dashboard.panels).flatMap((p) =>
    (p.targets ?? []).filter((t) => t.hide !== true).map((t) => ({ panel: p.title, type: p.type, refId: t.refId, expr: t.expr })),
  );
}

/**
 * The query Grafana would send: `$var` / `${var}` replaced from `vars` (dashboard variables and
 * Grafana's `__interval`, `__rate_interval`, `__range`). An unknown variable is an error, so a
 * typo in the dashboard fails here instead of reaching Prometheus as literal text.
 */
export function substitute(expr: string, vars: Readonly<Record<string, string>>): string {
  return expr.replace(/\$\{(\w+)(?::\w+)?\}|\$(\w+)/g, (_match, braced: string | undefined, bare: string | undefined) => {
    const name = (braced ?? bare)!;
    const value = vars[name];
    if (value === undefined) throw new Error(`unknown dashboard variable $${name} in ${expr}`);
    return value;
  });
}

/** Grafana's $__rate_interval: max($__interval + scrape interval, 4 × scrape interval). */
export function rateInterval(intervalSeconds: number, scrapeSeconds: number): string {
  return `${Math.max(intervalSeconds + scrapeSeconds, 4 * scrapeSeconds)}s`;
}
