// `streamlr demo` as a user runs it: a child process on the in-process transport and store, from a
// directory outside the repository (the bundled dataset is found from the command's own location).
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { describe, it } from 'node:test';
import { countLines } from '@streamlr/protocol';
import { BIN, cli, MOVIELENS } from './helpers.js';

/** Rows in the train split of the bundled movielens.csv (first 80% of its data rows). */
async function trainSplitSize(): Promise<{ train: number; heldOut: number }> {
  const rows = (await countLines(MOVIELENS)) - 1;
  const train = Math.floor(rows * 0.8);
  return { train, heldOut: rows - train };
}

interface Running {
  readonly child: ChildProcess;
  stdout: string;
  stderr: string;
  readonly exited: Promise<number | null>;
}

function start(args: readonly string[]): Running {
  const child = spawn(process.execPath, [BIN, 'demo', ...args], { cwd: tmpdir(), stdio: ['ignore', 'pipe', 'pipe'] });
  const running: Running = {
    child,
    stdout: '',
    stderr: '',
    exited: new Promise((resolve) => child.once('close', (code) => resolve(code))),
  };
  child.stdout!.on('data', (chunk: Buffer) => (running.stdout += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (running.stderr += chunk.toString('utf8')));
  return running;
}

async function waitFor<T>(what: string, running: Running, find: () => T | undefined, timeoutMs = 120_000): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (running.child.exitCode !== null) throw new Error(`demo exited (${running.child.exitCode}) before ${what}:\n${running.stdout}\n${running.stderr}`);
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${running.stdout}\n${running.stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The summary's figures, parsed from stdout. */
function summary(stdout: string): { learned: number; heldOut: { n: number; logloss: number; accuracy: number; auc: number }; versions: number; serving: number; sparsity: number } {
  const num = (text: string): number => Number(text.replace(/,/g, ''));
  const held = /^ {2}held-out +([\d,]+) +([\d.]+) +([\d.]+) +([\d.]+) /m.exec(stdout);
  const learned = /^ {2}samples +([\d,]+) learned/m.exec(stdout);
  const versions = /^ {2}versions +(\d+) published, scorer serving version (\d+)$/m.exec(stdout);
  const sparsity = /^ {2}weights +[\d,]+ non-zero of [\d,]+ \(sparsity ([\d.]+)\)$/m.exec(stdout);
  assert.ok(held && learned && versions && sparsity, `a summary table on stdout:\n${stdout}`);
  return {
    learned: num(learned[1]!),
    heldOut: { n: num(held[1]!), logloss: Number(held[2]), accuracy: Number(held[3]), auc: Number(held[4]) },
    versions: Number(versions[1]),
    serving: Number(versions[2]),
    sparsity: Number(sparsity[1]),
  };
}

describe('streamlr demo (in-process transport and store)', () => {
  it('--no-serve: learns the train split, scores the held-out split through the scorer, prints the summary, exits 0', async () => {
    const split = await trainSplitSize();
    const run = start(['--no-serve']);
    const code = await run.exited;
    assert.equal(code, 0, run.stderr);
    const s = summary(run.stdout);
    assert.equal(s.learned, split.train, 'every row of the train split is learned');
    assert.equal(s.heldOut.n, split.heldOut, 'every held-out row is scored');
    assert.ok(s.heldOut.logloss <= 0.57, `held-out log loss ${s.heldOut.logloss} ≤ 0.57`);
    assert.ok(s.heldOut.auc >= 0.75, `held-out AUC ${s.heldOut.auc} ≥ 0.75`);
    assert.ok(s.versions >= 1, 'at least one version published');
    assert.ok(s.serving >= s.versions, 'the scorer serves the last version');
    assert.ok(s.sparsity > 0 && s.sparsity < 1, 'sparsity is a ratio');
    assert.match(run.stdout, /^ {2}held-out .* scored by version (\d+)$/m);
    assert.equal(/scored by version (\d+)$/m.exec(run.stdout)![1], String(s.serving), 'held-out scored by the final version only');
    // The progress bar's last line (a plain line: stderr is not a terminal here).
    assert.match(run.stderr, new RegExp(`^train ${split.train.toLocaleString('en-US')}/${split.train.toLocaleString('en-US')} 100\\.0% `, 'm'));
    assert.doesNotMatch(run.stdout, /serving until Ctrl-C/);
  });

  it('serves /metrics (trainer and scorer) and POST /score on --port 0 until SIGINT, then exits 0', async () => {
    const run = start(['--port', '0']);
    try {
      const url = await waitFor('the serving URLs', run, () => /^ {2}POST (http:\/\/[\d.]+:\d+)\/score /m.exec(run.stdout)?.[1]);
      const s = summary(run.stdout);
      assert.doesNotMatch(url, /:8080$/, 'a free port, not the default');

      // The printed curl example works as printed (its JSON body is a held-out row without its label).
      const example = /curl -s -X POST \S+\/score -H 'content-type: application\/json' -d '([^']+)'$/m.exec(run.stdout);
      assert.ok(example, 'a ready-to-paste curl example');
      const scored = await fetch(`${url}/score`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: example[1]! });
      assert.equal(scored.status, 200);
      const body = (await scored.json()) as { model: string; version: number; scores: { score: number; class: number }[] };
      assert.equal(body.model, 'demo');
      assert.equal(body.version, s.serving, 'scored by the version the summary names');
      assert.equal(body.scores.length, 1);
      assert.ok(body.scores[0]!.score > 0 && body.scores[0]!.score < 1);

      const metrics = await (await fetch(`${url}/metrics`)).text();
      const gauge = (pattern: string): number => {
        const m = new RegExp(`^${pattern} ([-\\d.e+]+)$`, 'm').exec(metrics);
        assert.ok(m, `${pattern} in /metrics`);
        return Number(m[1]);
      };
      const logloss = gauge('streamlr_trainer_logloss\\{model="demo"\\}');
      assert.ok(logloss > 0.4 && logloss < 0.7, `trainer log loss ${logloss}`);
      assert.equal(gauge('streamlr_trainer_samples_total\\{model="demo"\\}'), s.learned);
      assert.equal(gauge('streamlr_trainer_snapshot_version\\{model="demo"\\}'), s.serving);
      const trainerSparsity = gauge('streamlr_model_sparsity_ratio\\{model="demo",role="trainer"\\}');
      const scorerSparsity = gauge('streamlr_model_sparsity_ratio\\{model="demo",role="scorer"\\}');
      assert.equal(trainerSparsity, scorerSparsity, 'trainer and scorer hold the same final version');
      assert.equal(gauge('streamlr_scorer_model_version\\{model="demo"\\}'), s.serving);
      assert.ok(gauge('streamlr_scorer_events_total\\{model="demo",outcome="scored"\\}') >= s.heldOut.n + 1, 'held-out events and the POST were scored');
      assert.ok(gauge('streamlr_scorer_logloss\\{model="demo"\\}') > 0, 'labelled held-out events feed the scorer log loss');
    } finally {
      run.child.kill('SIGINT');
    }
    assert.equal(await run.exited, 0, run.stderr);
  });

  it('--help has examples; bad flags and failures are one line with a non-zero exit', async () => {
    const help = await cli(['demo', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^Usage: streamlr demo /);
    assert.match(help.stdout, /\nExamples:\n {2}# .+\n {2}streamlr demo/);
    for (const flag of ['--data', '--label', '--kafka', '--redis', '--port', '--no-serve', '--snapshot-every', '--optimizer']) assert.match(help.stdout, new RegExp(`${flag}\\b`));

    const cases: [string[], RegExp, number][] = [
      [['demo', '--kafka', '127.0.0.1:9092'], /^streamlr demo: --redis: required with --kafka .*\n$/, 2],
      [['demo', '--redis', 'redis://127.0.0.1:6379'], /^streamlr demo: --kafka: required with --redis .*\n$/, 2],
      [['demo', '--kafka', 'nohost', '--redis', 'redis://127.0.0.1:6379'], /^streamlr demo: --kafka: 'nohost' is not host:port\n$/, 2],
      [['demo', '--port', '70000'], /^streamlr demo: --port \(STREAMLR_DEMO_PORT\): must be ≤ 65535, got 70000\n$/, 2],
      [['demo', '--optimizer', 'newton'], /^streamlr demo: --optimizer \(STREAMLR_OPTIMIZER\): must be one of sgd, adagrad, ftrl, got 'newton'\n$/, 2],
      [['demo', '--data', '/nonexistent/rows.csv', '--no-serve'], /^streamlr demo: .*\/nonexistent\/rows\.csv.*\n$/, 1],
    ];
    for (const [args, stderr, code] of cases) {
      const result = await cli(args);
      assert.equal(result.code, code, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, stderr, args.join(' '));
    }
  });

  it('Ctrl-C before the summary stops cleanly with exit 130 and one line', async () => {
    const run = start(['--no-serve', '--port', '0']);
    await waitFor('the header', run, () => (run.stdout.includes('in-memory model store') ? true : undefined));
    run.child.kill('SIGINT');
    assert.equal(await run.exited, 130, run.stderr);
    assert.match(run.stderr, /^streamlr demo: interrupted \(SIGINT\) before the summary$/m);
    assert.doesNotMatch(run.stdout, /held-out/);
  });

  it('a taken port is one line naming it, before any training', async () => {
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const result = await cli(['demo', '--port', String(port)]);
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, new RegExp(`^streamlr demo: port ${port} on 127\\.0\\.0\\.1 is taken: give --port N \\(or --port 0 for any free port\\)\\n$`));
      assert.doesNotMatch(result.stdout, /held-out/);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
