import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { sign } from '@armalo-webhooks/core/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildDelivery, classifyResponse, sendDelivery } from './send.js';

const SECRET = 'whsec_unit';
const TIMESTAMP = '2026-03-16T10:05:00.000Z';

describe('buildDelivery', () => {
  it('gives the same bytes for the same event, data and timestamp, signed over those bytes', () => {
    const first = buildDelivery({ event: 'score.changed', secret: SECRET, timestamp: TIMESTAMP });
    const again = buildDelivery({ event: 'score.changed', secret: SECRET, timestamp: TIMESTAMP });
    expect(again).toEqual(first);
    expect(first.signature).toBe(sign(first.body, SECRET));
    expect(JSON.parse(first.body)).toMatchObject({ event: 'score.changed', timestamp: TIMESTAMP });
  });

  it('changes the body after signing when tampering', () => {
    const honest = buildDelivery({ event: 'escrow.funded', secret: SECRET, timestamp: TIMESTAMP });
    const tampered = buildDelivery({ event: 'escrow.funded', secret: SECRET, timestamp: TIMESTAMP, tamper: true });
    expect(tampered.signature).toBe(honest.signature);
    expect(tampered.body).not.toBe(honest.body);
    expect(sign(tampered.body, SECRET)).not.toBe(tampered.signature);
  });
});

describe('classifyResponse', () => {
  it('reads the outcome from the status and the body', () => {
    expect(classifyResponse(200, { ok: true })).toBe('handled');
    expect(classifyResponse(204, undefined)).toBe('handled');
    expect(classifyResponse(200, { ok: true, duplicate: true })).toBe('duplicate');
    expect(classifyResponse(409, { code: 'DELIVERY_IN_PROGRESS' })).toBe('in-progress');
    expect(classifyResponse(401, { code: 'INVALID_SIGNATURE' })).toBe('rejected');
  });
});

describe('sendDelivery', () => {
  let server: Server;
  let url: string;
  const bodies = new Set<string>();
  const sockets = new Set<Socket>();
  let inFlight = 0;
  let peak = 0;
  beforeAll(async () => {
    server = createServer((req, res) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      let body = '';
      req.setEncoding('utf8').on('data', (chunk: string) => {
        body += chunk;
      });
      req.on('end', () => {
        bodies.add(body);
        setTimeout(() => {
          inFlight--;
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
        }, 5);
      });
    });
    server.on('connection', (socket) => sockets.add(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/armalo`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('sends the same bytes every time, never more than `concurrency` at once, one connection per lane', async () => {
    const { responses } = await sendDelivery({ url, event: 'swarm.halted', secret: SECRET, repeat: 7, concurrency: 3 });
    expect(responses).toHaveLength(7);
    expect(bodies.size).toBe(1);
    expect(peak).toBe(3);
    // The first copy on each of the 3 connections paid the connect; the other 4 reused one.
    expect(responses.filter((response) => response.connectMs !== undefined)).toHaveLength(3);
    expect(sockets.size).toBe(3);
    // The 5 ms the server waits is inside each request's latency; connecting is not.
    for (const response of responses) expect(response.latencyMs).toBeGreaterThanOrEqual(4);
  });

  it('stops at the first failure and throws one line when the endpoint cannot be reached', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const onResponse = vi.fn();
    await expect(
      sendDelivery({ url: `http://127.0.0.1:${port}/x`, event: 'swarm.halted', secret: SECRET, repeat: 3, onResponse }),
    ).rejects.toThrow(`cannot reach http://127.0.0.1:${port}/x: connect ECONNREFUSED 127.0.0.1:${port}`);
    expect(onResponse).not.toHaveBeenCalled();
  });
});
