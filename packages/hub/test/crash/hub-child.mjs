/* global process, console */
// A hub in its own process, so a test can kill it with SIGKILL: no shutdown
// code runs, exactly as in a crash. Runs the built hub (dist/), which `npm test`
// builds before any test. Its store is the test run's (PARLEY_TEST_STORE),
// the same for every child on one data dir. Prints one JSON line with its URL once listening.
import { startHub } from '../../dist/index.js';
import { testHubOptions } from '../../dist/testing.js';

const dataDir = process.argv[2];
if (!dataDir) {
  console.error('usage: hub-child.mjs <data dir>');
  process.exit(2);
}
const hub = await startHub({ port: 0, dataDir, ...testHubOptions(dataDir), logLevel: process.env.HUB_LOG ?? 'silent', rateLimit: false, addressRateLimit: false });
process.stdout.write(JSON.stringify({ url: hub.url }) + '\n');
