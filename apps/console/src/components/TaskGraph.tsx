import { useId } from 'react';
import type { ResultOf } from '@parley/client';
import type { TaskStatus } from '@parley/protocol';
import { MAX_ITEMS } from '../hooks.js';

type Graph = ResultOf<'task/graph'>;
type GraphNode = Graph['nodes'][number];

const NODE_W = 184;
const NODE_H = 58;
const GAP_X = 56;
const GAP_Y = 18;
const PAD = 12;

/** Fill and border per status; the status is also written in each node, so colour is never the only sign. */
export const STATUS_COLOURS: Record<TaskStatus, { fill: string; stroke: string }> = {
  todo: { fill: '#eef2f7', stroke: '#5b6b82' },
  doing: { fill: '#dbeafe', stroke: '#1d4ed8' },
  review: { fill: '#fef3c7', stroke: '#a16207' },
  done: { fill: '#dcfce7', stroke: '#15803d' },
  blocked: { fill: '#fee2e2', stroke: '#b91c1c' },
  cancelled: { fill: '#f3f4f6', stroke: '#6b7280' },
};

/**
 * Columns by depth: a task sits one column right of the deepest task it
 * waits for, so every edge points right. Within a column, tasks are ordered
 * by where their dependencies sit, which keeps most edges from crossing.
 */
function layout(nodes: GraphNode[], edges: Graph['edges']) {
  const ids = new Set(nodes.map((n) => n.task_id));
  const deps = new Map<string, string[]>(nodes.map((n) => [n.task_id, []]));
  const outs = new Map<string, string[]>(nodes.map((n) => [n.task_id, []]));
  for (const e of edges) {
    if (!ids.has(e.from) || !ids.has(e.to)) continue;
    deps.get(e.to)!.push(e.from);
    outs.get(e.from)!.push(e.to);
  }
  const depth = new Map<string, number>();
  const waiting = new Map([...deps].map(([id, d]) => [id, d.length]));
  const queue = nodes.filter((n) => waiting.get(n.task_id) === 0).map((n) => n.task_id);
  for (const id of queue) depth.set(id, 0);
  while (queue.length > 0) {
    const id = queue.shift()!;
    for (const next of outs.get(id)!) {
      depth.set(next, Math.max(depth.get(next) ?? 0, depth.get(id)! + 1));
      const left = waiting.get(next)! - 1;
      waiting.set(next, left);
      if (left === 0) queue.push(next);
    }
  }
  // The hub refuses cycles; should one ever come, its tasks still get drawn, in the first column.
  for (const n of nodes) if (!depth.has(n.task_id)) depth.set(n.task_id, 0);

  const columns: string[][] = [];
  for (const n of nodes) (columns[depth.get(n.task_id)!] ??= []).push(n.task_id);
  const row = new Map<string, number>();
  columns.forEach((col, c) => {
    if (c > 0) {
      const weight = (id: string) => {
        const d = deps.get(id)!.map((p) => row.get(p) ?? 0);
        return d.length ? d.reduce((a, b) => a + b, 0) / d.length : 0;
      };
      col.sort((a, b) => weight(a) - weight(b));
    }
    col.forEach((id, r) => row.set(id, r));
  });
  const pos = new Map<string, { x: number; y: number }>();
  for (const [id, d] of depth) pos.set(id, { x: PAD + d * (NODE_W + GAP_X), y: PAD + row.get(id)! * (NODE_H + GAP_Y) });
  const width = PAD * 2 + Math.max(1, columns.length) * (NODE_W + GAP_X) - GAP_X;
  const height = PAD * 2 + Math.max(1, ...columns.map((c) => c.length)) * (NODE_H + GAP_Y) - GAP_Y;
  return { pos, width, height, deps };
}

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** A pipeline's tasks as a graph of stages and dependencies (SVG), with the same facts as a list for screen readers. */
export function TaskGraph({ graph }: { graph: Graph }) {
  const id = useId();
  const nodes = graph.nodes.slice(0, MAX_ITEMS);
  const { pos, width, height, deps } = layout(nodes, graph.edges);
  const titles = new Map(nodes.map((n) => [n.task_id, n.title]));
  return (
    <figure className="graph">
      <div className="graph-scroll" tabIndex={0} role="group" aria-label="Pipeline graph (scrolls)">
        <svg width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-labelledby={`${id}-t`}>
          <title id={`${id}-t`}>
            {`Pipeline graph: ${nodes.length} tasks, ${graph.edges.length} dependencies`}
          </title>
          <defs>
            <marker id={`${id}-arrow`} viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
              <path d="M 0 0 L 10 5 L 0 10 z" fill="#475569" />
            </marker>
          </defs>
          {graph.edges.map((e) => {
            const a = pos.get(e.from);
            const b = pos.get(e.to);
            if (!a || !b) return null;
            const x1 = a.x + NODE_W;
            const y1 = a.y + NODE_H / 2;
            const x2 = b.x - 2;
            const y2 = b.y + NODE_H / 2;
            const mid = (x1 + x2) / 2;
            return (
              <path
                key={`${e.from}>${e.to}`}
                d={`M ${x1} ${y1} C ${mid} ${y1}, ${mid} ${y2}, ${x2} ${y2}`}
                fill="none"
                stroke="#475569"
                strokeWidth="1.5"
                markerEnd={`url(#${id}-arrow)`}
              />
            );
          })}
          {nodes.map((n) => {
            const p = pos.get(n.task_id)!;
            const c = STATUS_COLOURS[n.status];
            return (
              <g key={n.task_id} transform={`translate(${p.x} ${p.y})`} data-status={n.status}>
                <title>{`${n.title}: ${n.status}${n.ready && n.status === 'todo' ? ' (ready)' : ''}`}</title>
                <rect width={NODE_W} height={NODE_H} rx="8" fill={c.fill} stroke={c.stroke} strokeWidth={n.status === 'doing' ? 3 : 1.5} />
                <text x="10" y="22" fontSize="13" fontWeight="600" fill="#0f172a">
                  {clip(n.title, 22)}
                </text>
                <text x="10" y="42" fontSize="12" fill="#1e293b">
                  {n.status}
                  {n.ready && n.status === 'todo' ? ' · ready' : ''}
                  {n.runner_id ? ` · ${n.runner_id.slice(0, 8)}…` : ''}
                </text>
              </g>
            );
          })}
        </svg>
      </div>
      <figcaption>
        <ul className="legend" aria-label="Status colours">
          {(Object.keys(STATUS_COLOURS) as TaskStatus[]).map((s) => (
            <li key={s}>
              <span className="swatch" style={{ background: STATUS_COLOURS[s].fill, borderColor: STATUS_COLOURS[s].stroke }} aria-hidden="true" />
              {s}
            </li>
          ))}
        </ul>
      </figcaption>
      <div className="table-wrap">
        <table>
          <caption className="visually-hidden">The tasks of the pipeline</caption>
          <thead>
            <tr>
              <th scope="col">Task</th>
              <th scope="col">Status</th>
              <th scope="col">Waits for</th>
            </tr>
          </thead>
          <tbody>
            {nodes.map((n) => (
              <tr key={n.task_id}>
                <td>{n.title}</td>
                <td>
                  <span className={`status-pill status-${n.status}`}>{n.status}</span>
                  {n.ready && n.status === 'todo' ? ' (ready)' : ''}
                </td>
                <td>{deps.get(n.task_id)!.map((d) => titles.get(d) ?? d).join(', ') || '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </figure>
  );
}
