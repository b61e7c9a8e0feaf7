// Profiling driver (not part of `pnpm bench`): runs one pipeline in a loop so that
// `node --cpu-prof bench/src/profile-receive.js <mode> <bytes>` shows where receive() spends time.
// Modes: noidem (idempotency off), memory (memory store, unique bodies), verify.
import { createMemoryStore, createVerifier, createWebhookReceiver } from '@armalo-webhooks/core';
import { SECRET, signedPool } from './fixtures.js';

const mode = process.argv[2] ?? 'noidem';
const bytes = Number(process.argv[3] ?? 300);
const seconds = Number(process.argv[4] ?? 5);
const count = bytes >= 65536 ? 512 : 4096;
const pool = signedPool(bytes, count).map((d) => ({ ...d, headers: { host: '127.0.0.1:3000', ...d.headers } }));
const store = createMemoryStore({ logger: { warn() {}, error() {} } });
const receiver = createWebhookReceiver({
  secret: SECRET,
  idempotency: mode === 'memory' ? { store } : false,
  logger: { warn() {}, error() {} },
});
receiver.on('score.changed', () => {});
const verifier = createVerifier({ secret: SECRET });
let calls = 0;
const end = performance.now() + seconds * 1000;
while (performance.now() < end) {
  for (let i = 0; i < 1000; i++) {
    const d = pool[mode === 'memory' ? calls % count : 0];
    if (mode === 'memory' && calls % count === 0) store.clear();
    calls++;
    if (mode === 'verify') {
      if (!verifier.verify(d.body, d.signature).ok) throw new Error('verify failed');
      continue;
    }
    const result = await receiver.receive({ rawBody: d.body, headers: d.headers, method: 'POST' });
    if (result.status !== 200) throw new Error(`status ${result.status}`);
  }
}
console.log(`${mode} ${bytes} B: ${((seconds * 1e9) / calls).toFixed(0)} ns/call over ${calls} calls`);
