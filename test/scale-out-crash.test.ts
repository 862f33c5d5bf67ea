// kill -9 one of three `streamlr trainer --partitioned` replicas while samples stream into a
// 3-partition topic: the group hands its partitions to the survivors, which continue from the
// partition states in Redis; learning goes on, and the counting oracle shows every sample applied
// exactly once — in the partition states (latest version + each valid state's increment) while the
// replicas run, and in the final mixed version. Real Kafka, real Redis, real processes.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CountingLearner } from '@streamlr/stream';
import { createTopic, highWatermarks, kafka, produceValues, sleep, store, unique, until, type Service } from './helpers.js';
import { assignedTo, effectiveCounts, groupStable, partitionStates, replica } from './scale-helpers.js';

const admin = kafka.admin();
const producer = kafka.producer();
const models = store();
const states = partitionStates();
const topic = unique('scale-crash');
const model = unique('scale-crash-model').slice(0, 100);
const group = `${model}-group`;
const GOOD = 30_000;
const BAD = ['not json', '{"id":""}', '{"x":1}'];
const CADENCE = ['--learner', 'counting', '--snapshot-every', '1000', '--snapshot-interval', '0.3', '--mix-every', '3000', '--mix-interval', '1'];

before(async () => {
  await admin.connect();
  await producer.connect();
  await createTopic(admin, topic, 3);
});

after(async () => {
  await states.deletePartitions(model).catch(() => undefined);
  await models.deleteModel(model).catch(() => undefined);
  await admin.deleteTopics({ topics: [topic, `${topic}.dlq`] }).catch(() => undefined);
  await admin.deleteGroups([group]).catch(() => undefined);
  await Promise.allSettled([admin.disconnect(), producer.disconnect(), models.close(), states.close()]);
});

function replicaId(service: Service): string {
  const line = service.lines.find((l) => l.includes('"msg":"trainer running"'));
  return line === undefined ? '' : ((JSON.parse(line) as { replica?: string }).replica ?? '');
}

function exactlyOnce(counts: ReadonlyMap<string, number>, upTo: number): { twice: [string, number][]; missing: string[] } {
  return {
    twice: [...counts].filter(([, n]) => n !== 1),
    missing: Array.from({ length: upTo }, (_, i) => `s${i}`).filter((id) => !counts.has(id)),
  };
}

describe('scale-out under kill -9', () => {
  test('a replica killed mid-stream: its partitions move, learning continues, every sample applied exactly once', async () => {
    const values: string[] = [];
    for (let i = 0; i < GOOD; i++) {
      values.push(JSON.stringify({ id: `s${i}` }));
      if (i % 10_000 === 5_000) values.push(BAD[(i / 10_000) % BAD.length | 0]!);
    }
    const badCount = values.length - GOOD;
    const replicas = [0, 1, 2].map(() => replica(topic, model, group, CADENCE));
    await groupStable(replicas, 3);
    // Samples keep arriving while a replica dies and the group rebalances.
    let produced = 0;
    const producing = (async () => {
      for (let i = 0; i < values.length; i += 1_000) {
        await produceValues(producer, topic, values.slice(i, i + 1_000));
        produced = Math.min(values.length, i + 1_000);
        await sleep(200);
      }
    })();
    const victim = replicas[0]!;
    const survivors = replicas.slice(1);
    const victimId = replicaId(victim);
    const victimPartitions = assignedTo(victim);
    // Kill it mid-stream, once it has written a partition state and a merge included it.
    await until('the victim wrote a state that a merge included', async () => {
      const owned = (await states.listPartitions(model)).filter((s) => s.owner === victimId && s.samples > 0);
      const v = await models.latestVersion(model);
      return (owned.length > 0 && v !== null && v >= 3) || undefined;
    }, 60_000, 50);
    await sleep(100 + Math.floor(Math.random() * 400));
    victim.child.kill('SIGKILL');
    await victim.exited;
    const atKill = (await models.getMeta(model, (await models.latestVersion(model))!))!.samplesSeen;
    const producedAtKill = produced;

    // Its partitions move to the survivors (after the 6 s session timeout).
    await until('the survivors own every partition', () => {
      for (const s of survivors) if (s.child.exitCode !== null) throw new Error(`survivor exited: ${s.lines.slice(-8).join('\n')}`);
      const owned = survivors.flatMap(assignedTo);
      return (new Set(owned).size === 3 && victimPartitions.every((p) => owned.includes(p))) || undefined;
    }, 60_000, 100);

    // While they run, the oracle over the partition states: nothing applied twice.
    const midway = await effectiveCounts(models, states, model);
    assert.deepEqual(exactlyOnce(midway.counts, 0).twice, [], 'applied twice (version + partition states) while running');

    await producing;
    const ends = await highWatermarks(admin, topic);
    await until('the mixed version includes every record', async () => {
      const v = await models.latestVersion(model);
      const meta = v === null ? null : await models.getMeta(model, v);
      return (meta !== null && Object.entries(ends).every(([k, o]) => meta.offsets[k] === o)) || undefined;
    }, 120_000, 200);
    const running = await effectiveCounts(models, states, model);
    for (const s of survivors) s.child.kill('SIGTERM');
    for (const s of survivors) assert.equal(await s.exited, 0, s.lines.slice(-10).join('\n'));

    const after = await effectiveCounts(models, states, model);
    const final = CountingLearner.decodeSnapshot((await models.getLatest(model, 'checkpoint'))!.data);
    for (const [what, counts] of [['partition states while running', running.counts], ['partition states after the stop', after.counts], ['final version', new Map(final.counts)]] as const) {
      const { twice, missing } = exactlyOnce(counts, GOOD);
      assert.deepEqual(twice, [], `${what}: applied more than once`);
      assert.deepEqual(missing, [], `${what}: never applied`);
      assert.equal(counts.size, GOOD, what);
    }
    assert.ok(final.samplesSeen === GOOD, `samplesSeen ${final.samplesSeen}`);
    assert.ok(atKill < GOOD, 'killed mid-stream');
    const moved = (await states.listPartitions(model)).filter((s) => victimPartitions.includes(s.partition));
    assert.ok(moved.every((s) => s.owner !== victimId), 'the victim\'s partitions are written by survivors now');
    const dlq = Object.values(await highWatermarks(admin, `${topic}.dlq`)).reduce((n, o) => n + Number(o), 0);
    assert.ok(dlq >= badCount, `every bad record in the DLQ (${dlq} of ${badCount})`);
    process.stdout.write(
      `# killed replica ${victimId} (partitions ${victimPartitions.join(', ')}) at samplesSeen ${atKill} with ${producedAtKill} of ${values.length} records produced; ` +
        `final version ${after.version}: ${final.counts.length}/${GOOD} applied once; dlq ${dlq} for ${badCount} bad records\n`,
    );
  });
});
