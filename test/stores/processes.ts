import { type ChildProcess, spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const RECEIVER = fileURLToPath(new URL('./fixtures/receiver.mjs', import.meta.url));

/** A receiver child process and what it has said on stdout. */
export interface ReceiverProcess {
  port: number;
  child: ChildProcess;
  /** Resolves with the first stdout message that `match` accepts (messages already seen included). */
  waitFor(match: (message: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** SIGTERM, then SIGKILL if it lingers; resolves once it has exited. */
  stop(): Promise<void>;
  stderr(): string;
}

/** Starts `fixtures/receiver.mjs` (or `script`) with `env` and waits for it to report its port. */
export async function startReceiver(env: Record<string, string>, script = RECEIVER): Promise<ReceiverProcess> {
  const child = spawn(process.execPath, [script], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const messages: Record<string, unknown>[] = [];
  const waiters = new Set<() => void>();
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-20_000);
  });
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    try {
      messages.push(JSON.parse(line));
    } catch {
      return;
    }
    for (const wake of waiters) wake();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  function waitFor(match: (message: Record<string, unknown>) => boolean, timeoutMs = 15_000) {
    return new Promise<Record<string, unknown>>((resolve, reject) => {
      const check = () => {
        const found = messages.find(match);
        if (found === undefined) return false;
        cleanup();
        resolve(found);
        return true;
      };
      const onExit = () => {
        cleanup();
        reject(new Error(`receiver exited (code ${child.exitCode}, signal ${child.signalCode}): ${stderr}`));
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`receiver said nothing matching within ${timeoutMs} ms: ${stderr}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        waiters.delete(wake);
        child.off('exit', onExit);
      };
      const wake = () => void check();
      if (check()) return;
      waiters.add(wake);
      child.once('exit', onExit);
    });
  }

  const ready = await waitFor((message) => typeof message.port === 'number');
  return {
    port: ready.port as number,
    child,
    waitFor,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** One HTTP answer, or the network error that replaced it. */
export type PostOutcome = { status: number; body: Record<string, unknown> } | { error: string };

/** POSTs a delivery to a receiver on 127.0.0.1. Never rejects. */
export function post(
  agent: Agent,
  port: number,
  delivery: { body: string; headers: Record<string, string> },
): Promise<PostOutcome> {
  return new Promise((resolve) => {
    const req = request(
      { agent, host: '127.0.0.1', port, method: 'POST', path: '/', headers: delivery.headers, timeout: 30_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          let body: Record<string, unknown> = {};
          try {
            body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch {}
          resolve({ status: res.statusCode ?? 0, body });
        });
        res.on('error', (error) => resolve({ error: error.message }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', (error) => resolve({ error: error.message }));
    req.end(delivery.body);
  });
}

/** A keep-alive agent that keeps at most `sockets` requests in flight per receiver. */
export function keepAliveAgent(sockets: number): Agent {
  return new Agent({ keepAlive: true, maxSockets: sockets });
}
