import { EVENT_CATALOG, EVENT_NAMES, LEGACY_EVENT_NAMES } from '@armalo-webhooks/core';
import { sampleData } from '@armalo-webhooks/core/testing';
import { describe, expect, it } from 'vitest';
import { lines, runCli } from './harness.js';

describe('armalo-webhooks events', () => {
  it('lists the 22 events with their descriptions, and the legacy names separately', async () => {
    const result = await runCli(['events']);
    expect(result.code).toBe(0);
    const [documented, legacy] = result.stdout.split(/\n\nLegacy names/);
    expect(lines(documented ?? '')[0]).toBe('22 events (Armalo webhook docs):');
    for (const name of EVENT_NAMES) {
      expect(documented).toMatch(
        new RegExp(`^  ${name.replace('.', '\\.')} +${EVENT_CATALOG[name].description}$`, 'm'),
      );
    }
    for (const name of LEGACY_EVENT_NAMES) {
      expect(legacy).toMatch(new RegExp(`^  ${name.replace('.', '\\.')}$`, 'm'));
      expect(documented).not.toMatch(new RegExp(`^  ${name.replace('.', '\\.')} `, 'm'));
    }
  });

  it('prints the catalog rows as JSON with --json: name, description and legacy flag', async () => {
    const result = await runCli(['events', '--json']);
    const list = JSON.parse(result.stdout) as { name: string; legacy: boolean }[];
    expect(list).toEqual(
      Object.entries(EVENT_CATALOG).map(([name, row]) => ({ name, description: row.description, legacy: row.legacy })),
    );
    expect(list.filter((item) => !item.legacy).map((item) => item.name)).toEqual(EVENT_NAMES);
    expect(list.filter((item) => item.legacy).map((item) => item.name)).toEqual(LEGACY_EVENT_NAMES);
  });
});

describe('armalo-webhooks sample', () => {
  it('prints the sample envelope for an event', async () => {
    const result = await runCli(['sample', 'score.changed', '--timestamp', '2026-03-16T10:05:00.000Z']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      event: 'score.changed',
      timestamp: '2026-03-16T10:05:00.000Z',
      data: sampleData('score.changed'),
    });
  });

  it("prints only data with --data-only: the sample of the event's catalog row", async () => {
    const result = await runCli(['sample', 'eval.completed', '--data-only']);
    expect(JSON.parse(result.stdout)).toEqual(EVENT_CATALOG['eval.completed'].sample);
  });

  it('rejects a timestamp the receiver refuses, in one line', async () => {
    const result = await runCli(['sample', 'score.changed', '--timestamp', '2026-03-16T24:00:00Z']);
    expect(result.code).toBe(1);
    expect(lines(result.stderr)).toHaveLength(1);
    expect(result.stderr).toMatch(
      /^error: --timestamp must be a date-time the receiver accepts: .*"2026-03-16T24:00:00Z"$/m,
    );
  });

  it('rejects an unknown event with one line listing the valid ones', async () => {
    const result = await runCli(['sample', 'nope']);
    expect(result.code).toBe(1);
    expect(lines(result.stderr)).toHaveLength(1);
    expect(result.stderr).toContain(EVENT_NAMES.join(', '));
  });
});

describe('--help', () => {
  it.each(['send', 'sign', 'verify', 'events', 'sample'])('documents %s', async (command) => {
    const result = await runCli([command, '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^Usage: armalo-webhooks ${command} `));
    if (command === 'send' || command === 'sign' || command === 'verify') {
      expect(result.stdout).toContain('--secret <secret>');
      expect(result.stdout).toContain('$ARMALO_WEBHOOK_SECRET');
    }
  });

  it('documents the program, and shows the help with a non-zero exit when no command is given', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    for (const command of ['send', 'sign', 'verify', 'events', 'sample'])
      expect(help.stdout).toContain(`  ${command} `);
    const bare = await runCli([]);
    expect(bare.code).toBe(1);
    expect(bare.stderr).toContain('Usage: armalo-webhooks');
  });

  it('rejects an unknown command', async () => {
    const result = await runCli(['trigger']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: unknown command 'trigger'/);
  });
});
