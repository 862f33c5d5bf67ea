// The Grafana dashboard proven against a real Prometheus: a trainer and a scorer run on MovieLens
// through the real Kafka and Redis (with some bad messages for the dead-letter panels and labelled
// events for the scorer's live log loss), a dedicated Prometheus scrapes them every second with
// infra/prometheus/rules.yml loaded, and then every query of every dashboard panel, sent as Grafana
// would send it, must return data. The rule file is checked against the same live series: every
// metric it names exists, every recording rule produces a series, and no rule fails to evaluate.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse } from 'yaml';
import { encodeSample, readRecords, type Sample } from '@streamlr/protocol';
import { createTopic, DATA, kafka, produceValues, runCli, store, unique, until, type Service } from './helpers.js';
import {
  api, panelQueries, queryRange, rateInterval, readDashboard, ROOT, RULES, startPrometheus, substitute, withFiniteValues,
  type Prometheus, type PanelQuery,
} from './prometheus-helpers.js';

const SCRAPE_SECONDS = 1;
const model = unique('obs').slice(0, 80);
const samplesTopic = `${model}.samples`;
const eventsTopic = `${model}.events`;
const scoresTopic = `${model}.scores`;
const admin = kafka.admin();
const producer = kafka.producer();
const models = store();
const services: Service[] = [];
let prometheus: Prometheus | undefined;
let startedAt = 0;

/** Messages every service must dead-letter, one per reason the dashboard should show. */
const BAD_MESSAGES = ['not json', '{"features":{"a":1}}', '{"label":7,"features":{"a":1}}', '[1,2]'];

function cli(args: string[]): Service {
  const service = runCli(args);
  services.push(service);
  return service;
}

/** host:port of a service's HTTP server, from its JSON log. */
async function httpAddress(service: Service, pattern: RegExp): Promise<string> {
  const url = await until('the service logs its HTTP address', () => {
    if (service.child.exitCode !== null) throw new Error(`exited early:\n${service.lines.slice(-10).join('\n')}`);
    return service.lines.map((l) => pattern.exec(l)?.[1]).find((u) => u !== undefined);
  }, 30_000, 50);
  return new URL(url).host;
}

async function finished(service: Service, what: string): Promise<void> {
  const code = await service.exited;
  assert.equal(code, 0, `${what} failed:\n${service.lines.slice(-10).join('\n')}`);
}

before(async () => {
  await admin.connect();
  await producer.connect();
  // Two partitions, so the lag panel has one series per partition.
  await createTopic(admin, samplesTopic, 2);
  await createTopic(admin, eventsTopic, 1);
  startedAt = Date.now() / 1000;
  const trainer = cli(['trainer', '--topic', samplesTopic, '--model', model, '--host', '127.0.0.1', '--port', '0', '--snapshot-interval', '1']);
  const scorer = cli(['scorer', '--model', model, '--events-topic', eventsTopic, '--scores-topic', scoresTopic, '--host', '127.0.0.1', '--port', '0']);
  const [trainerAt, scorerAt] = await Promise.all([
    httpAddress(trainer, /"http":"(http:[^"]+)"/),
    httpAddress(scorer, /"msg":"http listening","url":"(http:[^"]+)"/),
  ]);
  prometheus = await startPrometheus({ jobs: { trainer: [trainerAt], scorer: [scorerAt] }, intervalSeconds: SCRAPE_SECONDS, ruleFiles: [RULES] });
  await until('the trainer is assigned its partitions', () => trainer.lines.some((l) => l.includes('"msg":"assigned"')), 60_000, 50);

  // Labelled samples for the trainer at a steady rate, so rates and the learning curves have a
  // shape over the scrapes, and bad messages on both partitions for the dead-letter topic.
  const feed = cli(['produce', '--data', `${DATA}movielens.csv`, '--label', 'label', '--topic', samplesTopic, '--rate', '4000', '--limit', '48000']);
  await produceValues(producer, samplesTopic, BAD_MESSAGES.flatMap((m) => [m, m]));

  // The scorer reads its events topic from the end, so its events go out once it is assigned
  // (and has a model: the trainer publishes within a second of its first samples).
  await until('the scorer is assigned and serves a model', () =>
    scorer.lines.some((l) => l.includes('"msg":"assigned"')) && scorer.lines.some((l) => l.includes('"msg":"model loaded"')), 60_000, 50);
  const events: Sample[] = [];
  for await (const row of readRecords(`${DATA}movielens.csv`, { label: 'label' })) {
    if ('sample' in row && row.sample !== undefined) events.push(row.sample as Sample);
    if (events.length === 12_000) break;
  }
  // Later rows than the trainer sees first: labelled events the served model has not learned yet.
  const scoring = (async () => {
    for (let i = 0; i < events.length; i += 1_000) {
      await produceValues(producer, eventsTopic, events.slice(i, i + 1_000).map((s) => encodeSample(s)));
      if (i === 4_000) await produceValues(producer, eventsTopic, BAD_MESSAGES);
      await new Promise((r) => setTimeout(r, 1_000));
    }
  })();
  await Promise.all([finished(feed, 'streamlr produce'), scoring]);
});

