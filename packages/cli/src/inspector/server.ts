import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EVENT_CATALOG, type Inbox, type WebhookObserver } from '@armalo-webhooks/core';
import { type Observed, observeInto } from '@armalo-webhooks/inspect';
import type { SecretSource } from '../secrets.js';
import { admit, allowedHostNames, createToken } from './access.js';
import { ActionError, type ActionTarget, redrive, replay, requireUrl, resendable, sendSample } from './actions.js';
import { curlCommand } from './curl.js';
import { createDeliveryLog, type DeliveryLog } from './delivery-log.js';
import { detail, summarize } from './view.js';

/**
 * Options for {@link startInspector}.
 *
 * @example
 * ```ts
 * const options: InspectorOptions = { port: 0, target: 'http://127.0.0.1:3000/webhooks/armalo', secrets };
 * ```
 */
export interface InspectorOptions {
  /** The address to bind. Default 127.0.0.1: the page shows payloads, so only this machine should reach it. */
  host?: string;
  /** Default 4400; 0 picks a free port. */
  port?: number;
  /** The secret part of the URL. Default: 128 random bits. */
  token?: string;
  /** For the signature diagnosis and for signing samples; never sent to the page. */
  secrets?: readonly SecretSource[];
  /** The receiver that Replay and Send sample post to. */
  target?: string;
  /** An inbox to replay into and redrive. */
  inbox?: Inbox;
  /** Most deliveries kept in memory (default 200); the oldest go first. */
  max?: number;
  /** Shown on the page: `standalone` runs its own receiver, `attached` shows an app's. */
  mode?: 'standalone' | 'attached';
}

/**
 * A running inspector.
 *
 * @example
 * ```ts
 * const inspector = await startInspector({ port: 0 });
 * console.log(inspector.url); // http://127.0.0.1:54021/3f9a…/
 * await inspector.close();
 * ```
 */
export interface Inspector {
  /** The page's URL, token included: also what an app's `inspect()` posts to. */
  url: string;
  /** Reports straight into this inspector, for a receiver in the same process. */
  observer: WebhookObserver;
  log: DeliveryLog;
  close(): Promise<void>;
}

const PAGE: Record<string, { type: string; file: string }> = {
  '': { type: 'text/html; charset=utf-8', file: 'index.html' },
  'app.js': { type: 'text/javascript; charset=utf-8', file: 'app.js' },
  'style.css': { type: 'text/css; charset=utf-8', file: 'style.css' },
};

// The page loads nothing from elsewhere and runs no inline script, so injected markup stays inert.
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
};

const MAX_INGEST_BYTES = 8 * 1024 * 1024;

/**
 * Starts the inspector's HTTP server: the page, its live feed (server-sent events), the buttons'
 * endpoints and the ingest endpoint that `inspect()` posts to. Every route sits under the token
 * (`/<token>/…`) and checks the Host header; the page never receives a secret.
 *
 * @example
 * ```ts
 * import { startInspector } from 'armalo-webhooks';
 * const inspector = await startInspector({ port: 0, target: receiverUrl, secrets: [{ value: secret, label: 'secret' }] });
 * const webhooks = createWebhookReceiver({ secret, observers: [inspector.observer] });
 * ```
 */
