import { once } from 'node:events';
import type { Server } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { createUncheckedDelivery, sampleData } from '@armalo-webhooks/core/testing';
import express from 'express';
import express4 from 'express4';
import request from 'supertest';
import type { WireRequest, WireResponse } from '../conformance/cases.js';

export type ExpressModule = typeof express;

/** Every suite runs on both majors: Express 5 (`express`) and Express 4 (the `express4` alias). */
export const EXPRESS_VERSIONS: readonly (readonly [string, ExpressModule])[] = [
  ['Express 5', express],
  ['Express 4', express4],
];

export const WEBHOOK_SECRET = 'whsec_express_tests';

type App = ReturnType<ExpressModule>;
type Method = 'get' | 'post' | 'put' | 'delete' | 'patch' | 'head' | 'options';

/** Sends one table request through supertest, bytes untouched, and normalizes the answer. */
export async function viaSupertest(app: App, path: string, req: WireRequest): Promise<WireResponse> {
  const method = req.method.toLowerCase() as Method;
  const response = await request(app)
    [method](path)
    // superagent reads Content-Type back to pick a serializer and cannot split an array, so a
    // repeated header is put on the outgoing request once superagent is done with it: it still
    // goes out as repeated lines.
    .on('request', ({ req: outgoing }: { req: { setHeader(name: string, value: string[]): void } }) => {
      for (const [name, value] of Object.entries(req.headers)) {
        if (Array.isArray(value)) outgoing.setHeader(name, value);
      }
    })
    .set(Object.fromEntries(Object.entries(req.headers).map(([name, value]) => [name, [value].flat()[0]])))
    // superagent JSON-serializes a Buffer whose Content-Type is JSON; send the bytes as they are.
    .serialize((body: unknown) => body as string)
    .ok(() => true)
    .send(req.body as unknown as string);
  return { status: response.status, headers: response.headers as Record<string, string>, body: parse(response.text) };
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** A fresh signed delivery with its bytes, ready for supertest or a raw socket. */
export function delivery(event = 'score.changed', data: unknown = sampleData('score.changed')) {
  const signed = createUncheckedDelivery(event, data, { secret: WEBHOOK_SECRET });
  return { ...signed, bytes: Buffer.from(signed.body) };
}

/** Sends a signed delivery through supertest to `path`, optionally with extra headers. */
export function post(
  app: App,
  path: string,
  signed: ReturnType<typeof delivery>,
  headers: Record<string, string> = {},
) {
  return viaSupertest(app, path, { method: 'POST', headers: { ...signed.headers, ...headers }, body: signed.bytes });
}

/** Listens on an ephemeral loopback port. */
export async function listen(app: App | ((...args: never[]) => unknown)): Promise<{ server: Server; port: number }> {
  const server = (app as App).listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port };
}

export async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/** A raw TCP client: write exactly the bytes you want, read the first response, see the close. */
export interface RawClient {
  socket: Socket;
  response: Promise<RawResponse>;
  /** Resolves once the server has closed the connection. */
  closed: Promise<void>;
}

export async function rawClient(port: number): Promise<RawClient> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  let received = Buffer.alloc(0);
  const closed = new Promise<void>((resolve) => {
    socket.once('close', () => resolve());
    socket.once('end', () => resolve());
  });
  const response = new Promise<RawResponse>((resolve, reject) => {
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const parsed = parseResponse(received);
      if (parsed) resolve(parsed);
    });
    socket.once('error', reject);
    socket.once('close', () => reject(new Error(`connection closed before a full response: ${received}`)));
  });
  response.catch(() => {});
  socket.on('error', () => {});
  return { socket, response, closed };
}

function parseResponse(bytes: Buffer): RawResponse | undefined {
  const end = bytes.indexOf('\r\n\r\n');
  if (end === -1) return undefined;
  const [statusLine = '', ...lines] = bytes.subarray(0, end).toString('latin1').split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const body = headers['transfer-encoding'] === 'chunked' ? dechunk(bytes.subarray(end + 4)) : bytes.subarray(end + 4);
  if (body === undefined || body.length < Number(headers['content-length'] ?? 0)) return undefined;
  return { status: Number(statusLine.split(' ')[1]), headers, body: parse(body.toString('utf8')) };
}

/** The body of a chunked message, or `undefined` until its last chunk has arrived. */
function dechunk(bytes: Buffer): Buffer | undefined {
  const parts: Buffer[] = [];
  let offset = 0;
  for (;;) {
    const lineEnd = bytes.indexOf('\r\n', offset);
    if (lineEnd === -1) return undefined;
    const size = Number.parseInt(bytes.subarray(offset, lineEnd).toString('latin1'), 16);
    if (size === 0) return Buffer.concat(parts);
    if (bytes.length < lineEnd + 2 + size + 2) return undefined;
    parts.push(bytes.subarray(lineEnd + 2, lineEnd + 2 + size));
    offset = lineEnd + 2 + size + 2;
  }
}

/** Request line and headers of a POST, without any body byte. */
export function head(path: string, headers: Record<string, string>): string {
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}`);
  return `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${lines.join('\r\n')}\r\n\r\n`;
}

/** Waits until `check` passes, for effects the client cannot observe directly (a server-side close). */
export async function eventually(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
