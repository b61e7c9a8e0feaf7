import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createWebhookReceiver } from '@armalo-webhooks/core';
import { createNodeHandler } from '@armalo-webhooks/core/node';

export const BIN = fileURLToPath(new URL('../../packages/cli/dist/bin.js', import.meta.url));
export const SECRET = 'whsec_cli_test_secret_do_not_print';

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: Record<string, string>;
  input?: string | Uint8Array;
  cwd?: string;
  timeoutMs?: number;
  /** Another copy of the CLI's bin to run (default: the workspace's build). */
  bin?: string;
}

/**
 * Spawns the built CLI without blocking the event loop (the receiver under test lives in this
 * process). The caller's ARMALO_WEBHOOK_SECRET never leaks in: each test says which secret it uses.
 */
export function runCli(args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  // Next's types make NODE_ENV required on ProcessEnv; the CLI child must not inherit one.
  const env = { PATH: process.env.PATH ?? '', ...options.env } as unknown as NodeJS.ProcessEnv;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [options.bin ?? BIN, ...args], {
      env,
      cwd: options.cwd ?? process.cwd(),
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: options.timeoutMs ?? 20_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

export interface TestReceiver {
  url: string;
  /** Event names whose handler ran, in order. */
  handled: string[];
  close(): Promise<void>;
}

/** A real receiver on 127.0.0.1:<free port>, built from core's node handler. */
export async function startReceiver(secret: string | string[] = SECRET): Promise<TestReceiver> {
  const handled: string[] = [];
  const webhooks = createWebhookReceiver({ secret, logger: { warn: () => {}, error: () => {} } });
  webhooks.onAny(async (event) => {
    // Long enough that concurrent copies of one delivery overlap.
    await new Promise((resolve) => setTimeout(resolve, 50));
    handled.push(event.event);
  });
  const handle = createNodeHandler(webhooks);
  const server: Server = createServer((req, res) => {
    if (req.url === '/webhooks/armalo') return void handle(req, res);
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks/armalo`,
    handled,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** A port that was free a moment ago and has nothing listening on it. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The lines of a stream's text, without the final empty one. */
export function lines(text: string): string[] {
  return text.split('\n').filter((line, index, all) => !(line === '' && index === all.length - 1));
}

export interface DevProcess {
  /** The inspector page's URL, token included. */
  inspectorUrl: string;
  /** The standalone receiver's URL (absent in attached mode). */
  receiverUrl?: string;
  stdout: () => string;
  stderr: () => string;
  /** SIGTERM, then resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Starts `armalo-webhooks dev` as a child process and waits for the URLs it prints. */
export async function startDev(args: readonly string[], env: Record<string, string> = {}): Promise<DevProcess> {
  const child = spawn(process.execPath, [BIN, 'dev', ...args], {
    env: { PATH: process.env.PATH ?? '', ...env } as unknown as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`dev printed no URL in 15 s: ${stdout}${stderr}`)), 15_000);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (stdout.includes('Ctrl-C stops.')) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`dev exited with ${code}: ${stderr}`));
    });
  });
  const inspectorUrl = /inspector {2}(\S+)/.exec(stdout)?.[1] ?? '';
  const receiverUrl = /receiver {3}(\S+)/.exec(stdout)?.[1];
  return {
    inspectorUrl,
    ...(receiverUrl === undefined ? {} : { receiverUrl }),
    stdout: () => stdout,
    stderr: () => stderr,
    stop: () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
