#!/usr/bin/env node
// The command. It exists before `pnpm build`, so installing the workspace links it without a
// warning; the program itself is dist/bin.js.
import '../dist/bin.js';
