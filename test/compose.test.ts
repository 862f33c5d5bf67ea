// docker-compose.yml cannot run on a machine without a Docker engine, so its structure is checked
// here instead: the services and ports the README promises, pinned images, and every file it
// builds from or mounts actually present in the repository, with the Prometheus and Grafana
// configuration it mounts pointing at the right services.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/** test/dist/compose.test.js → the repository root. */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');

interface Service {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  command?: string[] | string;
  ports?: string[];
  volumes?: string[];
  environment?: Record<string, string | number>;
  depends_on?: Record<string, { condition: string }> | string[];
  healthcheck?: { test: string[] | string };
}
interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

// Merge keys (`<<: *streamlr`) are YAML 1.1; Docker Compose resolves them, so the test does too.
const compose = parse(read('docker-compose.yml'), { merge: true }) as Compose;
const services = compose.services;
const service = (name: string): Service => {
  const found = services[name];
  assert.ok(found !== undefined, `docker-compose.yml has no service ${name}`);
  return found;
};
const commandOf = (s: Service): string[] => (Array.isArray(s.command) ? s.command : []);
const flag = (args: string[], name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};

describe('docker-compose.yml', () => {
  test('runs Kafka, Redis, Prometheus, Grafana, trainer, scorer and a sample producer', () => {
    for (const name of ['kafka', 'redis', 'prometheus', 'grafana', 'trainer', 'scorer', 'producer']) service(name);
  });

  test('publishes the default ports on the host', () => {
    const expected: Record<string, string> = {
      kafka: '9092:9092', redis: '6379:6379', prometheus: '9090:9090', grafana: '3000:3000',
      trainer: '9400:9400', scorer: '8080:8080',
    };
    for (const [name, mapping] of Object.entries(expected)) {
      assert.ok(service(name).ports?.includes(mapping), `${name} publishes ${mapping}`);
    }
  });

  test('every image is pinned to a tag, never latest', () => {
    for (const [name, s] of Object.entries(services)) {
      assert.ok(s.image !== undefined || s.build !== undefined, `${name} has an image or a build`);
      if (s.image === undefined) continue;
      const tag = /:([^/:]+)$/.exec(s.image)?.[1];
      assert.ok(tag !== undefined && tag !== 'latest', `${name}: image ${s.image} is pinned to a tag`);
    }
    assert.equal(service('kafka').image, 'apache/kafka:3.9.1', 'the same Kafka line as infra/local');
  });

  test('every build context and Dockerfile exists; the image runs the streamlr command', () => {
    const built = Object.entries(services).filter(([, s]) => s.build !== undefined);
    assert.deepEqual(built.map(([n]) => n).sort(), ['event-producer', 'producer', 'scorer', 'trainer']);
    for (const [name, s] of built) {
      const build = typeof s.build === 'string' ? { context: s.build } : s.build ?? {};
      const context = join(ROOT, build.context ?? '.');
      assert.ok(existsSync(context) && statSync(context).isDirectory(), `${name}: build context ${build.context}`);
      const dockerfile = join(context, build.dockerfile ?? 'Dockerfile');
      assert.ok(existsSync(dockerfile), `${name}: ${dockerfile} exists`);
    }
    const dockerfile = read('Dockerfile');
    for (const [, image] of dockerfile.matchAll(/^FROM\s+(\S+)/gm)) {
      assert.match(image!, /^[^:]+:\d[\w.-]*$/, `Dockerfile base image ${image} is pinned to a version tag`);
    }
    const entry = /^ENTRYPOINT\s+\["node",\s*"([^"]+)"\]/m.exec(dockerfile)?.[1];
    assert.equal(entry, 'services/cli/bin/streamlr.js');
    assert.ok(existsSync(join(ROOT, entry)), 'the entry point exists');
  });

  test('every mounted host path exists and every named volume is declared', () => {
    let binds = 0;
    for (const [name, s] of Object.entries(services)) {
      for (const volume of s.volumes ?? []) {
        const [source, target] = volume.split(':');
        assert.ok(source !== undefined && target !== undefined, `${name}: volume ${volume} is source:target`);
        if (source.startsWith('.') || source.startsWith('/')) {
          binds += 1;
          assert.ok(!source.startsWith('/'), `${name}: ${source} is relative to the repository`);
          assert.ok(existsSync(join(ROOT, source)), `${name}: mounted ${source} exists in the repository`);
        } else {
          assert.ok(compose.volumes !== undefined && source in compose.volumes, `${name}: volume ${source} is declared`);
        }
      }
    }
    assert.ok(binds >= 3, 'the Prometheus config and Grafana provisioning are mounted');
  });

  test('the producers read a dataset that the image contains', () => {
    for (const name of ['producer', 'event-producer']) {
      const args = commandOf(service(name));
      assert.equal(args[0], 'produce');
      const data = flag(args, '--data');
      assert.ok(data !== undefined && existsSync(join(ROOT, data)), `${name}: --data ${data} exists in the repository`);
      const header = read(data).slice(0, read(data).indexOf('\n')).split(',');
      assert.ok(header.includes(flag(args, '--label') ?? '?'), `${name}: --label names a column of ${data}`);
    }
    assert.equal(flag(commandOf(service('producer')), '--topic'), flag(commandOf(service('trainer')), '--topic'));
    assert.equal(
      flag(commandOf(service('event-producer')), '--topic'),
      flag(commandOf(service('scorer')), '--events-topic'),
    );
  });

  test('the services reach Kafka and Redis by their compose names and wait for them to be healthy', () => {
    const kafka = service('kafka').environment ?? {};
    const internal = /INTERNAL:\/\/([^,]+)/.exec(String(kafka['KAFKA_ADVERTISED_LISTENERS']))?.[1];
    assert.equal(internal, 'kafka:19092');
    assert.equal(Buffer.from(String(kafka['CLUSTER_ID']), 'base64url').length, 16, 'CLUSTER_ID is a 16-byte id');
    for (const name of ['trainer', 'scorer', 'producer', 'event-producer']) {
      const s = service(name);
      assert.equal(s.environment?.['KAFKA_BROKERS'], internal, `${name}: KAFKA_BROKERS`);
      assert.equal(s.environment?.['REDIS_URL'], 'redis://redis:6379', `${name}: REDIS_URL`);
      const deps = s.depends_on;
      assert.ok(deps !== undefined && !Array.isArray(deps));
      assert.equal(deps['kafka']?.condition, 'service_healthy');
      assert.equal(deps['redis']?.condition, 'service_healthy');
    }
    for (const [name, s] of Object.entries(services)) {
      const deps = s.depends_on === undefined ? [] : Array.isArray(s.depends_on) ? s.depends_on : Object.keys(s.depends_on);
      for (const dep of deps) {
        assert.ok(dep in services, `${name} depends on ${dep}, which exists`);
        if (!Array.isArray(s.depends_on) && s.depends_on?.[dep]?.condition === 'service_healthy') {
          assert.ok(service(dep).healthcheck !== undefined, `${dep} has the healthcheck ${name} waits for`);
        }
      }
    }
  });
});

