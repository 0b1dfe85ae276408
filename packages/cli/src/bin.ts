import { runParley } from './main.js';

void runParley(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
