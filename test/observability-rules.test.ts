// The Prometheus configuration as Prometheus's own tool sees it: both scrape configs and the rule
// file pass `promtool check`, the alert unit tests (infra/prometheus/rules.test.yml) pass
// `promtool test rules`, and every alert has a unit test where it fires and one where it stays quiet.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { findExecutable, ROOT } from './prometheus-helpers.js';

const PROMETHEUS_DIR = join(ROOT, 'infra', 'prometheus');

function promtool(...args: string[]): Promise<{ code: number; output: string }> {
  const bin = findExecutable('promtool', 'PROMTOOL');
  return new Promise((resolve) => {
    execFile(bin, args, { cwd: PROMETHEUS_DIR, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

async function passes(...args: string[]): Promise<string> {
  const { code, output } = await promtool(...args);
  assert.equal(code, 0, `promtool ${args.join(' ')} failed:\n${output}`);
  return output;
}

interface RuleFile {
  groups: { name: string; rules: { alert?: string; record?: string }[] }[];
}
interface RuleTests {
  rule_files: string[];
  tests: { alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[] }[];
}

describe('prometheus configuration (promtool)', () => {
  test('promtool check config: the local and the compose scrape configs, with their rule file', async () => {
    for (const file of ['prometheus.yml', 'prometheus.compose.yml']) {
      const output = await passes('check', 'config', file);
      assert.match(output, /SUCCESS: 1 rule files found/, `${file} loads rules.yml`);
    }
  });

  test('promtool check rules: rules.yml', async () => {
    await passes('check', 'rules', 'rules.yml');
  });

  test('promtool test rules: the alert unit tests pass', async () => {
    const output = await passes('test', 'rules', 'rules.test.yml');
    assert.match(output, /SUCCESS/);
  });

  test('every alert has a unit test where it fires and one where it does not', () => {
    const rules = parse(readFileSync(join(PROMETHEUS_DIR, 'rules.yml'), 'utf8')) as RuleFile;
    const tests = parse(readFileSync(join(PROMETHEUS_DIR, 'rules.test.yml'), 'utf8')) as RuleTests;
    assert.deepEqual(tests.rule_files, ['rules.yml']);
    const alerts = rules.groups.flatMap((g) => g.rules.flatMap((r) => (r.alert === undefined ? [] : [r.alert])));
    const required = [
      'StreamlrTrainerStalled', 'StreamlrConsumerLagHigh', 'StreamlrLogLossRegressed', 'StreamlrDeadLetterRateHigh',
      'StreamlrSnapshotStale', 'StreamlrScorerModelStale', 'StreamlrScorerLatencyHigh',
    ];
    for (const name of required) assert.ok(alerts.includes(name), `rules.yml defines ${name}`);
    const cases = tests.tests.flatMap((t) => t.alert_rule_test ?? []);
    const missing: string[] = [];
    for (const alert of alerts) {
      const mine = cases.filter((c) => c.alertname === alert);
      if (!mine.some((c) => (c.exp_alerts ?? []).length > 0)) missing.push(`${alert}: no case where it fires`);
      if (!mine.some((c) => (c.exp_alerts ?? []).length === 0)) missing.push(`${alert}: no case where it stays quiet`);
    }
    assert.deepEqual(missing, []);
  });
});
