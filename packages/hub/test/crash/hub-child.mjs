/* global process, console */
// A hub in its own process, so a test can kill it with SIGKILL: no shutdown
// code runs, exactly as in a crash. Runs the built hub (dist/), which `npm test`
// builds before any test. Prints one JSON line with its URL once listening.
import { startHub } from '../../dist/index.js';

const dataDir = process.argv[2];
if (!dataDir) {
  console.error('usage: hub-child.mjs <data dir>');
  process.exit(2);
}
const hub = await startHub({ port: 0, dataDir, logLevel: process.env.HUB_LOG ?? 'silent', rateLimit: false, addressRateLimit: false });
process.stdout.write(JSON.stringify({ url: hub.url }) + '\n');
