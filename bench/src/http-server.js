// A server under test, in its own process so that it does not share an event loop with the load
// generator. Started with fork(); listens on 127.0.0.1 on a free port and sends { port } back.
//
// Every server answers POST /webhooks; each does the real work of its kind on every request
// (read the body, check the signature, parse) and answers 200.
import { spawn } from 'node:child_process';
import { createHmac, createSecretKey, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import { equalWorkFastifyRoute, equalWorkNodeHandler } from './equal-work.js';
import { SECRET } from './fixtures.js';

const kind = process.argv[2];
const PATH = '/webhooks';
const noop = () => {};
const silentLogger = { warn: noop, error: noop };
const HEX_64 = /^[0-9a-fA-F]{64}$/;
const OK = '{"ok":true}';
// A KeyObject: on Node 24.21 createHmac with a Buffer key throws and catches twice inside.
const KEY = createSecretKey(Buffer.from(SECRET, 'utf8'));

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
    const digest = createHmac('sha256', KEY).update(body).digest();
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

/** Equal work by hand in Fastify (equal-work.js), in an encapsulated scope as a careful route would be. */
async function fastifyEqual() {
  const { default: Fastify } = await import('fastify');
  const app = Fastify({ logger: false });
  await app.register(equalWorkFastifyRoute(PATH));
  await app.listen({ host: '127.0.0.1', port: 0 });
  return app.server;
}

/** The minimal Fastify route: a parseAs 'buffer' parser, createHmac + timingSafeEqual, JSON.parse. */
async function fastifyMinimal() {
  const { default: Fastify } = await import('fastify');
  const app = Fastify({ logger: false });
  await app.register(async (scope) => {
    scope.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: 1024 * 1024 }, (_req, body, done) =>
      done(null, body),
    );
    scope.post(PATH, async (request, reply) => {
      const given = Buffer.from(String(request.headers['x-armalo-signature'] ?? ''), 'hex');
      const expected = createHmac('sha256', KEY).update(request.body).digest();
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        return reply.code(401).send({ error: 'Invalid signature' });
      }
      noop(JSON.parse(request.body.toString('utf8')));
      return { ok: true };
    });
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  return app.server;
}

const servers = {
  bare: async () => createServer(bareHandler),
  ours: () => ours(true),
  'ours-noidem': () => ours(false),
  octokit,
  'equal-work': async () => {
    const handle = equalWorkNodeHandler();
    return createServer((req, res) => {
      if (req.url === PATH) return void handle(req, res);
      res.writeHead(404).end();
    });
  },
  'fastify-plugin': fastifyPlugin,
  'fastify-equal': fastifyEqual,
  'fastify-minimal': fastifyMinimal,
};

// Our receive() behind the bare server's body reading and response writing, to separate the
// adapter's cost from the pipeline's (an instruction-count row; a diagnostic in the time runs).
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
      const text = JSON.stringify(result.body);
      const headers = Object.entries(result.headers).flat();
      headers.push('content-length', String(Buffer.byteLength(text)));
      res.writeHead(result.status, headers).end(text);
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
  // Under valgrind (instructions-http.js): switch callgrind's counting on after the warm-up.
  // callgrind applies the command at its next poll; the pause lets it before the counted requests.
  if (message === 'instr-on') {
    spawn('callgrind_control', ['--instr=on', String(process.pid)], { stdio: 'ignore' }).on('exit', () =>
      setTimeout(() => process.send({ instr: 'on' }), 100),
    );
  }
  if (message === 'exit') process.exit(0);
});
process.on('disconnect', () => process.exit(0));
