#!/usr/bin/env node
// `npm start` lands here after install and build: the example bot's demo (a
// hub on embedded SQLite, the bot, and a second agent talking to it), passing
// any extra arguments through (e.g. --port 9000 --exit).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const demo = fileURLToPath(new URL('../apps/example-bot/dist/demo.js', import.meta.url));
const r = spawnSync(process.execPath, [demo, ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(r.status ?? 1);
