import { describe, expect, it } from 'vitest';
import { migrationSql } from './migration.js';
import { buildStatements } from './statements.js';
import { parseTableName } from './table-name.js';

describe('buildStatements', () => {
  it('names prepared statements per table and per commit mode, so stores sharing a pool never clash', () => {
    const names = new Set([
      buildStatements(parseTableName('a'), false).namePrefix,
      buildStatements(parseTableName('b'), false).namePrefix,
      buildStatements(parseTableName('s.a'), false).namePrefix,
      buildStatements(parseTableName('a'), true).namePrefix,
    ]);
    expect(names.size).toBe(4);
    expect(buildStatements(parseTableName('a'), false).namePrefix).toBe(
      buildStatements(parseTableName('a'), false).namePrefix,
    );
  });

  it('turns off the commit flush only when asked, and only for the statement’s own transaction', () => {
    const fast = buildStatements(parseTableName('t'), false);
    const durable = buildStatements(parseTableName('t'), true);
    for (const name of ['claim', 'complete', 'release', 'freshClaim', 'freshComplete', 'freshRelease'] as const) {
      expect(fast[name]).toContain(`set_config('synchronous_commit', 'off', true)`);
      expect(durable[name]).not.toContain('synchronous_commit');
    }
    expect(fast.prune).not.toContain('synchronous_commit');
    expect(fast.pruneWatermarks).not.toContain('synchronous_commit');
  });

  it('releases with one DELETE of the token’s own lease, with exactly one set_config when asked and none otherwise', () => {
    const count = (sql: string) => sql.split('set_config(').length - 1;
    const fast = buildStatements(parseTableName('t'), false).release;
    const durable = buildStatements(parseTableName('t'), true).release;
    for (const release of [fast, durable]) {
      expect(release).toMatch(/^DELETE FROM "t" WHERE key = \$1 AND state = 'leased' AND owner_token = \$2\b/);
      expect(release).not.toMatch(/\bWHERE\b[\s\S]*\bWHERE\b/);
    }
    expect(count(fast)).toBe(1);
    expect(count(durable)).toBe(0);
  });

  it('claims with one INSERT ... ON CONFLICT DO UPDATE ... WHERE the lease or retention ended', () => {
    const { claim } = buildStatements(parseTableName('s.t'), true);
    expect(claim).toMatch(
      /INSERT INTO "s"\."t" AS k[\s\S]*ON CONFLICT \(key\) DO UPDATE[\s\S]*WHERE CASE WHEN k\.state = 'done' THEN k\.retain_until <= now\(\) ELSE k\.lease_expires_at <= now\(\) END/,
    );
  });
});

describe('migrationSql', () => {
  it('names the index after the table, cutting long names with a hash so they stay unique', () => {
    expect(migrationSql('s.t')).toContain('CREATE INDEX IF NOT EXISTS "t_expiry_idx" ON "s"."t"');
    const long = (suffix: string) =>
      migrationSql(`${'x'.repeat(58)}${suffix}`).match(/INDEX IF NOT EXISTS "([^"]+)"/)?.[1];
    const a = long('_aaaa');
    const b = long('_bbbb');
    expect(a).not.toBe(b);
    expect(a?.length).toBeLessThanOrEqual(63);
  });
});