export async function startInspector(options: InspectorOptions = {}): Promise<Inspector> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? createToken();
  const log = createDeliveryLog({ max: options.max ?? 200 });
  const secrets = options.secrets ?? [];
  const target: ActionTarget = { url: options.target, secrets, inbox: options.inbox };
  const allowedHosts = allowedHostNames(host);
  const page = loadPage();
  const config = {
    mode: options.mode ?? 'attached',
    target: options.target ?? null,
    inbox: options.inbox?.kind ?? null,
    canSign: secrets.length > 0,
    max: options.max ?? 200,
    events: Object.entries(EVENT_CATALOG).map(([name, row]) => ({ name, sample: row.sample })),
  };

  const routes = async (req: IncomingMessage, res: ServerResponse, path: string): Promise<void> => {
    const route = `${req.method} ${path}`;
    const file = PAGE[path];
    if (req.method === 'GET' && file !== undefined) return send(res, 200, file.type, page[file.file] ?? '');
    if (route === 'GET events') return stream(res, log);
    if (route === 'GET api/config') return json(res, 200, config);
    if (route === 'GET api/deliveries') return json(res, 200, log.list().map(summarize));
    if (route === 'GET api/inbox') {
      return json(res, 200, options.inbox === undefined ? null : await options.inbox.stats());
    }
    if (route === 'POST ingest') {
      const body = await readJson(req, MAX_INGEST_BYTES);
      for (const item of Array.isArray(body) ? body : [body]) {
        if (!isObserved(item)) throw new ActionError('ingest takes what inspect() reports');
        log.record(item);
      }
      return json(res, 202, { ok: true });
    }
    if (route === 'POST api/send') {
      const body = (await readJson(req, 1024 * 1024)) as { event?: unknown; data?: unknown } | null;
      return json(res, 200, await sendSample(target, body?.event, body?.data));
    }
    if (route === 'POST api/redrive') return json(res, 200, await redrive(target));
    const match = /^api\/deliveries\/([0-9a-f]+)(\/replay|\/curl)?$/.exec(path);
    const entry = match === null ? undefined : log.get(match[1] ?? '');
    if (match !== null && entry === undefined)
      return json(res, 404, { error: 'no such delivery (the oldest are dropped)' });
    if (entry !== undefined && req.method === 'GET' && match?.[2] === undefined) {
      return json(res, 200, detail(entry, secrets));
    }
    if (entry !== undefined && req.method === 'GET' && match?.[2] === '/curl') {
      return json(res, 200, { command: curlCommand(requireUrl(target), resendable(entry)) });
    }
    if (entry !== undefined && req.method === 'POST' && match?.[2] === '/replay') {
      return json(res, 200, await replay(target, entry));
    }
    return json(res, 404, { error: 'not found' });
  };

  const server: Server = createServer((req, res) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    const failed = (error: unknown) => {
      if (res.headersSent) return void res.destroy();
      const status = error instanceof ActionError ? error.status : 502;
      json(res, status, { error: error instanceof Error ? error.message : String(error) });
    };
    // Nothing a client sends may end the process (with it, a standalone receiver): every throw is
    // an answer.
    try {
      const admitted = admit(req, token, allowedHosts);
      if ('route' in admitted) return void routes(req, res, admitted.route).catch(failed);
      if (admitted.status === 308) return void res.writeHead(308, { location: admitted.location }).end();
      json(res, admitted.status, { error: admitted.error });
    } catch (error) {
      failed(error);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 4400, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;

  return {
    url: `http://${shownHost}:${port}/${token}/`,
    observer: observeInto((observed) => log.record(observed)),
    log,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

function loadPage(): Record<string, string> {
  const dir = new URL('./page/', import.meta.url);
  return Object.fromEntries(
    Object.values(PAGE).map(({ file }) => [file, readFileSync(new URL(file, dir), 'utf8')] as const),
  );
}

/** The live list: a full snapshot on connect (and on every reconnect), then each new or changed entry. */
function stream(res: ServerResponse, log: DeliveryLog): void {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', connection: 'keep-alive' });
  const event = (name: string, data: unknown) => res.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
  event('reset', log.list().map(summarize));
  const stop = log.subscribe((entry) => event('upsert', summarize(entry)));
  // Proxies and browsers drop a silent stream; a comment line keeps it open.
  const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
  res.on('close', () => {
    stop();
    clearInterval(ping);
  });
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type }).end(body);
}

function json(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(value));
}

async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new ActionError('body too large', 413);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new ActionError('the body is not JSON');
  }
}

// The app posting is the developer's own, but the page must not break on a malformed report.
function isObserved(value: unknown): value is Observed {
  if (typeof value !== 'object' || value === null) return false;
  const item = value as Record<string, unknown>;
  if (item.type === 'attempt') {
    return typeof item.deliveryId === 'string' && typeof item.attempt === 'number' && typeof item.outcome === 'string';
  }
  const headers = item.headers as Record<string, unknown> | null;
  return (
    item.type === 'exchange' &&
    typeof item.status === 'number' &&
    typeof item.outcome === 'string' &&
    typeof item.latencyMs === 'number' &&
    typeof item.receivedAt === 'string' &&
    (item.body === undefined || typeof item.body === 'string') &&
    (item.details === undefined || (typeof item.details === 'object' && item.details !== null)) &&
    typeof headers === 'object' &&
    headers !== null &&
    Object.values(headers).every((header) => typeof header === 'string')
  );
}
