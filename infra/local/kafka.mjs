// A real single-node Apache Kafka broker (KRaft mode) on 127.0.0.1:9092, from the published jars
// on Maven Central: no Docker, no tarball. See kafka/pom.xml for why 3.9.
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  CACHE_DIR, HOST, InfraError, LOG_DIR, REPO_ROOT, STATE_DIR, capture, ensureCommand, ensureDir, fileSize,
  isListening, log, managedService, spawnDetached, tail, waitFor,
} from './lib.mjs';

export const KAFKA_VERSION = '3.9.1';
const PORT = 9092;
const CONTROLLER_PORT = 9093;
const HEAP = process.env.STREAMLR_KAFKA_HEAP ?? '1g';
const READY_TIMEOUT_MS = 120_000;

const TEMPLATE_DIR = join(REPO_ROOT, 'infra', 'local', 'kafka');
const POM = join(TEMPLATE_DIR, 'pom.xml');
const DIR = join(STATE_DIR, 'kafka');
const DATA_DIR = join(DIR, 'data');
const SERVER_PROPERTIES = join(DIR, 'server.properties');
const LOG4J_PROPERTIES = join(DIR, 'log4j.properties');
const PID_FILE = join(DIR, 'kafka.pid');
const LOG_FILE = join(LOG_DIR, 'kafka.log');
const OUT_FILE = join(LOG_DIR, 'kafka.out');

export const kafka = managedService({
  name: 'kafka',
  address: `${HOST}:${PORT}`,
  port: PORT,
  pidFile: PID_FILE,
  logFile: LOG_FILE,
  // A controlled shutdown flushes logs and closes the metadata log; give it time.
  stopGraceMs: 60_000,
  ready: waitReady,

  async start() {
    if (await isListening(CONTROLLER_PORT)) {
      throw new InfraError(`port ${CONTROLLER_PORT} (KRaft controller) is taken by another process`);
    }
    ensureCommand('java', 'openjdk-17-jre-headless', { check: javaAtLeast11 });
    const libs = await ensureJars();
    writeConfig();
    if (!existsSync(join(DATA_DIR, 'meta.properties'))) await formatStorage(libs);
    const logFrom = fileSize(LOG_FILE);
    const outFrom = fileSize(OUT_FILE);
    const child = spawnDetached(
      'java',
      [
        `-Xmx${HEAP}`, '-Xms256m', '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-Djava.awt.headless=true',
        `-Dlog4j.configuration=file:${LOG4J_PROPERTIES}`,
        '-cp', join(libs, '*'),
        'kafka.Kafka', SERVER_PROPERTIES,
      ],
      { pidFile: PID_FILE, outFile: OUT_FILE, cwd: DIR },
    );
    return {
      ...child,
      explain: (how) =>
        `the broker exited (${how}); last log lines:\n${tail(LOG_FILE, 15, logFrom)}\n${tail(OUT_FILE, 5, outFrom)}`,
    };
  },
});

function javaAtLeast11() {
  const out = spawnSync('java', ['-version'], { encoding: 'utf8' });
  const match = /version "(\d+)(?:\.(\d+))?/.exec(`${out.stderr}${out.stdout}`);
  if (match === null) return false;
  // Old scheme "1.8.0" means 8.
  const major = match[1] === '1' ? Number(match[2]) : Number(match[1]);
  return major >= 11;
}

/**
 * The broker's runtime jars, copied once from Maven Central into the shared cache. A marker file
 * holds the pom's hash: a changed pom (new Kafka version) resolves again, into a new directory.
 */
