import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';

/**
 * A flame graph picture (SVG) of a V8 `.cpuprofile`, as `pnpm bench
 * --profile` writes them:
 *
 *   node dist/flamegraph.js results/profiles/reqres-parley-server.cpuprofile out.svg [--title "..."]
 *
 * Written here rather than taken from a package: the flame graph renderers on
 * npm draw in a browser (d3-flame-graph, speedscope) and Debian has no
 * FlameGraph package; a picture that can be committed beside the figures needs
 * none of that. Each box is a function in one call path, as wide as the time
 * spent in it and below it; identical paths are merged; idle time is left out,
 * so the widths are shares of the busy time. Colours say where the time is:
 * SQLite (the better-sqlite3 calls), the hub's own code, its libraries, Node
 * internals, GC.
 */

interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: CpuProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

interface Frame {
  name: string;
  kind: Kind;
  /** Coloured as SQLite by its name alone (a hub function called run/get/...): checked once the times are known. */
  byName: boolean;
  self: number;
  total: number;
  children: Map<string, Frame>;
}

type Kind = 'sqlite' | 'hub' | 'library' | 'node' | 'gc' | 'other';

const COLORS: Record<Kind, string> = {
  sqlite: '#e07b39',
  hub: '#4c9be8',
  library: '#8bc34a',
  node: '#b0b0b0',
  gc: '#e05555',
  other: '#d8c36a',
};
const LEGEND: Record<Kind, string> = {
  sqlite: 'SQLite (better-sqlite3)',
  hub: 'Parley',
  library: 'libraries (ws, zod, kysely, pino...)',
  node: 'Node internals',
  gc: 'garbage collector',
  other: 'other',
};

const SQLITE_CALLS = new Set(['run', 'get', 'all', 'exec', 'pragma', 'prepare', 'iterate']);

/**
 * V8 does not sample inside a native call: the time better-sqlite3 spends in
 * SQLite is the self time of the hub's small wrappers that call it
 * (`run`/`get`/`all`/`exec` in the store). Those names are guessed as SQLite
 * here; buildTree turns a guess back into the hub's own code when most of the
 * frame's time is in JavaScript below it (the dispatcher's `run`, say).
 */
const isStatementCall = (fn: string, url: string) => SQLITE_CALLS.has(fn) && /hub\/(dist|src)\//.test(url);

