import { PARLEYS, SERVERS, SERVER_LABELS, type Better, type Measurement, type ParleyKind, type ScenarioName, type ServerKind } from './types.js';

export interface Row {
  scenario: ScenarioName;
  case: string;
  metric: string;
  unit: string;
  better: Better;
  values: Partial<Record<ServerKind, number | null>>;
  /** Parley (on SQLite) against Socket.IO, oriented so > 1 means Parley is better; null when it cannot be a ratio. */
  ratio: number | null;
  /** The same for Parley on PostgreSQL. */
  ratioPg: number | null;
}

/** Where each Parley server's ratio against Socket.IO lives in a row (`ratio` keeps the name it had before parley-pg). */
export const RATIO_KEY = { parley: 'ratio', 'parley-pg': 'ratioPg' } as const satisfies Record<ParleyKind, keyof Row>;

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
};

export function ratioOf(better: Better, parley: number | null | undefined, socketio: number | null | undefined): number | null {
  if (parley == null || socketio == null || !Number.isFinite(parley) || !Number.isFinite(socketio)) return null;
  if (better === 'higher') return socketio > 0 ? parley / socketio : null;
  if (better === 'lower') return parley > 0 ? socketio / parley : null;
  return null;
}

/** Joins every server's measurements into rows, in the order they were first seen. */
export function buildRows(cells: CellOutcome[]): Row[] {
  const rows = new Map<string, Row>();
  for (const cell of cells) {
    for (const m of cell.measurements) {
      const key = `${cell.scenario}\u0000${m.case}\u0000${m.metric}`;
      let row = rows.get(key);
      if (!row) rows.set(key, (row = { scenario: cell.scenario, case: m.case, metric: m.metric, unit: m.unit, better: m.better, values: {}, ratio: null, ratioPg: null }));
      row.values[cell.server] = m.value;
    }
  }
  for (const row of rows.values()) {
    for (const p of PARLEYS) row[RATIO_KEY[p]] = ratioOf(row.better, row.values[p], row.values.socketio);
  }
  return [...rows.values()];
}

export function formatValue(v: number | null | undefined, unit: string): string {
  if (v === undefined) return 'failed';
  if (v === null || Number.isNaN(v)) return 'never';
  if (unit === 'ms') return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
  if (unit === 'KiB') return v.toFixed(1);
  return Math.round(v).toLocaleString('en-US');
}

export function formatRatio(row: Row, parley: ParleyKind = 'parley'): string {
  const ratio = row[RATIO_KEY[parley]];
  if (ratio !== null) return `${ratio.toFixed(2)}×`;
  if (row.better === 'zero') {
    const p = row.values[parley];
    return p === 0 ? 'none (required)' : p === undefined ? 'failed' : `${p} (must be 0)`;
  }
  return 'n/a';
}

/** The Parley stores that get a ratio column: those that ran, when Socket.IO ran too. */
function ratioColumns(servers: readonly ServerKind[]): ParleyKind[] {
  return servers.includes('socketio') ? PARLEYS.filter((p) => servers.includes(p)) : [];
}

/** Columns for the servers that ran (a partial run leaves some out); a ratio column needs both peers. */
function header(servers: readonly ServerKind[]): string[] {
  const ratios = ratioColumns(servers).map((p) => `${SERVER_LABELS[p]} vs Socket.IO`);
  return ['Scenario', 'Case', 'Metric', ...servers.map((s) => SERVER_LABELS[s]), ...ratios];
}

function cellsOf(row: Row, servers: readonly ServerKind[]): string[] {
  const ratios = ratioColumns(servers).map((p) => formatRatio(row, p));
  return [SCENARIO_TITLES[row.scenario], row.case, `${row.metric} (${row.unit})`, ...servers.map((s) => formatValue(row.values[s], row.unit)), ...ratios];
}

export function markdownTable(rows: Row[], servers: readonly ServerKind[] = SERVERS): string {
  const h = header(servers);
  const lines = [`| ${h.join(' | ')} |`, `|${h.map((_, i) => (i >= 3 ? '---:' : '---')).join('|')}|`];
  for (const row of rows) lines.push(`| ${cellsOf(row, servers).join(' | ')} |`);
  return lines.join('\n');
}

/** A fixed-width table for the terminal. */
export function textTable(rows: Row[], servers: readonly ServerKind[] = SERVERS): string {
  const h = header(servers);
  const body = rows.map((r) => cellsOf(r, servers));
  const widths = h.map((c, i) => Math.max(c.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i >= 3 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
  return [line(h), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}
