import { execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

// The packages are ESM only. CommonJS applications load them with a plain require(), which
// Node.js runs as require(esm) from 22.12 on; the READMEs promise exactly that, so it
// is checked against the built packages with the node binary running this suite (each Node line
// of CI runs it once).
const consumer = fileURLToPath(new URL('./consumer.cjs', import.meta.url));
const SECRET = 'whsec_require_esm';
const coreDist = fileURLToPath(new URL('../../packages/core/dist/index.js', import.meta.url));

interface ConsumerReport {
  node: string;
  resolved: string;
  body: string;
  exports: Record<string, string[]>;
  signature: string;
  verified: boolean;
  tamperedVerified: boolean;
  accepted: number;
  refused: number;
  handled: string[];
}

async function runConsumer(): Promise<ConsumerReport> {
  if (!existsSync(coreDist)) throw new Error(`${coreDist} is missing: run \`pnpm build\` first (\`pnpm test\` does)`);
  const { stdout } = await promisify(execFile)(process.execPath, [consumer], {
    cwd: fileURLToPath(new URL('.', import.meta.url)),
    timeout: 60_000,
  });
  return JSON.parse(stdout) as ConsumerReport;
}

describe('require(esm): the packages from a CommonJS file', () => {
  it('loads every entry point, signs and verifies with core, and serves a delivery through Express', async () => {
    const report = await runConsumer();

    expect(report.node).toBe(process.version);
    // The built package, not the sources: what a user's require() gets from the registry.
    expect(report.resolved).toBe(coreDist);
    for (const [entry, names] of Object.entries(report.exports)) {
      expect(names.length, `${entry} exports nothing through require()`).toBeGreaterThan(0);
    }
    expect(report.exports['@armalo-webhooks/core']).toEqual(
      expect.arrayContaining(['createWebhookReceiver', 'signPayload', 'verifyWebhookSignature']),
    );
    expect(report.exports['@armalo-webhooks/express']).toContain('armaloWebhooks');
    expect(Object.keys(report.exports)).toHaveLength(21);

    // signPayload is HMAC-SHA256 in hex: recomputed here with node:crypto rather than trusting
    // the package to check its own output.
    expect(report.signature).toBe(createHmac('sha256', SECRET).update(report.body).digest('hex'));
    expect(report.verified).toBe(true);
    expect(report.tamperedVerified).toBe(false);

    expect(report.accepted).toBe(200);
    expect(report.refused).toBe(401);
    expect(report.handled).toEqual(['score.changed']);
  });

  it('type-checks for TypeScript CommonJS code with module: nodenext (import x = require())', async () => {
    // consumer-types.cts under esm-only/tsconfig.cjs.json; with `module: node16` the same file
    // fails with TS1471, so this is the setting the READMEs name.
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    const project = fileURLToPath(new URL('./tsconfig.cjs.json', import.meta.url));
    const run = promisify(execFile)(process.execPath, [tsc, '-p', project], { timeout: 120_000 });
    await expect(run).resolves.toMatchObject({ stdout: '' });
  });
});
