import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import {
  createWebhookReceiver,
  ERROR_STATUS,
  type WebhookLogger,
  type WebhookReceiver,
  type WebhookReceiverOptions,
  type WebhookResult,
} from '@armalo-webhooks/core';
import { createUncheckedDelivery, sampleData, sign } from '@armalo-webhooks/core/testing';
import { expect } from 'vitest';

/** Secrets configured on receivers in this suite. None may ever appear in an answer or a log line. */
export const SECRET = 'whsec_robustness_current_7f3a9c';
export const PREVIOUS_SECRET = 'whsec_robustness_previous_1b2d4e';
export const OTHER_SECRET = 'whsec_robustness_attacker_0000';
export const ALL_SECRETS = [SECRET, PREVIOUS_SECRET, OTHER_SECRET] as const;

/**
 * Everything the suite produced that a client or an operator could read: response bodies, log
 * lines, `onError` reports, child-process output. `assertNoLeaks()` scans it for the secrets and
 * for every signature that was sent.
 */
export const sink = {
  texts: [] as string[],
  signatures: new Set<string>(),
  /** Texts scanned, for the report line at the end of each file. */
  scanned: 0,
};

/** Records a signature that was sent (any case, any padding) so that the leak scan looks for it. */
export function sentSignature(value: string | undefined): void {
  if (value === undefined) return;
  const trimmed = value.trim().toLowerCase();
  if (/^[0-9a-f]{64}$/.test(trimmed)) sink.signatures.add(trimmed);
}

export function recordText(text: string): void {
  sink.texts.push(text);
}

/**
 * Fails if any recorded text contains a configured secret or a signature that was sent. Secrets
 * are matched case-insensitively as substrings; signatures as any 64-hex-digit run.
 */
export function assertNoLeaks(): void {
  const lowerSecrets = ALL_SECRETS.map((s) => s.toLowerCase());
  for (const text of sink.texts) {
    const lower = text.toLowerCase();
    for (const secret of lowerSecrets) {
      if (lower.includes(secret)) throw new Error(`secret leaked in: ${text.slice(0, 300)}`);
    }
    for (const match of lower.matchAll(/[0-9a-f]{64}/g)) {
      if (sink.signatures.has(match[0])) throw new Error(`received signature leaked in: ${text.slice(0, 300)}`);
    }
  }
  sink.scanned += sink.texts.length;
  sink.texts.length = 0;
}

/**
 * A logger and an `onError` that record every line into the sink. `lines` holds warnings and
 * errors; the receiver's rate-limited refusal lines (on by default) go to `refusals`, so that a
 * property can say "nothing failed" while every line is still scanned for leaks.
 */
export function capturingHooks(): {
  logger: WebhookLogger;
  onError: NonNullable<WebhookReceiverOptions['onError']>;
  lines: string[];
  refusals: string[];
} {
  const lines: string[] = [];
  const refusals: string[] = [];
  const push = (line: string) => {
    (line.startsWith('warn armalo-webhooks: refused a delivery: ') ? refusals : lines).push(line);
    recordText(line);
  };
  return {
    lines,
    refusals,
    logger: {
      warn: (message, meta) => push(`warn ${message} ${safeJson(meta)}`),
      error: (message, meta) => push(`error ${message} ${safeJson(meta)}`),
    },
    onError: (error, info) => {
      const cause = error.cause instanceof Error ? `${error.cause.name}: ${error.cause.message}` : String(error.cause);
      push(
        `onError ${error.code} ${error.status} ${error.message} ${cause} ${safeJson(info)} ${safeJson(error.details)}`,
      );
    },
  };
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return String(value);
  }
}

export interface Probe {
  receiver: WebhookReceiver;
  /** Event names handlers saw, in order. */
  calls: string[];
  /** Warnings and errors, refusal lines excepted (see capturingHooks). */
  lines: string[];
  refusals: string[];
}

/**
 * A receiver with a handler on every event (known and unknown) that records the call, plus the
 * capturing logger. `withOnError: false` routes reports through the logger instead of `onError`.
 */
export function probeReceiver(
  options: Partial<WebhookReceiverOptions> & { withOnError?: boolean } = {},
  handler?: (name: string) => unknown,
): Probe {
  const calls: string[] = [];
  const { withOnError = true, ...rest } = options;
  const hooks = capturingHooks();
  const receiver = createWebhookReceiver({
    secret: SECRET,
    logger: hooks.logger,
    ...(withOnError ? { onError: hooks.onError } : {}),
    ...rest,
  });
  receiver.onAny(async (event) => {
    calls.push(event.event);
    await handler?.(event.event);
  });
  receiver.onUnknown(async (event) => {
    calls.push(`unknown:${event.event}`);
    await handler?.(event.event);
  });
  return { receiver, calls, lines: hooks.lines, refusals: hooks.refusals };
}

/** Asserts a result is one row of the error table (status matches the code) and records its body. */
export function expectTableAnswer(result: WebhookResult): void {
  const text = JSON.stringify(result.body);
  recordText(text);
  const body = result.body as { code?: string; error?: unknown; ok?: unknown };
  if (body.ok === true) {
    expect(result.status).toBe(200);
    return;
  }
  expect(typeof body.error).toBe('string');
  expect(Object.hasOwn(ERROR_STATUS, body.code as string), `code ${String(body.code)}`).toBe(true);
  expect(result.status).toBe(ERROR_STATUS[body.code as keyof typeof ERROR_STATUS]);
}

