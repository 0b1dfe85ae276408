/**
 * The servers, in this order: Parley on each store, then its durable peers,
 * then the rest, then Parley as two hubs (which only the cross-hub scenario
 * runs: see `runsOn`).
 */
export const SERVERS = ['parley', 'parley-pg', 'jetstream', 'socketio-sqlite', 'socketio', 'ws', 'parley-cluster'] as const;
export type ServerKind = (typeof SERVERS)[number];
/** The hub on each of its stores: each gets its own ratio against each peer. */
export const PARLEYS = ['parley', 'parley-pg'] as const;
export type ParleyKind = (typeof PARLEYS)[number];
/** What each Parley store is compared with (raw ws is the ceiling, not a competitor). */
export const PEERS = ['socketio', 'jetstream', 'socketio-sqlite'] as const;
export type PeerKind = (typeof PEERS)[number];

export const SERVER_LABELS: Record<ServerKind, string> = {
  parley: 'Parley',
  'parley-pg': 'Parley (PostgreSQL)',
  jetstream: 'NATS JetStream',
  'socketio-sqlite': 'Socket.IO + SQLite',
  socketio: 'Socket.IO',
  ws: 'raw ws',
  'parley-cluster': 'Parley, 2 hubs (PostgreSQL + Redis)',
};

/** The peers' names in ratio column headers ("Parley vs JetStream"). */
export const PEER_LABELS: Record<PeerKind, string> = {
  socketio: 'Socket.IO',
  jetstream: 'JetStream',
  'socketio-sqlite': 'Socket.IO + SQLite',
};

export const SCENARIOS = ['reqres', 'fanout', 'connections', 'storm', 'crosshub'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

/**
 * The cost of crossing hubs: Parley on PostgreSQL as one hub (`parley-pg`)
 * against two hubs of one cluster (`parley-cluster`). The other servers
 * have no second hub to cross to, and the two-hub server runs nothing else.
 */
export const HUB_COUNTS = ['parley-pg', 'parley-cluster'] as const;

/** Whether `pnpm bench` runs `scenario` against `server` (every pair but those above). */
export function runsOn(scenario: ScenarioName, server: ServerKind): boolean {
  if (scenario === 'crosshub') return (HUB_COUNTS as readonly ServerKind[]).includes(server);
  return server !== 'parley-cluster';
}

/** Which way a figure is good; ratios are oriented so that > 1 means Parley is better. */
export type Better = 'higher' | 'lower' | 'zero';

/** One measured figure of one scenario case, for one server. */
export interface Measurement {
  case: string;
  metric: string;
  unit: string;
  better: Better;
  /** null: never happened (e.g. not every client got every message), or see `notApplicable`. NaN does not survive JSON. */
  value: number | null;
  /** Why this figure does not exist for this server (value is then null, and tables show "n/a", not "never"). */
  notApplicable?: string;
}

/** Sizes of every scenario; `full` is what `pnpm bench` runs, `smoke` keeps CI's harness check short. */
export interface BenchParams {
  reqres: { durationMs: number; warmupMs: number; inFlight: number[]; connections: number; inFlightPerConnection: number };
  fanout: { subscribers: number; messages: number; window: number };
  connections: { count: number; settleMs: number };
  storm: { clients: number; ratePerSecond: number; beforeCutMs: number; afterCutMs: number; deadlineMs: number };
  crosshub: { durationMs: number; warmupMs: number; inFlight: number[]; pairs: number; inFlightPerPair: number };
}

export interface LoadJob {
  scenario: ScenarioName;
  server: ServerKind;
  /** Base URL of the server, http://127.0.0.1:port. */
  url: string;
  /** Every hub of the server, `url` first: one, or two for `parley-cluster`. */
  urls: string[];
  /** Set for the storm: the same server reached through the proxy that cuts connections. */
  proxyUrl?: string;
  params: BenchParams;
}

export interface MemoryReport {
  rss: number;
  /** The V8 heap in use; null for a server that is not a Node process (nats-server is a Go program). */
  heapUsed: number | null;
}

// ---- IPC between the orchestrator and its children ------------------------

/** A child asks the orchestrator to forward a question to another child (server or proxy). */
export interface AskMessage {
  type: 'ask';
  id: number;
  to: 'server' | 'proxy';
  what: 'mem' | 'cut' | 'cpu';
}

export interface AnswerMessage {
  type: 'answer';
  id: number;
  value?: unknown;
  error?: string;
}

export type ChildMessage =
  /** `peers`: the ports of the server's further hubs (a cluster), if it has any. */
  | { type: 'ready'; port: number; peers?: number[] }
  | { type: 'result'; measurements: Measurement[]; notes: string[] }
  | { type: 'failed'; error: string }
  | AskMessage
  | AnswerMessage;

export type ParentMessage = { type: 'run'; job: LoadJob } | { type: 'stop' } | AskMessage | AnswerMessage;