function kindOf(fn: string, url: string): Kind {
  if (fn === '(garbage collector)') return 'gc';
  if (url.includes('better-sqlite3') || isStatementCall(fn, url)) return 'sqlite';
  if (url.includes('node_modules')) return 'library';
  if (/packages\/(hub|protocol|client)\//.test(url)) return 'hub';
  if (url.startsWith('node:') || url === '') return 'node';
  return 'other';
}

function label(fn: string, url: string, line: number): string {
  const file = url ? basename(url.replace(/^file:\/\//, '')) : '';
  return file ? `${fn || '(anonymous)'} ${file}:${line + 1}` : fn || '(anonymous)';
}

/** Merges the profile's call tree by frame label, weighting each node by its samples' time. */
function buildTree(profile: CpuProfile): Frame {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfTime = new Map<number, number>();
  profile.samples.forEach((id, i) => selfTime.set(id, (selfTime.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const root: Frame = { name: 'all', kind: 'other', byName: false, self: 0, total: 0, children: new Map() };
  const rootNode = profile.nodes[0];
  if (!rootNode) return root;
  const walk = (node: CpuProfileNode, into: Frame): void => {
    for (const childId of node.children ?? []) {
      const child = byId.get(childId);
      if (!child) continue;
      const { functionName, url, lineNumber } = child.callFrame;
      if (functionName === '(idle)' || functionName === '(program)') continue;
      const name = label(functionName, url, lineNumber);
      let frame = into.children.get(name);
      if (!frame) {
        frame = { name, kind: kindOf(functionName, url), byName: isStatementCall(functionName, url), self: 0, total: 0, children: new Map() };
        into.children.set(name, frame);
      }
      frame.self += selfTime.get(child.id) ?? 0;
      walk(child, frame);
    }
  };
  walk(rootNode, root);
  const sum = (f: Frame): number => (f.total = f.self + [...f.children.values()].reduce((t, c) => t + sum(c), 0));
  sum(root);
  const settle = (f: Frame): void => {
    if (f.byName && f.self < f.total / 2) f.kind = 'hub';
    f.children.forEach(settle);
  };
  settle(root);
  return root;
}

/** Each kind's share of the busy time, by self time: "SQLite 66%, Parley 14%, ...". */
export function sharesOf(root: Frame): string {
  const self = new Map<Kind, number>();
  const add = (f: Frame): void => {
    self.set(f.kind, (self.get(f.kind) ?? 0) + f.self);
    f.children.forEach(add);
  };
  add(root);
  return (Object.keys(LEGEND) as Kind[])
    .filter((k) => (self.get(k) ?? 0) > 0)
    .map((k) => `${LEGEND[k].replace(/ \(.*$/, '')} ${Math.round(((self.get(k) ?? 0) / (root.total || 1)) * 100)}%`)
    .join(', ');
}

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function renderFlameGraph(profile: CpuProfile, title: string): { svg: string; shares: string } {
  const root = buildTree(profile);
  const shares = sharesOf(root);
  const width = 1600;
  const rowHeight = 17;
  const top = 64;
  const boxes: string[] = [];
  let depthMax = 0;
  // Top-down (icicle): callers above callees, the widest paths first.
  const draw = (frame: Frame, x: number, depth: number): void => {
    const w = (frame.total / root.total) * width;
    if (w < 0.3) return;
    depthMax = Math.max(depthMax, depth);
    const y = top + depth * rowHeight;
    const share = ((frame.total / root.total) * 100).toFixed(1);
    const text = w > 40 ? `<text x="${(x + 3).toFixed(1)}" y="${y + 12}">${escape(fitText(frame.name, w))}</text>` : '';
    boxes.push(
      `<g><title>${escape(frame.name)}: ${share}% of busy time (self ${((frame.self / root.total) * 100).toFixed(1)}%)</title>` +
        `<rect x="${x.toFixed(1)}" y="${y}" width="${Math.max(0.3, w - 0.5).toFixed(1)}" height="${rowHeight - 1}" fill="${frame.kind === 'other' && depth === 0 ? '#ddd' : COLORS[frame.kind]}"/>${text}</g>`,
    );
    let cx = x;
    for (const child of [...frame.children.values()].sort((a, b) => b.total - a.total)) {
      draw(child, cx, depth + 1);
      cx += (child.total / root.total) * width;
    }
  };
  draw(root, 0, 0);
  const height = top + (depthMax + 1) * rowHeight + 10;
  const legend = (Object.keys(LEGEND) as Kind[])
    .map((k, i) => `<rect x="${10 + i * 250}" y="26" width="12" height="12" fill="${COLORS[k]}"/><text x="${26 + i * 250}" y="37">${escape(LEGEND[k])}</text>`)
    .join('');
  const svg = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="monospace" font-size="11">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="16" font-size="14">${escape(title)} (busy time ${(root.total / 1e6).toFixed(1)} s; idle left out)</text>`,
    legend,
    `<text x="10" y="${top - 10}">self time: ${escape(shares)}</text>`,
    ...boxes,
    '</svg>',
  ].join('\n');
  return { svg, shares };
}

/** Roughly what fits in `w` pixels of 11 px monospace. */
function fitText(s: string, w: number): string {
  const max = Math.floor((w - 6) / 6.6);
  return s.length <= max ? s : s.slice(0, Math.max(0, max - 1)) + '…';
}

const isMain = process.argv[1] !== undefined && import.meta.url.endsWith(basename(process.argv[1]));
if (isMain) {
  const [input, output] = process.argv.slice(2);
  const titleAt = process.argv.indexOf('--title');
  if (!input || !output) {
    console.error('usage: node dist/flamegraph.js <profile.cpuprofile> <out.svg> [--title TEXT]');
    process.exit(2);
  }
  const title = titleAt > 0 ? (process.argv[titleAt + 1] ?? basename(input)) : basename(input);
  const { svg, shares } = renderFlameGraph(JSON.parse(readFileSync(input, 'utf8')) as CpuProfile, title);
  writeFileSync(output, svg);
  console.log(`wrote ${output} (self time: ${shares})`);
}
