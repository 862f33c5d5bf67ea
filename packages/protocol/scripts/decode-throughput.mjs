// Quick local throughput check of the decoders (not a test: no assertions on time).
// Run after `npx tsc -b`: node packages/protocol/scripts/decode-throughput.mjs [seconds]
import { Buffer } from 'node:buffer';
import { decodeSample, tryDecodeSample, tryDecodeEvent } from '../dist/src/index.js';

const seconds = Number(process.argv[2] ?? 1);
const typical = '{"label":1,"features":{"user_id":"u128","movie_id":"m1028","genres":"Children|Comedy","year":1964}}';
// Distinct buffers so nothing is cached by identity; like Kafka values, each is its own Buffer.
const messages = Array.from({ length: 4096 }, (_, i) =>
  Buffer.from(typical.replace('u128', `u${i % 671}`).replace('m1028', `m${(i * 7) % 9066}`)),
);
const poison = Array.from({ length: 4096 }, (_, i) => Buffer.from(`{"label":${i % 2},"features":{"a":null}}`));
const notJson = Array.from({ length: 4096 }, (_, i) => Buffer.from(`{"label":${i % 2},"features":{"a":nul}}`));
const binary = Array.from({ length: 4096 }, (_, i) => Buffer.from([0x0a, 0xff, i & 0xff, 0xc3]));

function run(name, messagesIn, fn) {
  let n = 0;
  let sink = 0;
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    for (let i = 0; i < messagesIn.length; i++) sink += fn(messagesIn[i]);
    n += messagesIn.length;
  }
  const rate = n / seconds;
  console.log(`${name.padEnd(40)} ${(rate / 1e6).toFixed(2)} M msg/s  (${(1e9 / rate).toFixed(0)} ns/msg)  [${sink}]`);
}

for (let round = 0; round < 2; round++) {
  run('JSON.parse only (baseline)', messages, (b) => JSON.parse(b.toString('utf8')).label);
  run('decodeSample (Buffer)', messages, (b) => decodeSample(b).label);
  run('tryDecodeSample (Buffer)', messages, (b) => (tryDecodeSample(b).ok ? 1 : 0));
  run('tryDecodeEvent (Buffer)', messages, (b) => (tryDecodeEvent(b).ok ? 1 : 0));
  run('decodeSample (string)', [typical], (s) => decodeSample(s).label);
  run('tryDecodeSample (poison: bad_value)', poison, (b) => (tryDecodeSample(b).ok ? 1 : 0));
  run('tryDecodeSample (poison: not_json)', notJson, (b) => (tryDecodeSample(b).ok ? 1 : 0));
  run('tryDecodeSample (poison: bad_encoding)', binary, (b) => (tryDecodeSample(b).ok ? 1 : 0));
}
