import {
  HUB_COUNTS,
  PARLEYS,
  PEERS,
  PEER_LABELS,
  SERVERS,
  SERVER_LABELS,
  type Better,
  type Measurement,
  type ParleyKind,
  type PeerKind,
  type ScenarioName,
  type ServerKind,
} from './types.js';

/** Where each Parley store's ratio against each peer lives in a row (`ratio` and `ratioPg` keep the names they had). */
export const RATIO_KEYS = {
  parley: { socketio: 'ratio', jetstream: 'ratioJs', 'socketio-sqlite': 'ratioSioSql' },
  'parley-pg': { socketio: 'ratioPg', jetstream: 'ratioPgJs', 'socketio-sqlite': 'ratioPgSioSql' },
} as const satisfies Record<ParleyKind, Record<PeerKind, string>>;
export type RatioKey = (typeof RATIO_KEYS)[ParleyKind][PeerKind];

export type Row = {
  scenario: ScenarioName;
  case: string;
  metric: string;
  unit: string;
  better: Better;
  values: Partial<Record<ServerKind, number | null>>;
  /** Servers for which this figure does not exist, and why (their value is null). */
  notApplicable?: Partial<Record<ServerKind, string>>;
  /**
   * Two hubs against one (`parley-cluster` ÷ `parley-pg`), plain, not
   * oriented: above 1 is more of the figure with two hubs (more calls/s, a
   * longer latency, more CPU per call); null unless both ran.
   */
  ratioHubs: number | null;
} & {
  /** A Parley store against a peer, oriented so > 1 means Parley is better; null when it cannot be a ratio. */
  [K in RatioKey]: number | null;
};

export interface CellOutcome {
  scenario: ScenarioName;
  server: ServerKind;
  measurements: Measurement[];
  notes: string[];
  error?: string;
}

export const SCENARIO_TITLES: Record<ScenarioName, string> = {
  reqres: 'Request/response',
  fanout: 'Fan-out',
  connections: 'Connections',
  storm: 'Reconnect storm',
  crosshub: 'Across hubs',
};

export function ratioOf(better: Better, parley: number | null | undefined, peer: number | null | undefined): number | null {
  if (parley == null || peer == null || !Number.isFinite(parley) || !Number.isFinite(peer)) return null;
  if (better === 'higher') return peer > 0 ? parley / peer : null;
  if (better === 'lower') return parley > 0 ? peer / parley : null;
  return null;
}

/** `a ÷ b`, or null when either is missing or b is 0. */
export function plainRatio(a: number | null | undefined, b: number | null | undefined): number | null {
  if (a == null || b == null || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) return null;
  return a / b;
}

const NO_RATIOS = {
  ...(Object.fromEntries(PARLEYS.flatMap((p) => PEERS.map((peer) => [RATIO_KEYS[p][peer], null]))) as Record<RatioKey, null>),
  ratioHubs: null,
};

/** Joins every server's measurements into rows, in the order they were first seen. */
export function buildRows(cells: CellOutcome[]): Row[] {
  const rows = new Map<string, Row>();
  for (const cell of cells) {
    for (const m of cell.measurements) {
      const key = `${cell.scenario}\u0000${m.case}\u0000${m.metric}`;
      let row = rows.get(key);
      if (!row) rows.set(key, (row = { scenario: cell.scenario, case: m.case, metric: m.metric, unit: m.unit, better: m.better, values: {}, ...NO_RATIOS }));
      row.values[cell.server] = m.value;
      if (m.notApplicable !== undefined) (row.notApplicable ??= {})[cell.server] = m.notApplicable;
    }
  }
  for (const row of rows.values()) {
    for (const p of PARLEYS) for (const peer of PEERS) row[RATIO_KEYS[p][peer]] = ratioOf(row.better, row.values[p], row.values[peer]);
    row.ratioHubs = plainRatio(row.values['parley-cluster'], row.values['parley-pg']);
  }
  return [...rows.values()];
}

export function formatValue(v: number | null | undefined, unit: string, notApplicable = false): string {
  if (notApplicable) return 'n/a';
  if (v === undefined) return 'failed';
  if (v === null || Number.isNaN(v)) return 'never';
  if (unit === 'ms') return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
  if (unit === 'KiB') return v.toFixed(1);
  return Math.round(v).toLocaleString('en-US');
}

export function formatRatio(row: Row, parley: ParleyKind = 'parley', peer: PeerKind = 'socketio'): string {
  const ratio = row[RATIO_KEYS[parley][peer]];
  if (ratio !== null) return `${ratio.toFixed(2)}×`;
  if (row.better === 'zero') {
    const p = row.values[parley];
    return p === 0 ? 'none (required)' : p === undefined ? 'failed' : `${p} (must be 0)`;
  }
  return 'n/a';
}