/** A fresh signed delivery, with its signature registered for the leak scan. */
export function delivery(
  event = 'pact.violated',
  data: unknown = { pactId: `p_${Math.random().toString(36).slice(2)}` },
  options: { secret?: string; timestamp?: Date } = {},
): { body: string; headers: Record<string, string>; signature: string } {
  const d = createUncheckedDelivery(event, data, {
    secret: options.secret ?? SECRET,
    timestamp: options.timestamp ?? new Date(),
  });
  sentSignature(d.signature);
  return { body: d.body, headers: { ...d.headers }, signature: d.signature };
}

/** Signs arbitrary bytes with the suite's secret (registered for the leak scan). */
export function signed(body: string | Uint8Array, secret = SECRET): Record<string, string> {
  const signature = sign(body, secret);
  sentSignature(signature);
  return { 'content-type': 'application/json', 'x-armalo-signature': signature };
}

export { sampleData, sign };

export interface RunningServer {
  server: Server;
  port: number;
  url: string;
  close(): Promise<void>;
}

/** Starts a real `node:http` server on 127.0.0.1 with a random port. */
export async function startServer(
  listener: (req: IncomingMessage, res: ServerResponse) => unknown,
): Promise<RunningServer> {
  const server = createServer((req, res) => {
    void listener(req, res);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    server,
    port,
    url: `http://127.0.0.1:${port}/webhooks/armalo`,
    async close() {
      server.closeAllConnections();
      server.close();
      if (server.listening) await once(server, 'close');
    },
  };
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/** One POST over HTTP with fetch; records the body for the leak scan. */
export async function post(
  url: string,
  body: string | Uint8Array,
  headers: Record<string, string>,
): Promise<HttpAnswer> {
  sentSignature(headers['x-armalo-signature']);
  const response = await fetch(url, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });
  const text = await response.text();
  recordText(text);
  const out: Record<string, string> = {};
  response.headers.forEach((value, key) => {
    out[key] = value;
  });
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // left as text so that an assertion shows what came back
  }
  return { status: response.status, headers: out, body: parsed };
}

export interface RawExchange {
  /** Everything the server wrote, as latin1 text. */
  text: string;
  /** Status code of the first response, if any arrived. */
  status: number | undefined;
  /** Whether the server closed the connection before `waitMs` ran out. */
  closedByServer: boolean;
  /** Milliseconds from connect to close (or to giving up). */
  elapsedMs: number;
}

/**
 * Talks raw TCP to a server: writes `head` and `chunks` (each after `gapMs`), optionally keeps
 * trickling one byte every `trickleMs`, half-closes or destroys when asked, and waits at most
 * `waitMs` for the server to close. Never hangs: the socket is destroyed after `waitMs`.
 */
export function rawExchange(
  port: number,
  options: {
    head: string;
    chunks?: Buffer[];
    gapMs?: number;
    trickleMs?: number;
    end?: 'half-close' | 'destroy' | 'keep-open';
    /** Written after `chunks`, once it resolves (a body finished at a moment the test chooses). */
    lastChunk?: Promise<Buffer>;
    /** The client destroys its socket when this settles (a hang-up at a chosen moment). */
    hangUpWhen?: Promise<unknown>;
    waitMs: number;
  },
): Promise<RawExchange> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    let trickle: NodeJS.Timeout | undefined;
    let settled = false;
    const finish = (closedByServer: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(giveUp);
      if (trickle) clearInterval(trickle);
      socket.destroy();
      const text = Buffer.concat(received).toString('latin1');
      recordText(text);
      const match = /^HTTP\/1\.1 (\d{3})/.exec(text);
      resolve({ text, status: match ? Number(match[1]) : undefined, closedByServer, elapsedMs: Date.now() - started });
    };
    const giveUp = setTimeout(() => finish(false), options.waitMs);
    options.hangUpWhen?.then(
      () => finish(false),
      () => finish(false),
    );
    socket.on('data', (chunk) => received.push(chunk));
    socket.on('error', () => {});
    socket.on('close', () => finish(true));
    socket.once('connect', async () => {
      socket.write(options.head);
      for (const chunk of options.chunks ?? []) {
        if (options.gapMs) await new Promise((r) => setTimeout(r, options.gapMs));
        if (settled || socket.destroyed) return;
        socket.write(chunk);
      }
      if (options.lastChunk) {
        const last = await options.lastChunk;
        if (settled || socket.destroyed) return;
        socket.write(last);
      }
      if (options.trickleMs) {
        trickle = setInterval(() => {
          if (!socket.destroyed && socket.writable) socket.write('x');
        }, options.trickleMs);
        return;
      }
      if (options.end === 'half-close') socket.end();
      if (options.end === 'destroy') finish(false);
    });
  });
}

/** The request head for a raw POST with the given headers. */
export function requestHead(headers: Record<string, string | number>, path = '/webhooks/armalo'): string {
  sentSignature(typeof headers['x-armalo-signature'] === 'string' ? headers['x-armalo-signature'] : undefined);
  const lines = [`POST ${path} HTTP/1.1`, 'Host: 127.0.0.1'];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
