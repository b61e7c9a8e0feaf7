import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

/** The example app the end-to-end suite builds and starts. */
export const EXAMPLE_DIR = fileURLToPath(new URL('../../examples/next/', import.meta.url));
const NEXT_BIN = fileURLToPath(new URL('../../examples/next/node_modules/next/dist/bin/next', import.meta.url));

/** Every process this module started, so that they can all be ended even if the run is cut short. */
const started = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of started) killGroup(child, 'SIGKILL');
});

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    // Negative pid: the whole process group (the child was spawned detached, as its leader).
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

/** Runs `next` in the example directory, in its own process group, collecting its output. */
function runNext(args: string[], env: NodeJS.ProcessEnv): { child: ChildProcess; output: string[] } {
  const child = spawn(process.execPath, [NEXT_BIN, ...args], {
    cwd: EXAMPLE_DIR,
    env: { ...env, NEXT_TELEMETRY_DISABLED: '1' },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.add(child);
  child.once('exit', () => started.delete(child));
  const output: string[] = [];
  let partial = '';
  const collect = (data: Buffer) => {
    const lines = (partial + data.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    output.push(...lines);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  return { child, output };
}

/** Ends a process group: SIGTERM, then SIGKILL if it has not exited within five seconds. */
export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  killGroup(child, 'SIGTERM');
  const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/** `next build` of the example. The secret is deliberately absent: building must not need it. */
export async function buildExample(): Promise<{ output: string[]; ms: number }> {
  const start = performance.now();
  const env = { ...process.env };
  delete env.ARMALO_WEBHOOK_SECRET;
  const { child, output } = runNext(['build'], env);
  try {
    const [code] = (await once(child, 'exit')) as [number | null];
    if (code !== 0) throw new Error(`next build exited with ${code}:\n${output.slice(-60).join('\n')}`);
  } finally {
    await stop(child);
  }
  return { output, ms: performance.now() - start };
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** A started `next start`: its base URL, its output lines so far, and its process. */
export interface RunningApp {
  baseUrl: string;
  output: string[];
  child: ChildProcess;
  ms: number;
}

/** `next start` on 127.0.0.1 and a free port; resolves once it answers HTTP. */
export async function startExample(env: Record<string, string>): Promise<RunningApp> {
  const start = performance.now();
  const port = await freePort();
  const { child, output } = runNext(['start', '-H', '127.0.0.1', '-p', String(port)], { ...process.env, ...env });
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`next start exited with ${child.exitCode}:\n${output.join('\n')}`);
    try {
      const response = await fetch(`${baseUrl}/`);
      await response.arrayBuffer();
      if (response.ok) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await stop(child);
      throw new Error(`next start did not answer within 60 s:\n${output.join('\n')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { baseUrl, output, child, ms: performance.now() - start };
}

/** An answer read with node:http. */
export interface ChunkedAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

/**
 * POSTs `body` with `Transfer-Encoding: chunked` (no Content-Length, so only a limit enforced
 * while reading can refuse it), in 64 KiB chunks. With `end: false` the request is left open after
 * the last chunk, and the answer has to arrive before the body ends.
 */
export function postChunked(url: string, body: Uint8Array, options: { end: boolean }): Promise<ChunkedAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-armalo-signature': 'a'.repeat(64) },
    });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error('no answer within 20 s'));
    }, 20_000);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        clearTimeout(timer);
        req.destroy();
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          // Left as text for the assertion message.
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed });
      });
    });
    req.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    for (let offset = 0; offset < body.length; offset += 65_536) req.write(body.subarray(offset, offset + 65_536));
    if (options.end) req.end();
  });
}
