import { describe, expect, it } from 'vitest';
import { scriptRunner } from './client.js';
import { CLAIM } from './scripts.js';

describe('scriptRunner', () => {
  it('runs scripts through ioredis `call` with EVALSHA', async () => {
    const calls: unknown[][] = [];
    const io = { call: async (...args: unknown[]) => calls.push(args), sendCommand: () => {}, on: () => {} };
    await scriptRunner(io)(CLAIM, 'k', ['token', '100']);
    expect(calls).toEqual([['EVALSHA', CLAIM.sha, '1', 'k', 'token', '100']]);
  });

  it('runs scripts through node-redis `sendCommand`', async () => {
    const calls: unknown[] = [];
    const node = { sendCommand: async (args: string[]) => calls.push(args), on: () => {} };
    await scriptRunner(node)(CLAIM, 'k', ['token', '100']);
    expect(calls).toEqual([['EVALSHA', CLAIM.sha, '1', 'k', 'token', '100']]);
  });

  it('falls back to EVAL when the server does not have the script, and only then', async () => {
    const calls: string[][] = [];
    const node = {
      on: () => {},
      sendCommand: async (args: string[]) => {
        calls.push(args);
        if (args[0] === 'EVALSHA') throw new Error('NOSCRIPT No matching script. Please use EVAL.');
        return 0;
      },
    };
    expect(await scriptRunner(node)(CLAIM, 'k', ['t', '1'])).toBe(0);
    expect(calls.map((args) => args[0])).toEqual(['EVALSHA', 'EVAL']);
    expect(calls[1]?.[1]).toBe(CLAIM.source);

    const failing = {
      on: () => {},
      sendCommand: async () => {
        throw new Error('READONLY You cannot write against a read only replica.');
      },
    };
    await expect(scriptRunner(failing)(CLAIM, 'k', [])).rejects.toThrow(/READONLY/);
  });

  it('turns a synchronous throw from the client into a rejection', async () => {
    const node = {
      on: () => {},
      sendCommand: () => {
        throw new Error('The client is closed');
      },
    };
    await expect(scriptRunner(node as never)(CLAIM, 'k', [])).rejects.toThrow('The client is closed');
  });

  it('refuses node-redis cluster clients and things that are not clients', () => {
    const cluster = { sendCommand: async () => 0, on: () => {}, masters: [] };
    expect(() => scriptRunner(cluster)).toThrow(/cluster/);
    expect(() => scriptRunner({ on: () => {} } as never)).toThrow(TypeError);
  });
});
