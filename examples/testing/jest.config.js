// Jest runs TypeScript through @swc/jest and keeps it ESM (run with --experimental-vm-modules);
// the mapper lets `../src/app.js` find `app.ts`, as TypeScript's NodeNext imports are written.
export default {
  roots: ['<rootDir>/jest'],
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'es6' } }] },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
};