after(async () => {
  await prometheus?.stop();
  for (const service of services) if (service.child.exitCode === null) service.child.kill('SIGTERM');
  await Promise.all(services.map((s) => s.exited));
  const topics = [samplesTopic, `${samplesTopic}.dlq`, eventsTopic, `${eventsTopic}.dlq`, scoresTopic];
  await admin.deleteTopics({ topics }).catch(() => undefined);
  await admin.deleteGroups([`streamlr-trainer-${model}`, `streamlr-scorer-${model}`]).catch(() => undefined);
  await models.deleteModel(model).catch(() => undefined);
  await Promise.allSettled([admin.disconnect(), producer.disconnect(), models.close()]);
});

/** The dashboard's queries as Grafana sends them for this model over a 1-second step. */
function grafanaQueries(): (PanelQuery & { query: string })[] {
  const vars = { model, __interval: `${SCRAPE_SECONDS}s`, __rate_interval: rateInterval(SCRAPE_SECONDS, SCRAPE_SECONDS), __range: '5m' };
  return panelQueries(readDashboard()).map((q) => ({ ...q, query: substitute(q.expr, vars) }));
}

/** Panel queries that return no series with a finite value since the test started. */
async function emptyPanels(url: string): Promise<string[]> {
  const end = Date.now() / 1000;
  const empty: string[] = [];
  for (const q of grafanaQueries()) {
    const series = withFiniteValues(await queryRange(url, q.query, startedAt, end, SCRAPE_SECONDS));
    if (series.length === 0) empty.push(`${q.panel} [${q.refId}]: ${q.query}`);
  }
  return empty;
}

