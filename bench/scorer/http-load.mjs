// Open-loop HTTP load generator for POST /score. Requests go out on a fixed schedule (`rate` per
// second) whatever the responses do, so a slow answer cannot slow the offered load down (no
// coordinated omission in the schedule). It runs as its own process, so it does not share the
// scorer's event loop, and talks HTTP/1.1 over raw keep-alive sockets with pre-encoded requests:
// node's http client costs tens of µs per request, which on a 2-core machine would be measured as
// scorer latency. A request goes to an idle connection when there is one (else the least busy:
// pipelined, answered in order).
//
//   node bench/scorer/http-load.mjs URL RATE SECONDS WARMUP_SECONDS BODIES.json [CONNECTIONS]
// Prints one JSON line: latency percentiles (ms) from the actual send and from the scheduled time.
import { readFileSync } from 'node:fs';
import net from 'node:net';

const [url, rateText, secondsText, warmupText, bodiesPath, connectionsText] = process.argv.slice(2);
const rate = Number(rateText);
const seconds = Number(secondsText);
const warmup = Number(warmupText);
const connectionCount = Number(connectionsText ?? 32);
const target = new URL('/score', url);
const requests = JSON.parse(readFileSync(bodiesPath, 'utf8')).map((body) => {
  const json = Buffer.from(JSON.stringify(body));
  const head = `POST ${target.pathname} HTTP/1.1\r\nHost: ${target.host}\r\nContent-Type: application/json\r\nContent-Length: ${json.length}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head), json]);
});

const total = Math.round(rate * (warmup + seconds));
const measuredFrom = Math.round(rate * warmup);
const fromSend = new Float64Array(total).fill(Number.NaN);
const fromSchedule = new Float64Array(total).fill(Number.NaN);
let done = 0;
let errors = 0;
let sent = 0;
let maxInFlight = 0;
let start = 0;
const HEADER_END = Buffer.from('\r\n\r\n');

function connect(slot) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: target.hostname, port: Number(target.port), noDelay: true });
    const connection = { socket, pending: [], buffer: Buffer.alloc(0), open: false };
    socket.once('connect', () => {
      connection.open = true;
      resolve(connection);
    });
    socket.on('error', (error) => {
      if (!connection.open) reject(error);
    });
    socket.on('data', (chunk) => {
      connection.buffer = connection.buffer.length === 0 ? chunk : Buffer.concat([connection.buffer, chunk]);
      parse(connection);
    });
    // A connection the server closed (e.g. its keep-alive timeout) loses what it had pending
    // (counted as errors) and is replaced, so the offered load goes on.
    socket.on('close', () => {
      connection.open = false;
      for (const request of connection.pending.splice(0)) {
        errors++;
        if (++done === total) report();
      }
      if (sent < total) void connect(slot).then((fresh) => (connections[slot] = fresh), () => undefined);
    });
  });
}

function parse(connection) {
  for (;;) {
    const { buffer } = connection;
    const headerEnd = buffer.indexOf(HEADER_END);
    if (headerEnd < 0) return;
    const head = buffer.subarray(0, headerEnd).toString('latin1');
    const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
    const end = headerEnd + 4 + length;
    if (buffer.length < end) return;
    const now = performance.now();
    const status = Number(head.slice(9, 12));
    const request = connection.pending.shift();
    fromSend[request.i] = now - request.sentAt;
    fromSchedule[request.i] = now - (start + (request.i * 1000) / rate);
    if (status !== 200) errors++;
    connection.buffer = buffer.subarray(end);
    if (++done === total) report();
  }
}

/** An idle open connection, searching from a rotating position so every connection stays in use. */
let next = 0;
function pick() {
  let best;
  for (let k = 0; k < connections.length; k++) {
    const c = connections[(next + k) % connections.length];
    if (!c.open) continue;
    if (c.pending.length === 0) {
      next = (next + k + 1) % connections.length;
      return c;
    }
    if (best === undefined || c.pending.length < best.pending.length) best = c;
  }
  return best;
}

function percentiles(values) {
  const sorted = Float64Array.from(values.filter((v) => !Number.isNaN(v))).sort();
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { n: sorted.length, p50: at(0.5), p90: at(0.9), p99: at(0.99), p999: at(0.999), max: sorted[sorted.length - 1] };
}

let connections = [];
function report() {
  const elapsed = (performance.now() - start) / 1000;
  const measured = (a) => Array.from(a.subarray(measuredFrom));
  process.stdout.write(
    `${JSON.stringify({
      rate,
      seconds,
      warmup,
      connections: connectionCount,
      achievedRate: total / elapsed,
      errors,
      maxInFlight,
      fromSend: percentiles(measured(fromSend)),
      fromSchedule: percentiles(measured(fromSchedule)),
    })}\n`,
  );
  const all = connections;
  connections = [];
  for (const c of all) c.socket.destroy();
}

connections = await Promise.all(Array.from({ length: connectionCount }, (_, slot) => connect(slot)));
start = performance.now();
function pump() {
  const due = Math.min(total, Math.floor(((performance.now() - start) * rate) / 1000));
  while (sent < due) {
    const i = sent++;
    const connection = pick();
    if (connection === undefined) {
      errors++;
      if (++done === total) report();
      continue;
    }
    connection.pending.push({ i, sentAt: performance.now() });
    connection.socket.write(requests[i % requests.length]);
  }
  maxInFlight = Math.max(maxInFlight, sent - done);
  if (sent < total) setTimeout(pump, 1);
}
pump();