/** A table wider than this moves the PostgreSQL store's ratios to a table of their own below. */
const MAX_COLUMNS = 12;

type Pair = readonly [ParleyKind, PeerKind];

/** The ratio columns of one Parley store: a column per peer, when both ran. */
function pairsOf(parley: ParleyKind, servers: readonly ServerKind[]): Pair[] {
  return servers.includes(parley) ? PEERS.filter((peer) => servers.includes(peer)).map((peer) => [parley, peer] as const) : [];
}

interface Table {
  header: string[];
  body: string[][];
}

/**
 * The tables for the servers that ran (a partial run leaves some out): the
 * scenarios every server runs, then the cross-hub scenario, which has
 * columns of its own (one hub, two hubs, their ratio).
 */
function tables(rows: Row[], servers: readonly ServerKind[]): Table[] {
  const hubRows = rows.filter((r) => r.scenario === 'crosshub');
  const otherRows = rows.filter((r) => r.scenario !== 'crosshub');
  const out = otherRows.length > 0 || hubRows.length === 0 ? peerTables(otherRows, servers.filter((s) => s !== 'parley-cluster')) : [];
  if (hubRows.length > 0) out.push(hubsTable(hubRows, servers));
  return out;
}

/** One hub against two: the values of each, and two hubs ÷ one hub when both ran. */
function hubsTable(rows: Row[], servers: readonly ServerKind[]): Table {
  const ran = HUB_COUNTS.filter((s) => servers.includes(s));
  const both = ran.length === HUB_COUNTS.length;
  return {
    header: ['Scenario', 'Case', 'Metric', ...ran.map((s) => SERVER_LABELS[s]), ...(both ? ['2 hubs ÷ 1 hub'] : [])],
    body: rows.map((r) => [
      SCENARIO_TITLES[r.scenario],
      r.case,
      `${r.metric} (${r.unit})`,
      ...ran.map((s) => formatValue(r.values[s], r.unit)),
      ...(both ? [r.ratioHubs === null ? 'n/a' : `${r.ratioHubs.toFixed(2)}×`] : []),
    ]),
  };
}

/**
 * The scenarios every server runs: the values with every ratio, SQLite's
 * before PostgreSQL's; or, when that is too wide to read, the values with
 * SQLite's ratios and then a second table with PostgreSQL's.
 */
function peerTables(rows: Row[], servers: readonly ServerKind[]): Table[] {
  const [sqlite, pg] = PARLEYS.map((p) => pairsOf(p, servers)) as [Pair[], Pair[]];
  const head = (row: Row) => [SCENARIO_TITLES[row.scenario], row.case, `${row.metric} (${row.unit})`];
  const values = (row: Row) => servers.map((s) => formatValue(row.values[s], row.unit, row.notApplicable?.[s] !== undefined));
  const ratios = (row: Row, pairs: Pair[]) => pairs.map(([p, peer]) => formatRatio(row, p, peer));
  const ratioHeaders = (pairs: Pair[]) => pairs.map(([p, peer]) => `${SERVER_LABELS[p]} vs ${PEER_LABELS[peer]}`);
  const leading = ['Scenario', 'Case', 'Metric'];
  const together = 3 + servers.length + sqlite.length + pg.length <= MAX_COLUMNS || sqlite.length === 0 || pg.length === 0;
  const first = together ? [...sqlite, ...pg] : sqlite;
  const out: Table[] = [
    { header: [...leading, ...servers.map((s) => SERVER_LABELS[s]), ...ratioHeaders(first)], body: rows.map((r) => [...head(r), ...values(r), ...ratios(r, first)]) },
  ];
  if (!together) out.push({ header: [...leading, ...ratioHeaders(pg)], body: rows.map((r) => [...head(r), ...ratios(r, pg)]) });
  return out;
}

export function markdownTable(rows: Row[], servers: readonly ServerKind[] = SERVERS): string {
  return tables(rows, servers)
    .map(({ header, body }) =>
      [`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i >= 3 ? '---:' : '---')).join('|')}|`, ...body.map((cells) => `| ${cells.join(' | ')} |`)].join('\n'),
    )
    .join('\n\n');
}

/** Fixed-width tables for the terminal. */
export function textTable(rows: Row[], servers: readonly ServerKind[] = SERVERS): string {
  return tables(rows, servers)
    .map(({ header, body }) => {
      const widths = header.map((c, i) => Math.max(c.length, ...body.map((r) => r[i]!.length)));
      const line = (cells: string[]) => cells.map((c, i) => (i >= 3 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
      return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
    })
    .join('\n\n');
}
