// Instructions per request of an HTTP server, counted by callgrind: the server (http-server.js)
// runs under valgrind in its own process, instrumentation off; this process is the client (one
// kept-alive connection, one request at a time, a new signed delivery each time, signed here just
// before it is sent). After the warm-up requests the server switches callgrind on itself, the
// counted requests follow, and the server exits so callgrind writes its totals. Only the server's
// instructions are counted: the client's work is not in them.
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { envelopeBody, sign } from './fixtures.js';

const SERVER = fileURLToPath(new URL('./http-server.js', import.meta.url));
let seq = 0;
// V8's memory reducer starts full GCs on a wall-clock timer; under valgrind, on a loaded machine,
// it fired often enough to add about 10% to the node handler's count (364k against 324k and 329k
// with it off, three runs side by side). Off by default here; BENCH_V8_FLAGS (space-separated)
// replaces the flags.
export const V8_FLAGS = (process.env.BENCH_V8_FLAGS ?? '--no-memory-reducer').split(' ').filter(Boolean);

/** A new signed delivery with the headers of its style ('armalo' or 'octokit'). */
function delivery(style, bytes) {
  const n = ++seq;
  const body = Buffer.from(envelopeBody(bytes, n), 'utf8');
  const signature = sign(body);
  const headers =
    style === 'octokit'
      ? {
          'content-type': 'application/json',
          'content-length': String(body.length),
          'x-github-event': 'push',
          'x-github-delivery': `72d3162e-cc78-11e3-81ab-${String(n).padStart(12, '0')}`,
          'x-hub-signature-256': `sha256=${signature}`,
        }
      : {
          'content-type': 'application/json',
          'content-length': String(body.length),
          'x-armalo-signature': signature,
        };
  return { body, headers };
}

function send(agent, port, style, bytes) {
  const { body, headers } = delivery(style, bytes);
  return new Promise((resolve, reject) => {
    const req = request({ agent, host: '127.0.0.1', port, method: 'POST', path: '/webhooks', headers }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function sendMany(agent, port, style, bytes, count) {
  for (let i = 0; i < count; i++) await send(agent, port, style, bytes);
}

/**
 * Counts one server kind: resolves with instructions per request over `calls` requests after
 * `warmup` requests.
 */
export async function countHttp({ kind, style = 'armalo', bytes = 300, warmup, calls, dir }) {
  const out = join(dir, `http-${kind}-${bytes}-${process.hrtime.bigint()}.out`);
  const child = fork(SERVER, [kind], {
    execPath: 'valgrind',
    execArgv: ['--tool=callgrind', '--instr-atstart=no', `--callgrind-out-file=${out}`, process.execPath, ...V8_FLAGS],
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const exited = once(child, 'exit');
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const [started] = await once(child, 'message');
    const port = started.port;
    await sendMany(agent, port, style, bytes, warmup);
    child.send('instr-on');
    const [on] = await once(child, 'message');
    if (on?.instr !== 'on') throw new Error(`${kind}: unexpected ${JSON.stringify(on)}`);
    await sendMany(agent, port, style, bytes, calls);
    child.send('exit');
    const [code] = await exited;
    if (code !== 0) throw new Error(`${kind}: exit ${code}: ${stderr.split('\n').slice(-5).join(' ')}`);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  } finally {
    agent.destroy();
  }
  const total = /^(?:summary|totals): (\d+)/m.exec(readFileSync(out, 'utf8'))?.[1];
  if (total === undefined) throw new Error(`${kind}: no totals in ${out}`);
  return Number(total) / calls;
}
