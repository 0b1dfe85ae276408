import { useEffect, useId, useRef, useState } from 'react';
import type { Pipeline, Task, TaskStatus } from '@parley/protocol';
import { count } from '../format.js';
import { useAgentQuery, usePaged, usePush } from '../hooks.js';
import { href } from '../router.js';
import { NeedsAgent } from '../components/NeedsAgent.js';
import { TaskGraph } from '../components/TaskGraph.js';
import { ErrorAlert, ListState, Pending, MoreButton, Time } from '../components/States.js';
import { STATUSES } from './TasksView.js';

/** Pipelines, and the selected one drawn as a graph of its tasks that redraws as they move. */
export function PipelinesView({ path }: { path: string[] }) {
  const [mine, setMine] = useState(true);
  const id = useId();
  const list = usePaged<Pipeline>(
    async (c, cursor) => {
      const r = await c.call('pipeline/list', { mine, limit: 50, ...(cursor ? { cursor } : {}) });
      return { items: r.pipelines, next: r.next_cursor };
    },
    (p) => p.pipeline_id,
    [mine],
  );
  // Without a choice in the address, the agent's default pipeline (where its tasks land) is shown.
  const selected = path[0] ?? (list.items.find((p) => p.is_default) ?? list.items[0])?.pipeline_id;
  return (
    <>
      <h1>Pipelines</h1>
      <NeedsAgent>
        <div className="split">
          <aside className="threads" aria-labelledby={`${id}-h`}>
            <h2 id={`${id}-h`}>Pipelines</h2>
            <label className="check">
              <input type="checkbox" checked={mine} onChange={(e) => setMine(e.target.checked)} /> Only this agent&apos;s
            </label>
            <ListState loading={list.loading} error={list.error} count={list.items.length} what="pipelines" empty="No pipelines." />
            <ul className="plain nav-list">
              {list.items.map((p) => (
                <li key={p.pipeline_id}>
                  <a href={href('pipelines', p.pipeline_id)} aria-current={p.pipeline_id === selected ? 'page' : undefined}>
                    {p.name}
                    {p.is_default ? ' (default)' : ''}
                    <span className="snippet">
                      {p.state} · {count(total(p.counts), 'task')}
                    </span>
                  </a>
                </li>
              ))}
            </ul>
            <MoreButton hasMore={list.hasMore} loading={list.loading} onMore={list.loadMore} />
          </aside>
          <div className="pane">{selected ? <PipelineDetail key={selected} pipelineId={selected} /> : list.items.length > 0 || list.loading ? null : <p className="empty">Choose a pipeline to see its tasks as a graph.</p>}</div>
        </div>
      </NeedsAgent>
    </>
  );
}

const total = (counts: Partial<Record<TaskStatus, number>>) => Object.values(counts).reduce((a, b) => a + (b ?? 0), 0);

/** Task moves come in bursts (a pipeline run readies several at once): redraw once per burst. */
const REDRAW_MS = 300;

function PipelineDetail({ pipelineId }: { pipelineId: string }) {
  const pipeline = useAgentQuery((c) => c.call('pipeline/get', { pipeline_id: pipelineId }), [pipelineId]);
  const graph = useAgentQuery((c) => c.call('task/graph', { pipeline_id: pipelineId }), [pipelineId]);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const reload = useRef(() => {});
  reload.current = () => {
    pipeline.reload();
    graph.reload();
  };
  usePush((f) => {
    const about =
      f.event === 'task.updated' ? (f.data as { task: Task }).task.pipeline_id : f.event === 'task.ready' ? (f.data as { pipeline_id: string }).pipeline_id : null;
    if (about !== pipelineId || timer.current) return;
    timer.current = setTimeout(() => {
      timer.current = null;
      reload.current();
    }, REDRAW_MS);
  });
  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );
  const p = pipeline.data;
  return (
    <section aria-labelledby="pipe-h">
      <h2 id="pipe-h">{p ? p.name : 'Pipeline'}</h2>
      <ErrorAlert error={pipeline.error ?? graph.error} />
      {p && (
        <>
          {p.description ? <p>{p.description}</p> : null}
          <p className="muted">
            {p.state} · {p.auto_review ? 'reviewed by the hub' : 'reviewed by people'} · made <Time at={p.created_at} />
          </p>
          <ul className="counts" aria-label="Tasks per status">
            {STATUSES.map((s) => (
              <li key={s} className={`status-${s}`}>
                {s}: {p.counts[s] ?? 0}
              </li>
            ))}
          </ul>
        </>
      )}
      {!graph.data ? (
        graph.error ? null : <Pending what="the graph" />
      ) : graph.data.nodes.length === 0 ? (
        <p className="empty">No tasks in this pipeline yet.</p>
      ) : (
        <TaskGraph graph={graph.data} />
      )}
      <p>
        <a href={href('tasks')}>The agent&apos;s task board</a>
      </p>
    </section>
  );
}
