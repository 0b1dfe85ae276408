import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Where Debian's `nats-server` package puts the binary, for when /usr/sbin is not on PATH. */
const DEBIAN_PATH = '/usr/sbin/nats-server';

/** Names the binary to use instead of looking for one (another build; or a missing path, to see what happens without one). */
const OVERRIDE = 'PARLEY_BENCH_NATS_SERVER';

const executable = (file: string): boolean => {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** The nats-server binary to run: $PARLEY_BENCH_NATS_SERVER if set, else the first on PATH, else Debian's; null when there is none. */
export function findNatsServer(): string | null {
  const chosen = process.env[OVERRIDE];
  if (chosen) return executable(chosen) ? chosen : null;
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  return [...dirs.map((d) => join(d, 'nats-server')), DEBIAN_PATH].find(executable) ?? null;
}

/** Why the `jetstream` server cannot run here: the orchestrator prints it and the server fails with it. */
export function natsMissing(): string {
  const chosen = process.env[OVERRIDE];
  return chosen
    ? `jetstream needs the nats-server binary: ${OVERRIDE}=${chosen} is not an executable file`
    : `jetstream needs the nats-server binary: it is not on PATH nor at ${DEBIAN_PATH} (apt-get install nats-server)`;
}
