import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseSignatureHeader, verifyWebhookSignature } from '@armalo-webhooks/core';
import { createSignedDelivery, sampleData, sign } from '@armalo-webhooks/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lines, type RunResult, runCli, SECRET } from './harness.js';

const OTHER = 'whsec_cli_test_other_secret';
const THIRD = 'whsec_cli_test_third_secret';
const delivery = createSignedDelivery('score.changed', sampleData('score.changed'), {
  secret: SECRET,
  timestamp: '2026-03-16T10:05:00.000Z',
});
const SIGNATURE = delivery.signature;

let dir: string;
let bodyFile: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'armalo-cli-verify-'));
  bodyFile = join(dir, 'body.json');
  await writeFile(bodyFile, delivery.body);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, content: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

function expectNoSecretIn(result: RunResult, ...secrets: string[]): void {
  for (const secret of [SECRET, ...secrets]) {
    expect(result.stdout).not.toContain(secret.trim());
    expect(result.stderr).not.toContain(secret.trim());
  }
}

describe('armalo-webhooks sign', () => {
  it('prints the same signature as openssl dgst -sha256 -hmac for a file, final newline included', async () => {
    const path = await file('newline.json', `${delivery.body}\n`);
    const { stdout } = await promisify(execFile)('openssl', ['dgst', '-sha256', '-hmac', SECRET, path]);
    const expected = stdout.trim().split(/\s+/).at(-1);
    expect(expected).toMatch(/^[0-9a-f]{64}$/);
    const result = await runCli(['sign', '--file', path, '--secret', SECRET]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${expected}\n`);
    expect(expected).not.toBe(SIGNATURE);
    expectNoSecretIn(result);
  });

  it('signs stdin when no file is given', async () => {
    const result = await runCli(['sign'], { input: delivery.body, env: { ARMALO_WEBHOOK_SECRET: SECRET } });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${SIGNATURE}\n`);
  });

  it('reports a missing file or a missing secret in one line', async () => {
    const missingFile = await runCli(['sign', '--file', join(dir, 'nope.json'), '--secret', SECRET]);
    expect(missingFile.code).toBe(1);
    expect(lines(missingFile.stderr)).toEqual([`error: cannot read ${join(dir, 'nope.json')}: no such file`]);
    const missingSecret = await runCli(['sign', '--file', bodyFile]);
    expect(missingSecret.code).toBe(1);
    expect(lines(missingSecret.stderr)).toHaveLength(1);
    expect(missingSecret.stderr).toContain('ARMALO_WEBHOOK_SECRET');
  });
});