interface ScrapeConfig {
  job_name: string;
  static_configs: { targets: string[] }[];
}
const targetsOf = (file: string): Map<string, string[]> => {
  const config = parse(read(file)) as { scrape_configs: ScrapeConfig[] };
  return new Map(config.scrape_configs.map((c) => [c.job_name, c.static_configs.flatMap((s) => s.targets)]));
};

describe('prometheus scrape configs', () => {
  test('local: itself, the trainer on :9400 and the scorer on :8080, all on 127.0.0.1', () => {
    const targets = targetsOf('infra/prometheus/prometheus.yml');
    assert.deepEqual(Object.fromEntries(targets), {
      prometheus: ['127.0.0.1:9090'],
      trainer: ['127.0.0.1:9400'],
      scorer: ['127.0.0.1:8080'],
    });
  });

  test('compose: the same jobs, at the ports the trainer and scorer services listen on', () => {
    const local = targetsOf('infra/prometheus/prometheus.yml');
    const targets = targetsOf('infra/prometheus/prometheus.compose.yml');
    assert.deepEqual([...targets.keys()].sort(), [...local.keys()].sort());
    for (const job of ['trainer', 'scorer']) {
      const port = flag(commandOf(service(job)), '--port');
      assert.deepEqual(targets.get(job), [`${job}:${port}`]);
    }
    const mount = service('prometheus').volumes?.find((v) => v.endsWith(':/etc/prometheus/prometheus.yml:ro'));
    assert.equal(mount?.split(':')[0], './infra/prometheus/prometheus.compose.yml');
  });
});

describe('grafana provisioning', () => {
  const mountOf = (target: string): string | undefined =>
    service('grafana').volumes?.find((v) => v.split(':')[1] === target)?.split(':')[0];

  test('the datasource is the compose Prometheus, and the provider loads the mounted dashboards', () => {
    const provisioning = mountOf('/etc/grafana/provisioning');
    assert.equal(provisioning, './infra/grafana/provisioning');
    const { datasources } = parse(read('infra/grafana/provisioning/datasources/prometheus.yml')) as {
      datasources: { uid: string; type: string; url: string }[];
    };
    assert.deepEqual(
      datasources.map(({ uid, type, url }) => ({ uid, type, url })),
      [{ uid: 'prometheus', type: 'prometheus', url: 'http://prometheus:9090' }],
    );
    const { providers } = parse(read('infra/grafana/provisioning/dashboards/streamlr.yml')) as {
      providers: { type: string; options: { path: string } }[];
    };
    assert.equal(providers.length, 1);
    const path = providers[0]!.options.path;
    assert.equal(mountOf(path), './infra/grafana/dashboards', `the provider path ${path} is where the dashboards are mounted`);
  });

  test('the streamlr dashboard is valid JSON whose panels query streamlr metrics through that datasource', () => {
    const dashboard = JSON.parse(read('infra/grafana/dashboards/streamlr.json')) as {
      uid: string;
      title: string;
      panels: { type: string; datasource: { uid: string }; targets: { expr: string }[] }[];
    };
    assert.equal(dashboard.uid, 'streamlr');
    // Rows only group panels; test/observability.test.ts runs every query against a real Prometheus.
    const panels = dashboard.panels.filter((p) => p.type !== 'row');
    assert.ok(panels.length >= 1);
    const exprs = panels.flatMap((p) => {
      assert.equal(p.datasource.uid, 'prometheus');
      return p.targets.map((t) => t.expr);
    });
    assert.ok(exprs.includes('sum by (model) (rate(streamlr_trainer_samples_total{model=~"$model"}[$__rate_interval]))'));
    for (const expr of exprs) assert.match(expr, /streamlr_[a-z_]+/);
  });
});
