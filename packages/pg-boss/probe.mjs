import pg from 'pg';
import { randomUUID } from 'node:crypto';
const c = new pg.Client({ connectionString: process.env.DATABASE_URL });
await c.connect();
const table = 'probe_' + Math.random().toString(16).slice(2, 8);
await c.query(`CREATE TABLE public.${table} (id uuid)`);
const t = [];
for (let i = 0; i < 400; i++) { const s = process.hrtime.bigint(); await c.query(`INSERT INTO public.${table} VALUES ($1)`, [randomUUID()]); t.push(Number(process.hrtime.bigint() - s) / 1e6); }
t.sort((a, b) => a - b);
console.log('autocommit insert p50', t[200].toFixed(3), 'p90', t[360].toFixed(3));
await c.query(`DROP TABLE public.${table}`);
await c.end();
