#!/usr/bin/env node
// The `parley` command. It lives in the source tree, not in dist/, on purpose:
// pnpm links a workspace package's bin when it installs, before anything is
// built, and skips a bin whose file does not exist yet. A committed file is
// linked on every install, so `npx parley` works as soon as the build has
// run, whatever order install and build ran in. It only loads the build.
import { existsSync } from 'node:fs';

const built = new URL('../dist/bin.js', import.meta.url);
if (!existsSync(built)) {
  process.stderr.write('parley: the CLI is not built yet: run "pnpm build" (or "npm start") at the repository root first\n');
  process.exit(1);
}
await import(built.href);
