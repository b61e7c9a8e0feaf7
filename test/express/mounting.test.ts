import { gzipSync } from 'node:zlib';
import { createWebhookReceiver, observe } from '@armalo-webhooks/core';
import { armaloWebhooks, verify } from '@armalo-webhooks/express';
import type { NextFunction, Request, Response } from 'express';
import { describe, expect, it } from 'vitest';
import { delivery, EXPRESS_VERSIONS, post, viaSupertest, WEBHOOK_SECRET } from './helpers.js';

const PATH = '/webhooks/armalo';
const OK = { ok: true };
const FIX =
  /^Mount armaloWebhooks\(\) before express\.json\(\) and other body parsers, or keep the bytes with express\.json\(\{ verify \}\)/;

function setup() {
  const calls: string[] = [];
  const logs: string[] = [];
  const receiver = createWebhookReceiver({
    secret: WEBHOOK_SECRET,
    logger: { warn: (m) => logs.push(`warn ${m}`), error: (m) => logs.push(`error ${m}`) },
  });
  receiver.onAny((event) => {
    calls.push(event.event);
  });
  return { receiver, calls, logs };
}

/** What the client got: an error code, or the success body. Statuses are the conformance table's. */
function answer(response: { body: unknown }) {
  const body = response.body as { code?: string };
  return body.code ?? body;
}

/** A RAW_BODY_UNAVAILABLE answer naming Express's fix (express.json() order, or its verify helper). */
function expectExpressFix(response: { body: unknown }) {
  const body = response.body as { code?: string; details?: { fix?: string } };
  expect(body.code).toBe('RAW_BODY_UNAVAILABLE');
  expect(body.details?.fix).toMatch(FIX);
}

