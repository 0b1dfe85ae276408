import type { BenchParams } from './types.js';

/** What `pnpm bench` runs: the sizes the issue names. */
export const FULL: BenchParams = {
  reqres: { durationMs: 5000, warmupMs: 1000, inFlight: [1, 16, 256], connections: 64, inFlightPerConnection: 4 },
  fanout: { subscribers: 1000, messages: 2000, window: 8 },
  connections: { count: 5000, settleMs: 2000 },
  storm: { clients: 1000, ratePerSecond: 20, beforeCutMs: 2000, afterCutMs: 5000, deadlineMs: 60_000 },
  crosshub: { durationMs: 5000, warmupMs: 1000, inFlight: [1, 16], pairs: 32, inFlightPerPair: 4 },
};

/** `--smoke`: every code path of the harness in seconds, for CI. Its figures mean nothing. */
export const SMOKE: BenchParams = {
  reqres: { durationMs: 300, warmupMs: 100, inFlight: [1, 16], connections: 4, inFlightPerConnection: 2 },
  fanout: { subscribers: 20, messages: 100, window: 8 },
  connections: { count: 50, settleMs: 100 },
  storm: { clients: 20, ratePerSecond: 50, beforeCutMs: 500, afterCutMs: 500, deadlineMs: 20_000 },
  crosshub: { durationMs: 300, warmupMs: 100, inFlight: [1, 4], pairs: 2, inFlightPerPair: 2 },
};
