// createHmac with three kinds of key, 300 B bodies: on Node 24.21 a Buffer key costs about 6x a
// KeyObject, because prepareSecretKey() asks isKeyObject() and isCryptoKey(), and each of them now
// calls a native slot getter that throws for anything else, inside a try/catch: two thrown and
// caught TypeErrors per HMAC. Run it with each Node:
//
//   for v in 22 24 26; do ~/.cache/armalo-webhooks/node-$v/node_modules/node/bin/node bench/src/hmac-keys.js; done
import { createHmac, createSecretKey } from 'node:crypto';

const secret = 'whsec_bench_5f1c7a9e3b2d4f6a8c0e1b3d5f7a9c2e';
const body = Buffer.alloc(300, 97);
const keys = { string: secret, Buffer: Buffer.from(secret), KeyObject: createSecretKey(Buffer.from(secret)) };
const calls = 200_000;
const line = [`Node ${process.versions.node}:`];
for (const [name, key] of Object.entries(keys)) {
  let ns = 0;
  for (let round = 0; round < 2; round++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) createHmac('sha256', key).update(body).digest();
    ns = Number(process.hrtime.bigint() - start) / calls; // the second round, warmed up
  }
  line.push(`${name} key ${Math.round(ns)} ns`);
}
console.log(line.join('  '));
