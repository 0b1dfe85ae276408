import { useCallback, useEffect, useId, useState, type FormEvent } from 'react';
import type { ParleyClient } from '@parley/client';
import type { Task, TaskStatus } from '@parley/protocol';
import { useConsole } from '../context.js';
import { MAX_ITEMS, useAction, usePush } from '../hooks.js';
import { useAgentNames } from '../names.js';
import { NeedsAgent } from '../components/NeedsAgent.js';
import { ErrorAlert, Id, Pending, MoreButton, Time } from '../components/States.js';

export const STATUSES: readonly TaskStatus[] = ['todo', 'doing', 'review', 'done', 'blocked', 'cancelled'];
const PAGE = 50;

/** The board: the tasks the agent owns or runs, one column per status, moving as task.updated pushes arrive. */
export function TasksView() {
  return (
    <>
      <h1>Tasks</h1>
      <NeedsAgent>
        <Board />
      </NeedsAgent>
    </>
  );
}

interface Cursors {
  owner: string | null;
  runner: string | null;
}

function Board() {
  const { client, link, epoch, actingId } = useConsole();
  const [tasks, setTasks] = useState<Map<string, Task> | null>(null);
  const [cursors, setCursors] = useState<Cursors>({ owner: null, runner: null });
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(false);

  /** A page of the agent's own tasks and of those it runs, merged (a task both owned and run shows once). */
  const load = useCallback(
    async (c: ParleyClient, me: string, from: Cursors | null) => {
      setLoading(true);
      try {
        const [owned, run] = await Promise.all([
          from && from.owner === null ? null : c.call('task/list', { owner: me, limit: PAGE, ...(from?.owner ? { cursor: from.owner } : {}) }),
          from && from.runner === null ? null : c.call('task/list', { runner: me, limit: PAGE, ...(from?.runner ? { cursor: from.runner } : {}) }),
        ]);
        setTasks((prev) => {
          const next = new Map(from ? prev ?? [] : []);
          for (const t of [...(owned?.tasks ?? []), ...(run?.tasks ?? [])]) next.set(t.task_id, t);
          return next.size > MAX_ITEMS ? new Map([...next].slice(0, MAX_ITEMS)) : next;
        });
        setCursors({ owner: owned?.next_cursor ?? null, runner: run?.next_cursor ?? null });
        setError(null);
      } catch (err) {
        setError(err);
      } finally {
        setLoading(false);
      }
    },
    [],
  );
  const online = link === 'online';
  // Another agent's board starts empty, not with the last one's tasks.
  useEffect(() => setTasks(null), [client]);
  useEffect(() => {
    // Each new session (epoch) reloads: what moved while the console was offline shows as it is now.
    if (client && actingId && online) void load(client, actingId, null);
  }, [client, actingId, online, epoch, load]);

  /**
   * Puts a task in its column: the hub's current view of it, or the pushed one
   * when it cannot be read. Reads answered out of order must not move a task
   * back, so an older version never replaces a newer one.
   */
  const place = useCallback(
    (t: Task) =>
      setTasks((prev) => {
        const known = prev?.get(t.task_id);
        if (known && known.updated_at > t.updated_at) return prev;
        return new Map(prev ?? []).set(t.task_id, t);
      }),
    [],
  );
  usePush((f) => {
    if (f.event !== 'task.updated' || !client) return;
    const pushed = (f.data as { task: Task }).task;
    client.call('task/get', { task_id: pushed.task_id }).then(place, () => place(pushed));
  });

  const byStatus = new Map<TaskStatus, Task[]>(STATUSES.map((s) => [s, []]));
  for (const t of tasks?.values() ?? []) byStatus.get(t.status)?.push(t);
  for (const list of byStatus.values()) list.sort((a, b) => b.updated_at.localeCompare(a.updated_at));
  const names = useAgentNames([...(tasks?.values() ?? [])].flatMap((t) => (t.runner_id && t.runner_id !== actingId ? [t.runner_id] : [])));

  return (
    <>
      <NewTask onCreated={place} />
      <ErrorAlert error={error} />
      {tasks === null ? (
        !error && <Pending what="tasks" />
      ) : (
        <>
          {tasks.size === 0 ? <p className="empty">The agent owns and runs no tasks yet. Create one above.</p> : null}
          {/* Focusable: on a narrow screen the board scrolls sideways, and an empty one has nothing else the keyboard can reach. */}
          <div className="board" role="region" aria-label="Task board" tabIndex={0}>
            {STATUSES.map((s) => (
              <Column key={s} status={s} tasks={byStatus.get(s) ?? []} me={actingId} names={names} />
            ))}
          </div>
          <MoreButton
            hasMore={(cursors.owner !== null || cursors.runner !== null) && tasks.size < MAX_ITEMS}
            loading={loading}
            onMore={() => client && actingId && void load(client, actingId, cursors)}
            label="More tasks"
          />
        </>
      )}
    </>
  );
}

function Column({ status, tasks, me, names }: { status: TaskStatus; tasks: Task[]; me: string | null; names: ReadonlyMap<string, string | null> }) {
  const id = useId();
  return (
    <section className={`column status-${status}`} aria-labelledby={id}>
      <div className="column-head">
        <h2 id={id}>{status}</h2>
        <span className="count" aria-hidden="true">
          {tasks.length}
        </span>
      </div>
      <ul role="list" aria-label={`${status} tasks`} className="plain">
        {tasks.map((t) => (
          <li key={t.task_id} className="task-card">
            <h3>{t.title}</h3>
            <p className="meta">
              {t.runner_id ? (
                <>
                  Assignee: {t.runner_id === me ? 'this agent' : <Id id={t.runner_id} name={names.get(t.runner_id)} />}
                </>
              ) : (
                'Unassigned'
              )}
            </p>
            <p className="meta">
              {t.priority}
              {t.owner_id === me ? ' · owned by this agent' : ''}
              {t.status === 'doing' && t.progress > 0 ? ` · ${t.progress}%` : ''} · <Time at={t.updated_at} />
            </p>
          </li>
        ))}
      </ul>
    </section>
  );
}

function NewTask({ onCreated }: { onCreated(t: Task): void }) {
  const { client } = useConsole();
  const [title, setTitle] = useState('');
  const action = useAction();
  const id = useId();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!client) return;
    const t = await action.run(() => client.call('task/create', { title: title.trim() }));
    if (t) {
      setTitle('');
      onCreated(t);
    }
  };
  return (
    <form className="row card" onSubmit={(e) => void submit(e)} aria-label="New task">
      <div className="field grow">
        <label htmlFor={id}>Task title</label>
        <input id={id} required maxLength={200} value={title} onChange={(e) => setTitle(e.target.value)} />
      </div>
      <button type="submit" disabled={action.busy}>
        Create task
      </button>
      <ErrorAlert error={action.error} />
    </form>
  );
}
