// A server under test, in its own process so that it does not share an event loop with the load
// generator. Started with fork(); listens on 127.0.0.1 on a free port and sends { port } back.
//
// Every server answers POST /webhooks; each does the real work of its kind on every request
// (read the body, check the signature, parse) and answers 200.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import { SECRET } from './fixtures.js';

const kind = process.argv[2];
const PATH = '/webhooks';
const noop = () => {};
const silentLogger = { warn: noop, error: noop };
const HEX_64 = /^[0-9a-fA-F]{64}$/;
const OK = '{"ok":true}';

/** What a careful hand-rolled receiver does: read, verify in constant time, parse, 200. */
function bareHandler(req, res) {
  if (req.method !== 'POST' || req.url !== PATH) {
    res.writeHead(404).end();
    return;
  }
  const chunks = [];
  let length = 0;
  req.on('data', (chunk) => {
    chunks.push(chunk);
    length += chunk.length;
  });
  req.on('end', () => {
    const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, length);
    const header = req.headers['x-armalo-signature'];
    if (typeof header !== 'string' || !HEX_64.test(header)) {
      res.writeHead(401).end();
      return;
    }
    const digest = createHmac('sha256', SECRET).update(body).digest();
    if (!timingSafeEqual(digest, Buffer.from(header, 'hex'))) {
      res.writeHead(401).end();
      return;
    }
    let event;
    try {
      event = JSON.parse(body.toString('utf8'));
    } catch {
      res.writeHead(400).end();
      return;
    }
    noop(event);
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(OK);
  });
}

async function ours(idempotency) {
  const { createWebhookReceiver } = await import('@armalo-webhooks/core');
  const { createNodeHandler } = await import('@armalo-webhooks/core/node');
  const receiver = createWebhookReceiver({
    secret: SECRET,
    logger: silentLogger,
    ...(idempotency ? {} : { idempotency: false }),
  });
  receiver.on('score.changed', noop);
  const handle = createNodeHandler(receiver);
  return createServer((req, res) => {
    if (req.url === PATH) return void handle(req, res);
    res.writeHead(404).end();
  });
}

async function octokit() {
  const { Webhooks, createNodeMiddleware } = await import('@octokit/webhooks');
  const webhooks = new Webhooks({ secret: SECRET });
  webhooks.on('push', noop);
  const middleware = createNodeMiddleware(webhooks, {
    path: PATH,
    log: { debug: noop, info: noop, warn: noop, error: noop },
  });
  return createServer((req, res) => {
    middleware(req, res, () => res.writeHead(404).end());
  });
}

async function fastifyPlugin() {
  const { createWebhookReceiver } = await import('@armalo-webhooks/core');
  const { armaloWebhooksPlugin } = await import('@armalo-webhooks/fastify');
  const { default: Fastify } = await import('fastify');
  const receiver = createWebhookReceiver({ secret: SECRET, logger: silentLogger });
  receiver.on('score.changed', noop);
  const app = Fastify({ logger: false });
  await app.register(armaloWebhooksPlugin, { receiver, path: PATH });
  await app.listen({ host: '127.0.0.1', port: 0 });
  return app.server;
}

const servers = {
  bare: async () => createServer(bareHandler),
  ours: () => ours(true),
  'ours-noidem': () => ours(false),
  octokit,
  'fastify-plugin': fastifyPlugin,
};

// Diagnostic only (not in the default runs): our receive() behind the bare server's body
// reading and response writing, to separate the adapter's cost from the pipeline's.
servers['ours-receive-only'] = async () => {
  const { createWebhookReceiver } = await import('@armalo-webhooks/core');
  const receiver = createWebhookReceiver({ secret: SECRET, logger: silentLogger });
  receiver.on('score.changed', noop);
  return createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', async () => {
      const result = await receiver.receive({
        rawBody: Buffer.concat(chunks),
        headers: req.headers,
        method: req.method,
      });
      res.writeHead(result.status, result.headers).end(JSON.stringify(result.body));
    });
  });
};

const make = servers[kind];
if (make === undefined) {
  console.error(`unknown server kind ${kind}`);
  process.exit(2);
}
const server = await make();
if (!server.listening) await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
server.keepAliveTimeout = 30_000;
// Requests received and this process's CPU time, so the runner can report CPU per request: a
// figure that does not depend on whether the load generator or the server was the bottleneck.
let answered = 0;
server.on('request', () => answered++);
process.send({ port: server.address().port });
process.on('message', (message) => {
  if (message === 'stop') server.close(() => process.exit(0));
  if (message === 'cpu') process.send({ cpu: process.cpuUsage(), answered });
});
process.on('disconnect', () => process.exit(0));
