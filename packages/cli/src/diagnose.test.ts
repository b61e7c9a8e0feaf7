import { createHmac } from 'node:crypto';
import { createVerifier, verifyWebhookSignature } from '@armalo-webhooks/core';
import { describe, expect, it } from 'vitest';
import { diagnoseSignature } from './diagnose.js';

const SECRET = 'whsec_unit';
const BODY = '{"event":"eval.failed","timestamp":"2026-03-16T10:00:03.200Z","data":{"evalId":"eval_1"}}';
const hmac = (body: string, secret = SECRET, algorithm = 'sha256'): string =>
  createHmac(algorithm, secret).update(body).digest('hex');
const secrets = (...values: string[]) => values.map((value, index) => ({ value, label: `--secret #${index}` }));
const codes = (diagnosis: ReturnType<typeof diagnoseSignature>) => diagnosis.findings.map((finding) => finding.code);

describe('diagnoseSignature', () => {
  it('accepts a correct signature in any letter case, with surrounding whitespace in the header', () => {
    expect(diagnoseSignature(BODY, ` ${hmac(BODY).toUpperCase()}\n`, secrets(SECRET))).toEqual({
      ok: true,
      matched: { index: 0, label: '--secret #0', of: 1 },
      findings: [],
    });
  });

  it('reports every deviation when several apply at once, and the secret that then matches', () => {
    const pretty = JSON.stringify(JSON.parse(BODY), null, 4);
    const diagnosis = diagnoseSignature(pretty, `sha256=${hmac(BODY)}`, secrets('whsec_other', `${SECRET}\r\n`));
    expect(diagnosis.ok).toBe(false);
    expect(codes(diagnosis)).toEqual(['SIGNATURE_PREFIX', 'SECRET_WHITESPACE', 'BODY_RESERIALIZED']);
    expect(diagnosis.matched).toEqual({ index: 1, label: '--secret #1', of: 2 });
    expect(diagnosis.findings[1]?.message).toContain('a trailing newline');
  });

  it('prefers the explanation with the fewest changes', () => {
    const diagnosis = diagnoseSignature(`${BODY}\n`, hmac(BODY), secrets(SECRET));
    expect(codes(diagnosis)).toEqual(['BODY_TRAILING_NEWLINE']);
  });

  it('recognises another hash function and extra characters around the digest', () => {
    expect(codes(diagnoseSignature(BODY, hmac(BODY, SECRET, 'sha512'), secrets(SECRET)))).toEqual(['WRONG_ALGORITHM']);
    expect(codes(diagnoseSignature(BODY, `${hmac(BODY)}00`, secrets(SECRET)))).toEqual(['SIGNATURE_WRONG_LENGTH']);
    expect(diagnoseSignature(BODY, `${hmac(BODY)}00`, secrets(SECRET)).findings[0]?.message).toContain(
      'extra characters',
    );
  });

  it('says OK exactly when core verifies the header, and names the secret core matched', async () => {
    const right = hmac(BODY);
    const headers = [
      right,
      right.toUpperCase(),
      ` ${right}\n`,
      `\t${right.toUpperCase()} `,
      `sha256=${right}`,
      `${right.slice(0, 32)} ${right.slice(32)}`,
      Buffer.from(right, 'hex').toString('base64'),
      right.slice(0, 63),
      `${right}0`,
      hmac(`${BODY}\n`),
      '',
    ];
    for (const header of headers) {
      const diagnosis = diagnoseSignature(BODY, header, secrets('whsec_other', SECRET));
      expect({ header, ok: diagnosis.ok }).toEqual({
        header,
        ok: await verifyWebhookSignature(BODY, header, ['whsec_other', SECRET]),
      });
      if (diagnosis.ok) expect(diagnosis.matched?.index).toBe(1);
    }
    expect(createVerifier({ secret: ['whsec_other', SECRET] }).verify(BODY, right)).toEqual({
      ok: true,
      secretIndex: 1,
    });
  });

  it('never says OK for a key core refuses: a secret signed with its whitespace kept', () => {
    const padded = `${SECRET}\n`;
    expect(() => createVerifier({ secret: padded })).toThrow('webhook secret #0 has leading or trailing whitespace');
    const diagnosis = diagnoseSignature(BODY, hmac(BODY, padded), secrets(padded));
    expect(diagnosis).toEqual({ ok: false, findings: [expect.objectContaining({ code: 'SECRET_WHITESPACE' })] });
    expect(diagnosis.findings[0]?.message).toContain('a receiver refuses a secret with surrounding whitespace');
  });

  it('says OK with a clean secret even when another one given has whitespace', () => {
    expect(diagnoseSignature(BODY, hmac(BODY), secrets(' whsec_padded ', SECRET))).toEqual({
      ok: true,
      matched: { index: 1, label: '--secret #1', of: 2 },
      findings: [],
    });
  });

  it('says the body is empty and the signature empty', () => {
    expect(codes(diagnoseSignature('', '  ', secrets(SECRET)))).toEqual(['EMPTY_BODY', 'SIGNATURE_EMPTY']);
  });

  it('never puts a secret in a message', () => {
    const secret = ' whsec_do_not_leak ';
    const diagnosis = diagnoseSignature(BODY, hmac(BODY, secret.trim()), secrets(secret, 'whsec_second'));
    expect(JSON.stringify(diagnosis)).not.toMatch(/do_not_leak|whsec_second/);
  });
});
