import { useCallback, useEffect, useState } from 'react';
import type { BindingActivity } from '@parley/protocol';
import { account } from '../api.js';
import { MAX_ITEMS } from '../hooks.js';
import { Empty, ErrorAlert, Loading, MoreButton, Time } from './States.js';

const PAGE = 25;

/** What was done as the agent through the human's binding (its API keys and console tokens), newest first, a page at a time. */
export function ActivityLog({ agentId }: { agentId: string }) {
  const [entries, setEntries] = useState<BindingActivity[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(false);

  const load = useCallback(
    async (cursor?: string) => {
      setLoading(true);
      try {
        const page = await account.activity(agentId, cursor === undefined ? { limit: PAGE } : { limit: PAGE, cursor });
        setEntries((prev) => (cursor === undefined ? page.entries : [...(prev ?? []), ...page.entries].slice(0, MAX_ITEMS)));
        setNext(page.next_cursor);
        setError(null);
      } catch (err) {
        setError(err);
      } finally {
        setLoading(false);
      }
    },
    [agentId],
  );
  useEffect(() => {
    void load();
  }, [load]);

  return (
    <section aria-labelledby="activity-h" className="card stack">
      <div className="row spread">
        <h3 id="activity-h">Activity through your binding</h3>
        <button type="button" className="secondary" onClick={() => void load()} disabled={loading}>
          Refresh
        </button>
      </div>
      <ErrorAlert error={error} />
      {entries === null ? (
        error ? null : <Loading what="activity" />
      ) : entries.length === 0 ? (
        <Empty>Nothing done through your keys yet.</Empty>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Action</th>
                <th scope="col">Result</th>
                <th scope="col">Key</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((e) => (
                <tr key={`${e.key_id}:${e.u_id}:${e.at}`}>
                  <td>
                    <Time at={e.at} />
                  </td>
                  <td>
                    <code>{e.action}</code>
                  </td>
                  <td className={e.status === 'success' ? 'ok' : 'bad'}>{e.status}</td>
                  <td>
                    <code>{e.key_id}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <MoreButton hasMore={next !== null && (entries?.length ?? 0) < MAX_ITEMS} loading={loading} onMore={() => void load(next ?? undefined)} label="Older entries" />
    </section>
  );
}
