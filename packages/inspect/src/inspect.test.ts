import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createWebhookReceiver } from '@armalo-webhooks/core';
import { createSignedDelivery } from '@armalo-webhooks/core/testing';
import { describe, expect, it, vi } from 'vitest';
import { inspect } from './inspect.js';

describe('inspect()', () => {
  it('does nothing without a URL, as in production where ARMALO_INSPECTOR_URL is unset', () => {
    const saved = process.env.ARMALO_INSPECTOR_URL;
    delete process.env.ARMALO_INSPECTOR_URL;
    try {
      expect(inspect()).toEqual({});
    } finally {
      if (saved !== undefined) process.env.ARMALO_INSPECTOR_URL = saved;
    }
  });

  it('refuses to send bodies and signatures to another machine unless told to', () => {
    expect(() => inspect('http://192.0.2.10:4400/abc/')).toThrow(/not this machine/);
    expect(() => inspect({ url: 'http://192.0.2.10:4400/abc/', allowRemote: true })).not.toThrow();
    expect(() => inspect('http://localhost:4400/abc/')).not.toThrow();
  });

  it('says to check ARMALO_INSPECTOR_URL when the URL names no inspector (404, or a stale token)', async () => {
    // What answers on a port that is not the inspector's, or under a path that is not its token.
    const server = createServer((_req, res) => res.writeHead(404).end()).listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const errors: string[] = [];
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/0123/`;
      const secret = 'whsec_inspect_test';
      const webhooks = createWebhookReceiver({
        secret,
        observers: [inspect({ url, onError: (error) => errors.push(error.message) })],
      });
      const delivery = createSignedDelivery('score.changed', { secret });
      await webhooks.receive({ rawBody: delivery.body, headers: delivery.headers });
      await vi.waitFor(() => expect(errors).toHaveLength(1));
      expect(errors[0]).toBe(
        'the inspector answered 404: check ARMALO_INSPECTOR_URL, which must be the URL `armalo-webhooks dev` printed this time, token included',
      );
    } finally {
      server.close();
    }
  });
});
