import { execFile, execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { curlCommand } from './curl.js';

const run = promisify(execFile);

function curlAvailable(): boolean {
  try {
    execFileSync('curl', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    const message = 'curl is not installed (apt-get install curl)';
    if (process.env.CI) throw new Error(`${message}; CI is set, so this test fails instead of skipping`);
    console.log(`skipping the Copy as curl test: ${message}; set CI to make this a failure`);
    return false;
  }
}
const received: { body: Buffer; headers: IncomingHttpHeaders }[] = [];
const server = createServer(async (req, res) => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  received.push({ body: Buffer.concat(chunks), headers: req.headers });
  res.end('{"ok":true}');
});
let url: string;

beforeAll(async () => {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/armalo`;
});
afterAll(() => void server.close());

const headers = {
  host: '127.0.0.1:3030',
  'content-type': 'application/json',
  'content-length': '999',
  'x-armalo-signature': 'ab'.repeat(32),
  'user-agent': "Armalo's sender",
  authorization: 'Bearer secret-token',
  'x-armalo-inspector': 'replay 1',
};

describe.runIf(curlAvailable())('copy as curl', () => {
  it.each([
    ['JSON as Armalo sends it', Buffer.from('{"event":"score.changed","data":{"note":"it\'s 100% \\\\ ok"}}')],
    [
      'UTF-8, a trailing newline, a byte that is not UTF-8, a NUL',
      Buffer.concat([Buffer.from('{"n":"é ✓"}\r\n\t'), Buffer.from([0xff, 0x00, 0x25])]),
    ],
  ])('sends %s again byte for byte, with the headers as received (run in sh)', async (_name, body) => {
    const command = curlCommand(url, { headers, body: body.toString('base64') });
    received.length = 0;
    await run('/bin/sh', ['-c', `${command} --silent --show-error --fail`]);
    expect(received).toHaveLength(1);
    expect(received[0]?.body.equals(body)).toBe(true);
    expect(received[0]?.headers).toMatchObject({
      'content-type': 'application/json',
      'x-armalo-signature': 'ab'.repeat(32),
      'user-agent': "Armalo's sender",
      'content-length': String(body.length),
    });
    // Credentials and the inspector's own marker stay out.
    expect(command).not.toContain('secret-token');
    expect(command).not.toContain('x-armalo-inspector');
  });
});