describe.each(EXPRESS_VERSIONS)('%s mounting', (_version, express) => {
  it('express.json() mounted globally before: RAW_BODY_UNAVAILABLE naming the fix, handler never run, logged once', async () => {
    const { receiver, calls, logs } = setup();
    const app = express();
    app.use(express.json());
    app.post(PATH, armaloWebhooks(receiver));

    for (let i = 0; i < 2; i++) {
      expectExpressFix(await post(app, PATH, delivery()));
    }
    expect(calls).toEqual([]);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatch(
      /^error armalo-webhooks: RAW_BODY_UNAVAILABLE: .*Fix: Mount armaloWebhooks\(\) before express\.json\(\)/,
    );
  });

  it('express.json({ verify }) with the exported helper: verified from the kept bytes, and a duplicate is a duplicate', async () => {
    const { receiver, calls } = setup();
    const app = express();
    app.use(express.json({ verify }));
    app.post(PATH, armaloWebhooks(receiver));
    const signed = delivery();
    expect(answer(await post(app, PATH, signed))).toEqual(OK);
    expect(answer(await post(app, PATH, signed))).toEqual({ ok: true, duplicate: true });
    expect(calls).toEqual(['score.changed']);
  });

  it('express.json({ verify }) still refuses a body whose bytes were changed (the kept bytes are the received ones)', async () => {
    const { receiver, calls } = setup();
    const app = express();
    app.use(express.json({ verify }));
    app.post(PATH, armaloWebhooks(receiver));
    const signed = delivery();
    // Same JSON value, other spacing: express.json() parses both the same; only the bytes differ.
    const respaced = Buffer.from(JSON.stringify(JSON.parse(signed.body), null, 1));
    const response = await viaSupertest(app, PATH, { method: 'POST', headers: signed.headers, body: respaced });
    expect(answer(response)).toBe('INVALID_SIGNATURE');
    expect(calls).toEqual([]);
  });

  it("express.raw({ type: 'application/json' }) before: uses req.body as the bytes", async () => {
    const { receiver, calls } = setup();
    const app = express();
    let sawBuffer = false;
    app.use(express.raw({ type: 'application/json' }));
    app.use((req: Request, _res: Response, next: NextFunction) => {
      sawBuffer = Buffer.isBuffer(req.body);
      next();
    });
    app.post(PATH, armaloWebhooks(receiver));
    expect(answer(await post(app, PATH, delivery()))).toEqual(OK);
    expect(sawBuffer).toBe(true);
    expect(calls).toEqual(['score.changed']);
  });

  it('express.raw() with its default type skips JSON and leaves the stream unread: read by the adapter', async () => {
    const { receiver, calls } = setup();
    const app = express();
    app.use(express.raw());
    app.post(PATH, armaloWebhooks(receiver));
    expect(answer(await post(app, PATH, delivery()))).toEqual(OK);
    expect(calls).toEqual(['score.changed']);
  });

  it("express.text({ type: 'application/json' }) before: RAW_BODY_UNAVAILABLE naming the fix (req.body is a string)", async () => {
    const { receiver, calls } = setup();
    const app = express();
    app.use(express.text({ type: 'application/json' }));
    app.post(PATH, armaloWebhooks(receiver));
    expectExpressFix(await post(app, PATH, delivery()));
    expect(calls).toEqual([]);
  });

  it('express.text() with its default type (text/plain) does not touch a JSON delivery: accepted', async () => {
    const { receiver, calls } = setup();
    const app = express();
    app.use(express.text());
    app.post(PATH, armaloWebhooks(receiver));
    expect(answer(await post(app, PATH, delivery()))).toEqual(OK);
    expect(calls).toEqual(['score.changed']);
  });

  it('express.json() before, delivery without Content-Type: the parser skipped it (Express 4 still sets req.body = {}), the untouched stream is read', async () => {
    const { receiver, calls } = setup();
    const app = express();
    let bodySeen: unknown = 'unset';
    app.use(express.json());
    app.use((req: Request, _res: Response, next: NextFunction) => {
      bodySeen = req.body;
      next();
    });
    app.post(PATH, armaloWebhooks(receiver));
    const signed = delivery();
    const response = await viaSupertest(app, PATH, {
      method: 'POST',
      headers: { 'x-armalo-signature': signed.signature },
      body: signed.bytes,
    });
    expect(answer(response)).toEqual(OK);
    // What each major leaves behind when its parser skips: the adapter must not take it as parsed.
    expect(bodySeen).toEqual(_version === 'Express 4' ? {} : undefined);
    expect(calls).toEqual(['score.changed']);
  });

  it('a middleware that drained the stream without setting req.body: RAW_BODY_UNAVAILABLE at once, never a hang', async () => {
    const { receiver, calls } = setup();
    const app = express();
    app.use(async (req: Request, _res: Response, next: NextFunction) => {
      for await (const _chunk of req) {
        // discard
      }
      next();
    });
    app.post(PATH, armaloWebhooks(receiver));
    expectExpressFix(await post(app, PATH, delivery()));
    expect(calls).toEqual([]);
  });

  it('a Buffer at req.rawBody (Cloud Functions, hand-written verify) is used; a string there is not', async () => {
    for (const [keep, expected] of [
      [(buf: Buffer) => buf, OK],
      [(buf: Buffer) => buf.toString('utf8'), 'RAW_BODY_UNAVAILABLE'],
    ] as const) {
      const { receiver } = setup();
      const app = express();
      app.use(
        express.json({
          verify: (req, _res, buf) => {
            (req as unknown as { rawBody: unknown }).rawBody = keep(buf);
          },
        }),
      );
      app.post(PATH, armaloWebhooks(receiver));
      expect(answer(await post(app, PATH, delivery()))).toEqual(expected);
    }
  });

  it('a router under a prefix, nested routers, and app.use inside a router all route to the receiver', async () => {
    const { receiver, calls } = setup();
    const app = express();
    const inner = express.Router();
    inner.post('/armalo', armaloWebhooks(receiver));
    const outer = express.Router();
    outer.use('/webhooks', inner);
    outer.use('/hooks', armaloWebhooks(receiver));
    app.use('/api/v1', outer);
    expect(answer(await post(app, `/api/v1${PATH}`, delivery('eval.failed', { n: 1 })))).toEqual(OK);
    expect(answer(await post(app, '/api/v1/hooks', delivery('eval.failed', { n: 2 })))).toEqual(OK);
    expect((await post(app, PATH, delivery())).status).toBe(404);
    expect(calls).toEqual(['eval.failed', 'eval.failed']);
  });

  it('app.use answers every method (METHOD_NOT_ALLOWED); app.post leaves other methods to Express (404)', async () => {
    const { receiver, calls } = setup();
    const viaUse = express();
    viaUse.use(PATH, armaloWebhooks(receiver));
    const viaPost = express();
    viaPost.post(PATH, armaloWebhooks(receiver));
    const signed = delivery();

    const get = await viaSupertest(viaUse, PATH, { method: 'GET', headers: {}, body: Buffer.alloc(0) });
    expect(answer(get)).toBe('METHOD_NOT_ALLOWED');
    const put = await viaSupertest(viaUse, PATH, { method: 'PUT', headers: signed.headers, body: signed.bytes });
    expect(answer(put)).toBe('METHOD_NOT_ALLOWED');
    expect((await viaSupertest(viaPost, PATH, { method: 'GET', headers: {}, body: Buffer.alloc(0) })).status).toBe(404);

    expect(answer(await post(viaUse, PATH, delivery('eval.failed', { n: 1 })))).toEqual(OK);
    expect(answer(await post(viaPost, PATH, delivery('eval.failed', { n: 2 })))).toEqual(OK);
    expect(calls).toEqual(['eval.failed', 'eval.failed']);
  });

  it('other JSON routes in the same app still get parsed bodies from express.json()', async () => {
    const { receiver, calls } = setup();
    const app = express();
    app.use(PATH, armaloWebhooks(receiver));
    app.use(express.json());
    app.post('/api/echo', (req: Request, res: Response) => {
      res.json({ received: req.body });
    });
    const echo = await viaSupertest(app, '/api/echo', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: Buffer.from('{"hello":"world","n":[1,2]}'),
    });
    expect(answer(echo)).toEqual({ received: { hello: 'world', n: [1, 2] } });
    expect(answer(await post(app, PATH, delivery()))).toEqual(OK);
    expect(calls).toEqual(['score.changed']);
  });

  describe('Content-Encoding: gzip is UNSUPPORTED_MEDIA_TYPE on every path, even when a parser inflated the body', () => {
    const UNSUPPORTED = 'UNSUPPORTED_MEDIA_TYPE';
    const mounts: [string, ((app: ReturnType<typeof express>) => void) | undefined][] = [
      ['no parser (stream)', undefined],
      [
        "express.raw({ type: 'application/json' }) (inflated Buffer)",
        (app) => app.use(express.raw({ type: 'application/json' })),
      ],
      ['express.json({ verify }) (inflated bytes kept)', (app) => app.use(express.json({ verify }))],
      ['express.json() (parsed, bytes gone)', (app) => app.use(express.json())],
    ];
    it.each(mounts)('%s', async (_name, before) => {
      const { receiver, calls } = setup();
      const app = express();
      before?.(app);
      app.post(PATH, armaloWebhooks(receiver));
      const signed = delivery();
      // Signed over the uncompressed bytes, so only the encoding rule can refuse it.
      const response = await viaSupertest(app, PATH, {
        method: 'POST',
        headers: { ...signed.headers, 'content-encoding': 'gzip' },
        body: gzipSync(signed.bytes),
      });
      expect(answer(response)).toEqual(UNSUPPORTED);
      expect(calls).toEqual([]);
    });
  });

  it('reports every answer through the observer hook of core (no adapter callback of its own)', async () => {
    const { receiver } = setup();
    const seen: { status: number; code: string | undefined; event: string | undefined; duplicate: boolean }[] = [];
    observe(receiver, {
      answered: ({ status, code, event, duplicate }) => seen.push({ status, code, event, duplicate }),
    });
    const app = express();
    app.use(PATH, armaloWebhooks(receiver));
    const signed = delivery();
    await post(app, PATH, signed);
    await post(app, PATH, signed);
    await post(app, PATH, signed, { 'x-armalo-signature': '0'.repeat(64) });
    expect(seen).toEqual([
      { status: 200, code: undefined, event: 'score.changed', duplicate: false },
      { status: 200, code: undefined, event: 'score.changed', duplicate: true },
      { status: 401, code: 'INVALID_SIGNATURE', event: undefined, duplicate: false },
    ]);
  });
});
