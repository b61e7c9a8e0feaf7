#!/usr/bin/env node
// Type-checks every ```ts / ```typescript block of README.md, packages/*/README.md and docs/*.md, the
// way a user who copies it would compile it: strict, noUncheckedIndexedAccess, exactOptionalPropertyTypes,
// module nodenext, against the workspace packages as built (`pnpm build` first).
//
// Each block becomes one module under test/samples/.generated/<doc>/, where test/'s dependencies (every
// workspace package, the frameworks, the clients) resolve. A block whose first line is a path comment
// (`// lib/webhooks.ts`) is written at that path, so a later block of the same doc can import it
// (`@/lib/webhooks`, as in a Next.js app).
//
// Markers, in an HTML comment on the line before a block (invisible on GitHub and npm):
//   <!-- sample: context webhooks app:express -->  the block continues an earlier one: declare those names
//                                                  (the table CONTEXT below) instead of repeating the setup
//   <!-- sample: skip REASON -->                   not compiled; only for blocks that show what does NOT work
//   <!-- file: examples/x/y.ts -->                 the block is that file of the repository, verbatim (checked
//                                                  here); the file is compiled, and run, by its own package
// Anything else is compiled as it stands: an undefined name is an error, as it would be for the reader.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'test', 'samples', '.generated');

/** What `context` names declare: the value an earlier block of the same doc created. */
const CONTEXT = {
  webhooks: "declare const webhooks: import('@armalo-webhooks/core').WebhookReceiver;",
  'app:express': "declare const app: import('express').Express;",
  'app:fastify': "declare const app: import('fastify').FastifyInstance;",
  'app:hono': "declare const app: import('hono').Hono;",
  'app:koa': "declare const app: import('koa');",
  pool: "declare const pool: import('pg').Pool;",
  redis: "declare const redis: import('ioredis').Redis;",
  secret: 'declare const secret: string;',
  rawBody: 'declare const rawBody: Uint8Array;',
  req: "declare const req: import('node:http').IncomingMessage;",
  // Functions of the reader's own application that a sample calls.
  saveScore: 'declare function saveScore(data: unknown): Promise<void>;',
  notifySlack: 'declare function notifySlack(data: unknown): Promise<void>;',
};

const docs = [
  'README.md',
  ...readdirSync(join(root, 'packages'))
    .map((p) => join('packages', p, 'README.md'))
    .filter((p) => existsSync(join(root, p))),
  ...(existsSync(join(root, 'docs'))
    ? readdirSync(join(root, 'docs'))
        .filter((f) => f.endsWith('.md'))
        .map((f) => join('docs', f))
    : []),
];

