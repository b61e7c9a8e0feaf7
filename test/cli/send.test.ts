import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createWebhookReceiver, EVENT_NAMES, parseEventTimestamp } from '@armalo-webhooks/core';
import { createApiHandler } from '@armalo-webhooks/next/pages';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { closedPort, lines, type RunResult, runCli, SECRET, startReceiver, type TestReceiver } from './harness.js';

let receiver: TestReceiver;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'armalo-cli-send-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  receiver = await startReceiver();
});
afterEach(async () => {
  await receiver.close();
});

function expectSecretHidden(result: RunResult): void {
  expect(result.stdout).not.toContain(SECRET);
  expect(result.stderr).not.toContain(SECRET);
}

describe('armalo-webhooks send', () => {
  it('delivers a signed sample and prints the status, the body and the latency', async () => {
    const result = await runCli(['send', 'score.changed', '--url', receiver.url, '--secret', SECRET]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^200 OK · handled · \d+\.\d ms \(connect \d+\.\d ms\) · \{"ok":true\}$/m);
    expect(receiver.handled).toEqual(['score.changed']);
    expectSecretHidden(result);
  });

  it('reads the secret from ARMALO_WEBHOOK_SECRET', async () => {
    const result = await runCli(['send', 'eval.completed', '--url', receiver.url], {
      env: { ARMALO_WEBHOOK_SECRET: SECRET },
    });
    expect(result.code).toBe(0);
    expect(receiver.handled).toEqual(['eval.completed']);
    expectSecretHidden(result);
  });

  it('answers duplicate for the same delivery sent twice, and runs the handler once', async () => {
    const args = ['send', 'escrow.released', '--url', receiver.url, '--secret', SECRET];
    const timestamp = new Date().toISOString();
    const first = await runCli([...args, '--timestamp', timestamp]);
    const second = await runCli([...args, '--timestamp', timestamp]);
    expect(first.stdout).toContain('· handled ·');
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/^200 OK · duplicate · .*"duplicate":true/m);
    expect(receiver.handled).toEqual(['escrow.released']);
  });

  it('sends one delivery many times concurrently: one handled, the rest deduplicated', async () => {
    const result = await runCli([
      'send',
      'pact.violated',
      '--url',
      receiver.url,
      '--secret',
      SECRET,
      '--repeat',
      '6',
      '--concurrency',
      '3',
    ]);
    expect(result.code).toBe(0);
    const answers = lines(result.stdout).filter((line) => /^#\s*\d+ /.test(line));
    expect(answers).toHaveLength(6);
    expect(answers.filter((line) => line.includes('· handled ·'))).toHaveLength(1);
    expect(answers.every((line) => /· (handled|duplicate|in-progress) ·/.test(line))).toBe(true);
    expect(result.stdout).toMatch(/6 sent: 1 handled, \d duplicate, \d in-progress, 0 rejected/);
    expect(receiver.handled).toEqual(['pact.violated']);
  });

  it('sends n distinct deliveries with --count, each handled, with a summary of the answers', async () => {
    const args = ['send', 'eval.completed', '--url', receiver.url, '--secret', SECRET];
    const result = await runCli([...args, '--count', '5', '--concurrency', '2']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const [header, ...rest] = lines(result.stdout);
    expect(header).toBe(`POST ${receiver.url} · eval.completed · 5 deliveries, 2 at a time`);
    expect(rest.filter((line) => /^#\d 200 OK · handled · /.test(line))).toHaveLength(5);
    expect(rest.at(-1)).toMatch(/^5 sent: 5 handled, 0 duplicate, 0 in-progress, 0 rejected · latency /);
    expect(receiver.handled).toEqual(Array(5).fill('eval.completed'));

    // With --repeat, each delivery is sent that many times: one handled, its copies duplicates.
    const both = await runCli([...args, '--count', '2', '--repeat', '2']);
    expect(lines(both.stdout).filter((line) => line.startsWith('#'))).toEqual([
      expect.stringMatching(/^#1\.1 200 OK · handled/),
      expect.stringMatching(/^#1\.2 200 OK · duplicate/),
      expect.stringMatching(/^#2\.1 200 OK · handled/),
      expect.stringMatching(/^#2\.2 200 OK · duplicate/),
    ]);
    const withData = await runCli([...args, '--count', '2', '--data', '{}']);
    expect(lines(withData.stderr)).toEqual([
      "error: option '-n, --count <n>' cannot be used with option '-d, --data <json|@file>'",
    ]);
  });

  it('sends a tampered delivery that the receiver rejects with 401, and exits 0 since that is expected', async () => {
    const result = await runCli(['send', 'escrow.funded', '--url', receiver.url, '--secret', SECRET, '--tamper']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^401 Unauthorized · rejected · .*INVALID_SIGNATURE/m);
    expect(receiver.handled).toEqual([]);
  });

  it('exits 2 with a hint when the receiver rejects the delivery', async () => {
    const result = await runCli(['send', 'score.changed', '--url', receiver.url, '--secret', 'whsec_not_the_one']);
    expect(result.code).toBe(2);
    expect(result.stdout).toContain('INVALID_SIGNATURE');
    expect(lines(result.stderr)).toEqual([
      expect.stringMatching(/^error: the receiver rejected .*401 INVALID_SIGNATURE/),
    ]);
  });

  it('sends the given data, inline or from a file', async () => {
    const data = { evalId: 'eval_1', agentId: 'agent_1', reason: 'timeout', extra: [1, 2] };
    const inline = await runCli([
      'send',
      'eval.failed',
      '-u',
      receiver.url,
      '-s',
      SECRET,
      '--data',
      JSON.stringify(data),
    ]);
    await writeFile(join(dir, 'data.json'), JSON.stringify({ ...data, evalId: 'eval_2' }));
    const fromFile = await runCli(['send', 'eval.failed', '-u', receiver.url, '-s', SECRET, '--data', '@data.json'], {
      cwd: dir,
    });
    expect([inline.code, fromFile.code]).toEqual([0, 0]);
    expect(receiver.handled).toEqual(['eval.failed', 'eval.failed']);
  });

  it('rejects an unknown event with one line listing every valid event', async () => {
    const result = await runCli(['send', 'score.chagned', '--url', receiver.url, '--secret', SECRET]);
    expect(result.code).toBe(1);
    const errorLines = lines(result.stderr);
    expect(errorLines).toHaveLength(1);
    expect(errorLines[0]).toMatch(/^error: unknown event "score.chagned". Did you mean "score.changed"\?/);
    for (const name of EVENT_NAMES) expect(errorLines[0]).toContain(name);
    expect(receiver.handled).toEqual([]);
  });

  it("prints the host's own fix for RAW_BODY_UNAVAILABLE (a Next.js Pages route whose body parser ran)", async () => {
    const webhooks = createWebhookReceiver({ secret: SECRET, logger: { warn: () => {}, error: () => {} } });
    const handle = createApiHandler(webhooks);
    // What Next.js does with the body parser on: it reads the stream and leaves the object in req.body.
    const server = createServer((req, res) => {
      let text = '';
      req.setEncoding('utf8').on('data', (chunk: string) => {
        text += chunk;
      });
      req.on('end', () => {
        Object.assign(req, { body: JSON.parse(text) as unknown });
        void handle(req as Parameters<typeof handle>[0], res as Parameters<typeof handle>[1]);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/webhooks/armalo-pages`;
      const result = await runCli(['send', 'score.changed', '--url', url, '--secret', SECRET]);
      expect(result.code).toBe(2);
      const [line] = lines(result.stderr);
      expect(line).toMatch(
        /^error: the receiver rejected the delivery \(500 RAW_BODY_UNAVAILABLE\): Add `export const config/,
      );
      expect(line).toContain('bodyParser: false');
      expect(line).not.toMatch(/express|middleware|mount/i);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('reports an unreachable URL in one line', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/webhooks/armalo`;
    const result = await runCli(['send', 'score.changed', '--url', url, '--secret', SECRET]);
    expect(result.code).toBe(1);
    expect(lines(result.stderr)).toEqual([`error: cannot reach ${url}: connect ECONNREFUSED ${new URL(url).host}`]);
  });

  it('reports bad JSON in --data, inline or in a file, in one line', async () => {
    const inline = await runCli(['send', 'score.changed', '-u', receiver.url, '-s', SECRET, '--data', '{"agentId":']);
    expect(inline.code).toBe(1);
    expect(lines(inline.stderr)).toEqual([expect.stringMatching(/^error: --data is not valid JSON: /)]);
    await writeFile(join(dir, 'bad.json'), '{ nope }');
    const file = await runCli(['send', 'score.changed', '-u', receiver.url, '-s', SECRET, '--data', '@bad.json'], {
      cwd: dir,
    });
    expect(file.code).toBe(1);
    expect(lines(file.stderr)).toEqual([expect.stringMatching(/^error: bad\.json is not valid JSON: /)]);
    expect(receiver.handled).toEqual([]);
  });

  it('reports a missing secret in one line and sends nothing', async () => {
    const result = await runCli(['send', 'score.changed', '--url', receiver.url]);
    expect(result.code).toBe(1);
    expect(lines(result.stderr)).toEqual([
      'error: missing secret: pass --secret <secret> or set ARMALO_WEBHOOK_SECRET',
    ]);
    expect(receiver.handled).toEqual([]);
  });

  it('rejects, in one line, a timestamp that the receiver refuses, and sends one it accepts as typed', async () => {
    // Each of these passed the CLI's own ISO-8601 check before it used core's rule.
    for (const timestamp of ['2026-03-16T10:05Z', '2026-03-16T10:05:00+0100', '2026-02-30T10:05:00Z']) {
      expect(parseEventTimestamp(timestamp)).toBeUndefined();
      const result = await runCli(['send', 'score.changed', '--url', receiver.url, '-s', SECRET, '-t', timestamp]);
      expect(result.code).toBe(1);
      expect(lines(result.stderr)).toEqual([
        `error: --timestamp must be a date-time the receiver accepts: ISO-8601 with seconds and Z or an offset like +01:00, e.g. 2026-03-16T10:05:00.000Z; got "${timestamp}"`,
      ]);
    }
    expect(receiver.handled).toEqual([]);
    const offset = new Date(Date.now() + 3_600_000).toISOString().replace(/\.\d+Z$/, '+01:00');
    const accepted = await runCli(['send', 'eval.failed', '--url', receiver.url, '-s', SECRET, '-t', offset]);
    expect(accepted.code).toBe(0);
    expect(receiver.handled).toEqual(['eval.failed']);
  });

  it('signs with #0 (current) when several secrets are given, and says so', async () => {
    const result = await runCli(['send', 'pact.violated', '--url', receiver.url], {
      env: { ARMALO_WEBHOOK_SECRET: `${SECRET},whsec_cli_test_previous` },
    });
    expect(result.code).toBe(0);
    expect(lines(result.stderr)).toEqual([
      'note: signing with ARMALO_WEBHOOK_SECRET #0 (current), the first of 2 secrets',
    ]);
    expect(receiver.handled).toEqual(['pact.violated']);
  });

  it('rejects an invalid URL, timestamp or repeat count in one line', async () => {
    for (const extra of [
      ['--url', 'localhost:3000/webhooks'],
      ['--url', receiver.url, '--timestamp', 'yesterday'],
      ['--url', receiver.url, '--repeat', '0'],
    ]) {
      const result = await runCli(['send', 'score.changed', '--secret', SECRET, ...extra]);
      expect(result.code).toBe(1);
      expect(lines(result.stderr)).toHaveLength(1);
      expect(result.stderr).toMatch(/^error: /);
    }
    expect(receiver.handled).toEqual([]);
  });
});
