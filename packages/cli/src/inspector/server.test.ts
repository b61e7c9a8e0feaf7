import { request } from 'node:http';
import { networkInterfaces } from 'node:os';
import type { CatalogEventName } from '@armalo-webhooks/core';
import { createInboxWorker, createMemoryInbox, createWebhookReceiver } from '@armalo-webhooks/core';
import { createSignedDelivery } from '@armalo-webhooks/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { type Inspector, startInspector } from './server.js';
import type { DeliveryDetail, DeliverySummary } from './view.js';

const SECRET = 'whsec_inspector_test_secret';
const secrets = [{ value: SECRET, label: '--secret #0' }];
const silent = { warn: () => {}, error: () => {} };

let cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const close of cleanup.reverse()) await close();
  cleanup = [];
});

async function inspector(options: Parameters<typeof startInspector>[0] = {}): Promise<Inspector> {
  const started = await startInspector({ port: 0, secrets, ...options });
  cleanup.push(started.close);
  return started;
}

/** A raw request, so the Host header can be anything. */
function call(
  url: string,
  options: { method?: string; host?: string; body?: unknown; type?: string; peek?: boolean; path?: string } = {},
): Promise<{ status: number; text: string; json: () => unknown }> {
  const target = new URL(url);
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = request(
      target,
      {
        // A path given apart is sent as written; a URL would normalize it.
        ...(options.path === undefined ? {} : { path: options.path }),
        method: options.method ?? (body === undefined ? 'GET' : 'POST'),
        headers: {
          ...(options.host === undefined ? {} : { host: options.host }),
          ...(body === undefined ? {} : { 'content-type': options.type ?? 'application/json' }),
        },
      },
      (res) => {
        // An event stream never ends: the status is enough.
        if (options.peek) {
          res.destroy();
          return resolve({ status: res.statusCode ?? 0, text: '', json: () => undefined });
        }
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text, json: () => JSON.parse(text) }));
      },
    );
    req.once('error', reject);
    req.end(body);
  });
}

function receiverFor(target: Inspector, options: Partial<Parameters<typeof createWebhookReceiver>[0]> = {}) {
  return createWebhookReceiver({ secret: SECRET, logger: silent, observers: [target.observer], ...options });
}

function signed(event: CatalogEventName, secret = SECRET) {
  return createSignedDelivery(event, { secret });
}