describe('armalo-webhooks verify', () => {
  it('prints OK for a correct signature', async () => {
    const result = await runCli(['verify', '--file', bodyFile, '--signature', SIGNATURE, '--secret', SECRET]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('OK: the signature verifies with --secret #0\n');
  });

  it('reads the body from stdin and the secret from the environment', async () => {
    const result = await runCli(['verify', '--signature', SIGNATURE.toUpperCase()], {
      input: delivery.body,
      env: { ARMALO_WEBHOOK_SECRET: SECRET },
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('OK: the signature verifies with ARMALO_WEBHOOK_SECRET #0\n');
  });

  it('agrees with core on upper-case hex and whitespace around the header value', async () => {
    const header = `  ${SIGNATURE.toUpperCase()}\t\n`;
    expect(parseSignatureHeader(header).ok).toBe(true);
    expect(await verifyWebhookSignature(delivery.body, header, SECRET)).toBe(true);
    const result = await runCli(['verify', '--file', bodyFile, '--signature', header, '--secret', SECRET]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('OK: the signature verifies with --secret #0\n');
  });

  it('refuses, like core, a signature made with a secret whose whitespace was kept', async () => {
    const padded = `${SECRET}\n`;
    const result = await runCli(['verify', '--file', bodyFile, '--signature', sign(delivery.body, padded)], {
      env: { ARMALO_WEBHOOK_SECRET: padded },
    });
    expect(result.code).toBe(2);
    expect(result.stdout).toContain(
      'secret ARMALO_WEBHOOK_SECRET #0 has a trailing newline, and the signature was made with it as part of the key',
    );
    expect(result.stdout).not.toContain('Fixed as described');
    expectNoSecretIn(result);
  });

  it('diagnoses a secret with surrounding whitespace', async () => {
    const padded = `${SECRET}\n`;
    const result = await runCli(['verify', '--file', bodyFile, '--signature', SIGNATURE, '--secret', padded]);
    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(/^FAIL/);
    expect(result.stdout).toContain(
      'secret --secret #0 has a trailing newline: the signature matches once it is trimmed',
    );
    expectNoSecretIn(result);
  });

  it('diagnoses a body that only verifies once re-serialized with other spacing', async () => {
    const pretty = await file('pretty.json', JSON.stringify(JSON.parse(delivery.body), null, 2));
    const result = await runCli(['verify', '--file', pretty, '--signature', SIGNATURE, '--secret', SECRET]);
    expect(result.code).toBe(2);
    expect(result.stdout).toContain('re-serialized as compact JSON');
    expect(result.stdout).toContain('the sender signed different bytes than the ones hashed here');
  });

  it('diagnoses a body signed pretty-printed but hashed compact', async () => {
    const prettyBody = JSON.stringify(JSON.parse(delivery.body), null, 2);
    const result = await runCli(['verify', '--file', bodyFile, '--signature', sign(prettyBody, SECRET), '-s', SECRET]);
    expect(result.code).toBe(2);
    expect(result.stdout).toContain('re-serialized as JSON indented with 2 spaces');
  });

  it('diagnoses a trailing newline added to the body', async () => {
    const withNewline = await file('with-newline.json', `${delivery.body}\n`);
    const result = await runCli(['verify', '--file', withNewline, '--signature', SIGNATURE, '--secret', SECRET]);
    expect(result.code).toBe(2);
    expect(result.stdout).toContain('the body ends with a newline that was not signed');
  });

  it('says which of several secrets matched, from repeated options and comma lists', async () => {
    const result = await runCli([
      'verify',
      '--file',
      bodyFile,
      '--signature',
      SIGNATURE,
      '--secret',
      `${OTHER},${THIRD}`,
      '--secret',
      SECRET,
    ]);
    expect(result.code).toBe(0);
    expect(lines(result.stdout)[0]).toBe('OK: the signature verifies with --secret #2 (of 3)');
    expect(result.stdout).toContain('note: it matched --secret #2, not #0 (current)');
    expectNoSecretIn(result, OTHER, THIRD);
  });

  it('reports no match when none of several secrets is the right one', async () => {
    const result = await runCli(['verify', '--file', bodyFile, '--signature', SIGNATURE], {
      env: { ARMALO_WEBHOOK_SECRET: `${OTHER},${THIRD}` },
    });
    expect(result.code).toBe(2);
    expect(result.stdout).toContain('no match: none of the 2 secrets produces this signature');
    expectNoSecretIn(result, OTHER, THIRD);
  });

  it('diagnoses a header with a prefix such as sha256=', async () => {
    const result = await runCli(['verify', '--file', bodyFile, '--signature', `sha256=${SIGNATURE}`, '-s', SECRET]);
    expect(result.code).toBe(2);
    expect(result.stdout).toContain('the header value starts with "sha256="');
    expect(result.stdout).toContain('Fixed as described, it verifies with --secret #0.');
  });

  it('diagnoses a signature that is not hex', async () => {
    const notHex = `${SIGNATURE.slice(0, 10)}zz${SIGNATURE.slice(12)}`;
    const result = await runCli(['verify', '--file', bodyFile, '--signature', notHex, '-s', SECRET]);
    expect(result.code).toBe(2);
    expect(result.stdout).toContain('the signature is not hexadecimal: character 11 is "z"');
  });

  it('diagnoses a signature of the wrong length, and recognises a truncated copy', async () => {
    const wrong = await runCli(['verify', '--file', bodyFile, '--signature', 'ab'.repeat(24), '-s', SECRET]);
    expect(wrong.code).toBe(2);
    expect(wrong.stdout).toContain('the signature has 48 hex digits; an HMAC-SHA256 signature has 64');
    const truncated = await runCli(['verify', '--file', bodyFile, '--signature', SIGNATURE.slice(0, 40), '-s', SECRET]);
    expect(truncated.code).toBe(2);
    expect(truncated.stdout).toContain('the first 40 of the 64 hex digits of the right one');
  });

  it('diagnoses a base64 signature', async () => {
    const base64 = Buffer.from(SIGNATURE, 'hex').toString('base64');
    const result = await runCli(['verify', '--file', bodyFile, '--signature', base64, '-s', SECRET]);
    expect(result.code).toBe(2);
    expect(result.stdout).toContain('the signature is base64, not hex');
  });

  it('requires --signature', async () => {
    const result = await runCli(['verify', '--file', bodyFile, '-s', SECRET]);
    expect(result.code).toBe(1);
    expect(lines(result.stderr)).toEqual(["error: required option '--signature <value>' not specified"]);
  });
});