describe('the streamlr dashboard on a real Prometheus', () => {
  test('every panel query returns data for the running trainer and scorer', async () => {
    const url = prometheus!.url;
    const queries = grafanaQueries();
    assert.ok(queries.length >= 20, `the dashboard has ${queries.length} queries`);
    // Scrapes and rule evaluations trail the last message by a second or two: wait for them, then
    // report every panel still empty at once.
    let empty: string[] = [];
    await until('every panel has data', async () => {
      empty = await emptyPanels(url);
      return empty.length === 0;
    }, 30_000, 1_000).catch(() => undefined);
    assert.deepEqual(empty, [], `panels without data:\n  ${empty.join('\n  ')}`);
  });

  test('the data is the run: samples/s, dead letters by reason, scored and labelled events', async () => {
    const url = prometheus!.url;
    const end = Date.now() / 1000;
    const peak = async (expr: string): Promise<Map<string, number>> => {
      const out = new Map<string, number>();
      for (const s of await queryRange(url, expr, startedAt, end, SCRAPE_SECONDS)) {
        const key = Object.values(s.metric).join(',');
        out.set(key, Math.max(...s.values.map(([, v]) => Number(v)).filter(Number.isFinite)));
      }
      return out;
    };
    const byQuery = new Map(grafanaQueries().map((q) => [`${q.panel} ${q.refId}`, q.query]));
    const samplesPerSecond = await peak(byQuery.get('Samples/s A')!);
    assert.ok((samplesPerSecond.get(model) ?? 0) > 1_000, `samples/s peaked at ${samplesPerSecond.get(model)}`);
    const dlq = await peak(`sum by (reason) (streamlr_trainer_dlq_total{model="${model}"})`);
    // Every reason's series starts at 0 (so rate() sees a first burst): compare the non-zero ones.
    assert.deepEqual(Object.fromEntries([...dlq].filter(([, n]) => n > 0)), { not_json: 2, missing_label: 2, bad_label: 2, not_object: 2 });
    const scorerDlq = await peak(`sum by (reason) (streamlr_scorer_dlq_total{model="${model}"})`);
    assert.ok(scorerDlq.has('not_json') && scorerDlq.has('not_object'), `scorer dead letters: ${[...scorerDlq.keys()].join(', ')}`);
    const scored = await peak(`sum(streamlr_scorer_events_total{model="${model}",outcome="scored"})`);
    assert.ok((scored.get('') ?? 0) >= 5_000, `scored ${scored.get('')} events`);
    const liveLogLoss = await peak(`streamlr_scorer_logloss{model="${model}"}`);
    for (const [, v] of liveLogLoss) assert.ok(v > 0 && v < 1, `live log loss ${v}`);
  });

  test('the model variable lists this model', async () => {
    const variable = readDashboard().templating.list.find((v) => v.name === 'model');
    const match = /^label_values\((\w+), model\)$/.exec(variable?.definition ?? '');
    assert.ok(match !== null, `the model variable is label_values(<metric>, model): ${variable?.definition}`);
    const values = await api<string[]>(prometheus!.url, 'label/model/values', { 'match[]': match[1]! });
    assert.ok(values.includes(model), `${model} in ${values.join(', ')}`);
  });

  test('rules.yml on live data: every metric it names exists, every recording rule has a value, no rule errors', async () => {
    const url = prometheus!.url;
    const file = parse(readFileSync(RULES, 'utf8')) as { groups: { rules: { expr: string }[] }[] };
    const exprs = file.groups.flatMap((g) => g.rules.map((r) => r.expr)).join('\n');
    // Metric names only, not the recording rules' level:metric:operation names built from them.
    const named = [...new Set([...exprs.matchAll(/(?<![:\w])(streamlr_\w+)(?![:\w])/g)].map((m) => m[1]!))];
    assert.ok(named.length >= 8, `metrics named in rules.yml: ${named.join(', ')}`);
    const missing: string[] = [];
    for (const name of named) {
      const series = await api<unknown[]>(url, 'series', { 'match[]': `${name}{model="${model}"}`, start: String(startedAt) });
      if (series.length === 0) missing.push(name);
    }
    assert.deepEqual(missing, [], 'metrics named in rules.yml that the services do not export');

    const groups = (await api<{ groups: { name: string; rules: { name: string; type: string; health: string; lastError?: string }[] }[] }>(url, 'rules')).groups;
    const rules = groups.flatMap((g) => g.rules);
    assert.ok(rules.length >= 15, `${rules.length} rules loaded`);
    const failing = rules.filter((r) => r.health === 'err').map((r) => `${r.name}: ${r.lastError}`);
    assert.deepEqual(failing, []);
    const recorded = [...new Set(rules.filter((r) => r.type === 'recording').map((r) => r.name))];
    const empty: string[] = [];
    for (const name of recorded) {
      const series = withFiniteValues(await queryRange(url, `${name}{model="${model}"}`, startedAt, Date.now() / 1000, SCRAPE_SECONDS));
      if (series.length === 0) empty.push(name);
    }
    assert.deepEqual(empty, [], 'recording rules without a value for the running services');
  });

  test('scripts/render-dashboard.mjs draws every panel of the dashboard from this Prometheus', () => {
    const dir = mkdtempSync(join(tmpdir(), 'streamlr-render-test-'));
    try {
      const out = join(dir, 'dashboard.svg');
      const script = join(ROOT, 'scripts', 'render-dashboard.mjs');
      const run = spawnSync(process.execPath, [script, '--prometheus', prometheus!.url, '--model', model, '--minutes', '5', '--out', out], { encoding: 'utf8', timeout: 60_000 });
      assert.equal(run.status, 0, run.stderr);
      assert.equal(run.stderr, '', 'no panel without data');
      const svg = readFileSync(out, 'utf8');
      const titles = readDashboard().panels.map((p) => p.title);
      const missing = titles.filter((t) => !svg.includes(`>${t.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</text>`));
      assert.deepEqual(missing, [], 'panel titles missing from the picture');
      assert.ok(!svg.includes('>No data<'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
