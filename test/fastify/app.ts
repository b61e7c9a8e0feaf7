import type { AddressInfo } from 'node:net';
import type { AnyWebhookReceiver } from '@armalo-webhooks/core/adapter';
import { armaloWebhooksPlugin } from '@armalo-webhooks/fastify';
import Fastify, { type FastifyInstance, type FastifyServerOptions, type HTTPMethods } from 'fastify';
import type { BodyConsumption, WireRequest, WireResponse } from '../conformance/cases.js';

export const WEBHOOK_PATH = '/webhooks/armalo';

/**
 * A Fastify app with the plugin mounted at WEBHOOK_PATH and a normal JSON route beside it
 * (`POST /echo` answers what Fastify parsed and whether it was a Buffer).
 */
export async function buildApp(
  receiver: AnyWebhookReceiver,
  options: { consumed?: BodyConsumption | undefined; server?: FastifyServerOptions } = {},
): Promise<FastifyInstance> {
  const app = Fastify(options.server);
  if (options.consumed === 'parsed') {
    // Another common one: a hook that puts its own parse of the body in request.body.
    app.addHook('preValidation', async (request) => {
      request.body = { parsedBy: 'a hook' };
    });
  }
  if (options.consumed === 'drained') {
    // A common mistake: a preParsing hook that reads the stream and hands the spent one back.
    app.addHook('preParsing', async (_request, _reply, payload) => {
      for await (const _chunk of payload) {
        // discard
      }
      return payload;
    });
  }
  app.post('/echo', async (request) => ({ body: request.body, isBuffer: Buffer.isBuffer(request.body) }));
  await app.register(armaloWebhooksPlugin, { receiver, path: WEBHOOK_PATH });
  return app;
}

/** Sends a table request through `fastify.inject()`. */
export async function injectWire(app: FastifyInstance, url: string, request: WireRequest): Promise<WireResponse> {
  const response = await app.inject({
    method: request.method as HTTPMethods,
    url,
    headers: request.headers,
    payload: request.body,
  });
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  let body: unknown = response.body;
  try {
    body = JSON.parse(response.body);
  } catch {
    // Left as text so a failed assertion shows what came back.
  }
  return { status: response.statusCode, headers, body };
}

/** Listens on an ephemeral port on 127.0.0.1 and returns the base URL. */
export async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}
