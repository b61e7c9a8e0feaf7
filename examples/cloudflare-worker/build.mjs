// Bundles src/worker.ts the way wrangler does for Workers (ESM, the workerd/worker/browser export
// conditions), so core resolves its Web Crypto backend and never its Node body reader. Any
// `node:` import is a build error: the Worker runs without nodejs_compat.
import * as esbuild from 'esbuild';

/** @type {esbuild.Plugin} */
export const noNodeBuiltins = {
  name: 'no-node-builtins',
  setup(build) {
    build.onResolve({ filter: /^node:/ }, (args) => ({
      errors: [{ text: `${args.path} imported by ${args.importer}: not allowed in the Worker bundle` }],
    }));
  },
};

/** Builds one Worker entry into one ESM file. */
export function bundleWorker(entry, outfile) {
  return esbuild.build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['module', 'main'], // platform 'neutral' sets none, which breaks packages without "exports"
    plugins: [noNodeBuiltins],
    logLevel: 'silent',
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await bundleWorker('src/worker.ts', 'dist/worker.js');
  console.log('wrote dist/worker.js');
}