async function until<T>(read: () => Promise<T> | T, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting; last value: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('the inspector over HTTP', () => {
  const GETS = ['', 'app.js', 'style.css', 'events', 'api/config', 'api/deliveries', 'api/inbox', 'api/deliveries/abc'];
  const POSTS = ['ingest', 'api/send', 'api/redrive', 'api/deliveries/abc/replay'];

  it('refuses every route without the token (401) or with a wrong one (403): 108 requests', async () => {
    const { url } = await inspector();
    const origin = new URL(url).origin;
    const token = new URL(url).pathname.slice(1, -1);
    const flipped = `${token.slice(0, -1)}${token.endsWith('0') ? '1' : '0'}`;
    // Near misses of the token, and other places a client might put it.
    const prefixes = [
      `/${'0'.repeat(32)}/`,
      `/${token.slice(0, -1)}/`,
      `/${token}0/`,
      `/${token.toUpperCase()}/`,
      `/${flipped}/`,
      `/%${token.charCodeAt(0).toString(16)}${token.slice(1)}/`,
      `/x/../${token}/`,
      `/?token=${token}&/`,
      '/',
    ];
    const requests = prefixes.flatMap((prefix) => [
      ...GETS.map((route) => ({ path: `${prefix}${route}`, method: 'GET' })),
      ...POSTS.map((route) => ({ path: `${prefix}${route}`, method: 'POST' })),
    ]);
    expect(requests).toHaveLength(108);
    for (const { path, method } of requests) {
      const answer = await call(url, { path, ...(method === 'POST' ? { body: {} } : { peek: true }) });
      // No token at all (the path is `/`) is 401; anything in its place is a wrong token.
      const expected = path.split('?')[0] === '/' ? 401 : 403;
      expect([method, path, answer.status]).toEqual([method, path, expected]);
    }
    for (const route of GETS) expect((await call(`${url}${route}`, { peek: true })).status).not.toBe(403);
    expect((await call(`${origin}/`)).status).toBe(401);
  });

  it('answers a malformed URL with 400 before the token check, and keeps serving', async () => {
    const { url } = await inspector();
    const token = new URL(url).pathname.slice(1, -1);
    for (const path of ['//', '/%/', '/%E0%A4%A/', `/${token}%ZZ/api/config`, `/${token}/api/%zz`, '//x/']) {
      expect([path, (await call(url, { path })).status]).toEqual([path, 400]);
    }
    expect((await call(`${url}api/config`)).status).toBe(200);
  });

  it('answers only to its own host names, which stops DNS rebinding', async () => {
    const { url } = await inspector();
    const port = new URL(url).port;
    expect((await call(`${url}api/config`, { host: `attacker.example:${port}` })).status).toBe(403);
    expect((await call(`${url}api/config`, { host: `localhost:${port}` })).status).toBe(200);
    expect((await call(`${url}api/config`, { host: `[::1]:${port}` })).status).toBe(200);
  });

  it('binds 127.0.0.1 by default: this machine’s other addresses do not reach it', async () => {
    const { url } = await inspector();
    expect(new URL(url).hostname).toBe('127.0.0.1');
    const other = Object.values(networkInterfaces())
      .flat()
      .find((item) => item !== undefined && item.family === 'IPv4' && !item.internal);
    if (other === undefined) throw new Error('this test needs a non-loopback IPv4 address on the machine');
    const elsewhere = url.replace('127.0.0.1', other.address);
    await expect(call(`${elsewhere}api/config`, { host: `127.0.0.1:${new URL(url).port}` })).rejects.toThrow(
      /ECONNREFUSED/,
    );
  });

  it('takes POSTs only as JSON, so a cross-site form cannot drive the buttons', async () => {
    const { url } = await inspector({ target: 'http://127.0.0.1:1/' });
    // The content types a cross-site page can post without a preflight.
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      for (const route of POSTS)
        expect([route, (await call(`${url}${route}`, { body: {}, type })).status]).toEqual([route, 415]);
    }
  });

  it('serves a page that can run no inline or foreign script', async () => {
    const { url } = await inspector();
    const page = await fetch(url);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(await page.text()).toContain('<script src="app.js" defer></script>');
  });

  it('streams the list as server-sent events: a snapshot, then each new delivery', async () => {
    const target = await inspector();
    const webhooks = receiverFor(target).onAny(() => {});
    const first = signed('score.changed');
    await webhooks.receive({ rawBody: first.body, headers: first.headers });

    const controller = new AbortController();
    cleanup.push(async () => controller.abort());
    const response = await fetch(`${target.url}events`, { signal: controller.signal });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    const readUntil = async (pattern: RegExp) => {
      while (!pattern.test(text)) text += (await reader.read()).value ?? '';
    };
    await readUntil(/event: reset\ndata: .*\n\n/);
    const snapshot = JSON.parse(/event: reset\ndata: (.*)\n/.exec(text)![1]!) as DeliverySummary[];
    expect(snapshot.map((row) => [row.event, row.verdict])).toEqual([['score.changed', 'handled']]);

    const tampered = signed('eval.failed', 'whsec_someone_else');
    await webhooks.receive({ rawBody: tampered.body, headers: tampered.headers });
    await readUntil(/event: upsert\ndata: .*\n\n/);
    const row = JSON.parse(/event: upsert\ndata: (.*)\n/.exec(text)![1]!) as DeliverySummary;
    expect([row.event, row.status, row.code, row.verdict]).toEqual([
      'eval.failed',
      401,
      'INVALID_SIGNATURE',
      'refused',
    ]);
  });

  it('shows a delivery with its payload, the signature masked and the diagnosis, and never the secret', async () => {
    const target = await inspector();
    const webhooks = receiverFor(target);
    const delivery = signed('eval.failed');
    // A trailing newline added on the way: a classic reason a signature fails.
    await webhooks.receive({ rawBody: `${delivery.body}\n`, headers: delivery.headers });
    const [entry] = target.log.list();
    const response = await call(`${target.url}api/deliveries/${entry!.id}`);
    const detail = response.json() as DeliveryDetail;
    expect(detail.payload).toBe(`${delivery.body}\n`);
    expect(detail.diagnosis?.findings.map((finding) => finding.code)).toEqual(['BODY_TRAILING_NEWLINE']);
    expect(detail.diagnosis?.fixedBy).toBe('--secret #0');
    const signature = delivery.headers['x-armalo-signature'];
    expect(Object.fromEntries(detail.headers)['x-armalo-signature']).toBe(`${signature.slice(0, 6)}… (64 characters)`);
    expect(response.text).not.toContain(SECRET);
    expect(response.text).not.toContain(signature);
    for (const route of ['', 'app.js', 'style.css', 'api/config', 'api/deliveries', 'api/inbox']) {
      expect((await call(`${target.url}${route}`)).text).not.toContain(SECRET);
    }
  });

  it('keeps only the newest deliveries, up to max', async () => {
    const target = await inspector({ max: 2 });
    const webhooks = receiverFor(target).onAny(() => {});
    for (const event of ['score.changed', 'eval.failed', 'eval.completed'] as const) {
      const delivery = signed(event);
      await webhooks.receive({ rawBody: delivery.body, headers: delivery.headers });
    }
    expect(target.log.list().map((entry) => entry.exchange.event)).toEqual(['eval.completed', 'eval.failed']);
  });

  it('takes reports from inspect() on the ingest endpoint, and refuses what is not one', async () => {
    const target = await inspector();
    expect((await call(`${target.url}ingest`, { body: { type: 'exchange', status: 'x' } })).status).toBe(400);
    const report = {
      type: 'exchange',
      receivedAt: new Date().toISOString(),
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      status: 200,
      outcome: 'handled',
      event: 'score.changed',
      duplicate: false,
      queued: false,
      latencyMs: 1.5,
    };
    expect((await call(`${target.url}ingest`, { body: [report] })).status).toBe(202);
    expect(target.log.list().map((entry) => entry.exchange.event)).toEqual(['score.changed']);
  });

  it('with an inbox: shows the worker’s attempts, redrives dead letters and replays as a new attempt', async () => {
    const inbox = createMemoryInbox();
    const target = await inspector({ inbox });
    let failing = true;
    const webhooks = receiverFor(target, { inbox }).on('eval.failed', () => {
      if (failing) throw new Error('database down');
    });
    const worker = createInboxWorker(webhooks, { retry: { attempts: 1 } });
    await worker.start();
    cleanup.push(() => worker.stop());

    const delivery = signed('eval.failed');
    await webhooks.receive({ rawBody: delivery.body, headers: delivery.headers });
    const [entry] = target.log.list();
    expect(entry?.exchange.queued).toBe(true);
    const detailOf = async () => (await call(`${target.url}api/deliveries/${entry!.id}`)).json() as DeliveryDetail;
    const dead = await until(detailOf, (d) => d.attempts.at(-1)?.outcome === 'dead-lettered');
    expect(dead.attempts.at(-1)?.error?.message).toContain('database down');
    expect(((await call(`${target.url}api/inbox`)).json() as { dead: number }).dead).toBe(1);

    failing = false;
    expect((await call(`${target.url}api/redrive`, { body: {} })).json()).toEqual({ moved: 1 });
    await until(detailOf, (d) => d.attempts.at(-1)?.outcome === 'succeeded');

    const replayed = (await call(`${target.url}api/deliveries/${entry!.id}/replay`, { body: {} })).json() as {
      kind: string;
    };
    expect(replayed.kind).toBe('inbox-replay');
    const after = await until(detailOf, (d) => d.attempts.at(-1)?.replayOf !== undefined);
    await until(detailOf, (d) => d.attempts.at(-1)?.outcome === 'succeeded');
    expect(after.attempts.filter((attempt) => attempt.outcome !== 'running').length).toBeGreaterThanOrEqual(2);
  });
});