async function ensureJars() {
  const pomHash = createHash('sha256').update(readFileSync(POM)).digest('hex').slice(0, 12);
  const dir = join(CACHE_DIR, `kafka-${KAFKA_VERSION}-${pomHash}`);
  const libs = join(dir, 'libs');
  const marker = join(dir, 'complete');
  if (existsSync(marker)) return libs;
  ensureCommand('mvn', 'maven');
  log(`kafka: resolving Apache Kafka ${KAFKA_VERSION} jars from Maven Central into ${libs}`);
  const staging = join(dir, `libs.partial-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  ensureDir(staging);
  const result = await capture('mvn', [
    '-B', '-q', '-f', POM, 'dependency:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${staging}`,
  ]);
  if (result.status !== 0) {
    rmSync(staging, { recursive: true, force: true });
    throw new InfraError(`kafka: mvn could not resolve the Kafka jars:\n${result.output}`);
  }
  const jars = readdirSync(staging).filter((f) => f.endsWith('.jar'));
  if (!jars.some((f) => f.startsWith(`kafka_2.13-${KAFKA_VERSION}`))) {
    throw new InfraError(`kafka: mvn finished but ${staging} has no kafka_2.13-${KAFKA_VERSION}.jar`);
  }
  // Another checkout may have finished the same download meanwhile: keep the first.
  if (existsSync(marker)) {
    rmSync(staging, { recursive: true, force: true });
    return libs;
  }
  // Publish the directory only when complete, so an interrupted download is never used.
  rmSync(libs, { recursive: true, force: true });
  renameSync(staging, libs);
  writeFileSync(marker, `${jars.length} jars\n`);
  return libs;
}

function writeConfig() {
  ensureDir(DATA_DIR);
  ensureDir(LOG_DIR);
  const fill = (name, values) => {
    let text = readFileSync(join(TEMPLATE_DIR, name), 'utf8');
    for (const [key, value] of Object.entries(values)) text = text.replaceAll(`@${key}@`, value);
    return text;
  };
  writeFileSync(SERVER_PROPERTIES, fill('server.properties', { LOG_DIRS: DATA_DIR }));
  writeFileSync(LOG4J_PROPERTIES, fill('log4j.properties', { LOG_FILE }));
}

/**
 * A cluster id the way org.apache.kafka.common.Uuid.randomUuid makes one: 16 random bytes,
 * URL-safe base64 without padding, never starting with '-' (it would read as a command-line
 * flag) and never the reserved all-zero id. Saves starting a JVM for `StorageTool random-uuid`.
 */
function clusterId() {
  for (;;) {
    const bytes = randomBytes(16);
    const id = bytes.toString('base64url');
    if (!id.startsWith('-') && bytes.some((b) => b !== 0)) return id;
  }
}

async function formatStorage(libs) {
  const id = clusterId();
  log(`kafka: formatting KRaft storage in ${DATA_DIR} (cluster id ${id})`);
  const result = await capture('java', [
    `-Dlog4j.configuration=file:${LOG4J_PROPERTIES}`, '-cp', join(libs, '*'),
    'kafka.tools.StorageTool', 'format', '-t', id, '-c', SERVER_PROPERTIES,
  ]);
  if (result.status !== 0) throw new InfraError(`kafka: formatting storage failed:\n${result.output}`);
}

/**
 * Ready means a client can do real work: a kafkajs admin creates a topic (waiting for its
 * leader), sees it in the topic list, and deletes it again. An open port alone is not enough
 * (the broker listens before the controller has elected itself).
 */
async function waitReady(abort) {
  let Kafka, logLevel;
  try {
    ({ Kafka, logLevel } = await import('kafkajs'));
  } catch (err) {
    throw new InfraError('kafka: the readiness check needs kafkajs: run `npm install` first', { cause: err });
  }
  const client = new Kafka({
    clientId: 'streamlr-infra',
    brokers: [`${HOST}:${PORT}`],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1_000,
    requestTimeout: 10_000,
    retry: { retries: 0 },
  });
  // One name per wait: a retry after a half-finished attempt finds the same topic, not a new one.
  const topic = `streamlr-infra-ready-${process.pid}-${Date.now()}`;
  await waitFor(
    `kafka on ${HOST}:${PORT}`,
    async () => {
      const admin = client.admin();
      try {
        await admin.connect();
        await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
        const topics = await admin.listTopics();
        if (!topics.includes(topic)) return false;
        await admin.deleteTopics({ topics: [topic] });
        return true;
      } finally {
        await admin.disconnect().catch(() => {});
      }
    },
    { timeoutMs: READY_TIMEOUT_MS, intervalMs: 500, abort },
  );
}