/** @returns {{ line: number, code: string, marker: string | undefined, copyOf: string | undefined }[]} */
function blocks(text) {
  const lines = text.split('\n');
  const found = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(ts|typescript)\s*$/.exec(lines[i] ?? '');
    if (!open) continue;
    const indent = open[1] ?? '';
    let j = i - 1;
    while (j >= 0 && lines[j]?.trim() === '') j--;
    const marker = /^\s*<!--\s*sample:\s*(.*?)\s*-->\s*$/.exec(lines[j] ?? '')?.[1];
    const copyOf = /^\s*<!--\s*file:\s*(\S+)\s*-->\s*$/.exec(lines[j] ?? '')?.[1];
    const body = [];
    let k = i + 1;
    for (; k < lines.length && !/^\s*```\s*$/.test(lines[k] ?? ''); k++)
      body.push((lines[k] ?? '').slice(indent.length));
    found.push({ line: i + 1, code: body.join('\n'), marker, copyOf });
    i = k;
  }
  return found;
}

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'package.json'), '{ "type": "module", "private": true }\n');

const where = new Map(); // generated file -> doc:line, to point errors back at the markdown
const docDirs = [];
let checked = 0;
let skipped = 0;
let copies = 0;
const problems = [];
for (const doc of docs) {
  const slug = doc
    .replace(/\/README\.md$/, '')
    .replace(/\.md$/, '')
    .replace(/[/.]/g, '-');
  const dir = join(out, slug);
  docDirs.push(slug);
  for (const block of blocks(readFileSync(join(root, doc), 'utf8'))) {
    const marker = block.marker ?? '';
    if (block.copyOf !== undefined) {
      const source = join(root, block.copyOf);
      if (!existsSync(source)) problems.push(`${doc}:${block.line}: ${block.copyOf} does not exist`);
      else if (readFileSync(source, 'utf8') !== `${block.code}\n`)
        problems.push(`${doc}:${block.line}: the block differs from ${block.copyOf}`);
      copies++;
      continue;
    }
    if (marker.startsWith('skip')) {
      if (marker.trim() === 'skip') problems.push(`${doc}:${block.line}: "sample: skip" needs a reason`);
      skipped++;
      continue;
    }
    const prelude = [];
    const context = /^context\s+(.*)$/.exec(marker)?.[1];
    if (marker !== '' && context === undefined) problems.push(`${doc}:${block.line}: unknown marker "${marker}"`);
    for (const name of context?.split(/\s+/) ?? []) {
      const declaration = CONTEXT[name];
      if (declaration === undefined) problems.push(`${doc}:${block.line}: unknown context name "${name}"`);
      else prelude.push(declaration);
    }
    const path = /^\/\/ ((?:[\w@.[\]-]+\/)*[\w.[\]-]+\.ts)\b/.exec(block.code)?.[1];
    const file = join(dir, path ?? `line-${block.line}.ts`);
    mkdirSync(dirname(file), { recursive: true });
    // `export {}` makes every block a module, as a file of the reader's project would be.
    writeFileSync(file, `${prelude.join('\n')}${prelude.length ? '\n' : ''}${block.code}\nexport {};\n`);
    where.set(relative(out, file), { doc, line: block.line, offset: prelude.length });
    checked++;
  }
}

writeFileSync(
  join(out, 'tsconfig.json'),
  `${JSON.stringify(
    {
      extends: '../../../tsconfig.base.json',
      compilerOptions: {
        noEmit: true,
        declaration: false,
        declarationMap: false,
        sourceMap: false,
        experimentalDecorators: true,
        lib: ['ES2023', 'DOM'],
        // Next.js apps import their own modules as `@/...`; each doc's folder is tried in turn.
        paths: {
          '@/*': docDirs.map((d) => `./${d}/*.ts`),
          // next has no "exports" map; Next.js apps resolve `next/server` with their bundler.
          'next/*': ['../node_modules/next/*.d.ts'],
        },
        noUnusedLocals: false,
      },
      include: ['**/*.ts'],
    },
    null,
    2,
  )}\n`,
);

if (problems.length) {
  console.error(problems.join('\n'));
  process.exit(1);
}

const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
try {
  execFileSync(process.execPath, [tsc, '-p', join(out, 'tsconfig.json'), '--pretty', 'false'], {
    encoding: 'utf8',
    stdio: 'pipe',
  });
} catch (error) {
  const output = `${error.stdout ?? ''}${error.stderr ?? ''}`;
  // Point each error at the markdown line: "docs/x.md:41: TS2304 ..." (the block's first line is line + 1).
  const mapped = output.replace(/^(.+?\.ts)\((\d+),(\d+)\): /gm, (all, file, line) => {
    const at = where.get(relative(out, join(root, file)));
    return at ? `${at.doc}:${at.line + Number(line) - at.offset}: ` : all;
  });
  console.error(mapped.trim());
  console.error(`\ncheck-samples: errors in the code samples above (${checked} blocks checked, ${skipped} skipped)`);
  process.exit(1);
}
console.log(
  `check-samples: ${checked} code blocks type-check, ${copies} are verbatim files of the repository (${skipped} skipped with a reason)`,
);
