// docs/testing.md shows files of examples/testing; this keeps the two the same and runs the samples
// the root vitest run does not (its include already runs examples/testing/vitest).
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DIR = `${ROOT}examples/testing/`;
const run = promisify(execFile);

/** How many tests a sample file declares, so a run that skips or loses one fails here. */
const declared = (file: string) => readFileSync(`${DIR}${file}`, 'utf8').match(/^\s+it\(/gm)?.length ?? 0;

describe('docs/testing.md', () => {
  it('every code sample is a file of examples/testing, verbatim', () => {
    const doc = readFileSync(`${ROOT}docs/testing.md`, 'utf8');
    const blocks = [...doc.matchAll(/(?:<!-- file: (\S+) -->\n)?```(ts|js)\n([\s\S]*?)```/g)];
    expect(blocks.length).toBeGreaterThanOrEqual(7);
    for (const [, file, , code] of blocks) {
      expect(file, `a ts/js block without <!-- file: … -->:\n${code}`).toBeDefined();
      expect(readFileSync(`${ROOT}${file}`, 'utf8'), file).toBe(code);
    }
  });
});

describe('examples/testing', () => {
  it('the node:test sample passes under node --test', async () => {
    const file = 'node-test/webhooks.test.ts';
    const { stdout } = await run(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=tap', file], {
      cwd: DIR,
    });
    expect(stdout).toContain(`# pass ${declared(file)}\n`);
    expect(stdout).toContain('# fail 0\n');
  });

  it('the jest sample passes under jest with --experimental-vm-modules', async () => {
    const file = 'jest/webhooks.test.ts';
    const { stdout } = await run(
      process.execPath,
      ['--experimental-vm-modules', 'node_modules/jest/bin/jest.js', '--ci', '--json'],
      { cwd: DIR },
    ).catch((error: { stderr: string }) => {
      throw new Error(`jest failed:\n${error.stderr}`);
    });
    const report = JSON.parse(stdout) as { numPassedTests: number; numTotalTests: number; success: boolean };
    expect(report).toMatchObject({ success: true, numPassedTests: declared(file), numTotalTests: declared(file) });
  });
});
