import { execFile } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const DIR = fileURLToPath(new URL('../../examples/aws-lambda/', import.meta.url));

describe('examples/aws-lambda', () => {
  it('src/invoke.ts: the delivery is handled, its retry is a duplicate, a tampered copy is refused', async () => {
    const tsx = pathToFileURL(`${DIR}node_modules/tsx/dist/loader.mjs`).href;
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', tsx, 'src/invoke.ts'], {
      cwd: DIR,
      env: { ...process.env, ARMALO_WEBHOOK_SECRET: 'whsec_lambda_example' },
    });
    const answers = Object.fromEntries(
      stdout
        .split('\n')
        .filter((line) => /^(delivery|retry|tampered) /.test(line))
        .map((line) => {
          const { statusCode, body } = JSON.parse(line.slice(line.indexOf(' ') + 1));
          return [line.split(' ')[0], [statusCode, JSON.parse(body).code ?? JSON.parse(body)]];
        }),
    );
    expect(answers).toEqual({
      delivery: [200, { ok: true }],
      retry: [200, { ok: true, duplicate: true }],
      tampered: [401, 'INVALID_SIGNATURE'],
    });
    expect(stdout).toContain('score changed: ');
  });
});
