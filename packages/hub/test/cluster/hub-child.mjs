/* global process, console */
// A hub of a cluster in its own process, so a test can kill it with SIGKILL
// (no shutdown code runs: its sessions, leases and timers are left for the
// other hubs to take over). Runs the built hub (dist/), which `npm test`
// builds first. argv[2]: startHub options as JSON. Prints {url} once listening.
import { startHub } from '../../dist/index.js';

const opts = JSON.parse(process.argv[2] ?? 'null');
if (!opts) {
  console.error('usage: hub-child.mjs <startHub options as JSON>');
  process.exit(2);
}
const hub = await startHub({ port: 0, logLevel: process.env.HUB_LOG ?? 'silent', ...opts });
process.stdout.write(JSON.stringify({ url: hub.url }) + '\n');
