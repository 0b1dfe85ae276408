#!/usr/bin/env node
// `npm start` lands here after install and build: run `parley demo` from the
// built CLI, passing any extra arguments through (e.g. --port 9000 --exit).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../packages/cli/dist/bin.js', import.meta.url));
const r = spawnSync(process.execPath, [bin, 'demo', ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(r.status ?? 1);
