import { useEffect, useState } from 'react';
import type { ParleyClient } from '@parley/client';
import { useConsole } from './context.js';

/** Names asked for per client, so each agent is looked up once; bounded, the oldest forgotten first. */
const MAX_NAMES = 500;
const caches = new WeakMap<ParleyClient, Map<string, Promise<string | null>>>();

function lookup(client: ParleyClient, agentId: string): Promise<string | null> {
  let cache = caches.get(client);
  if (!cache) caches.set(client, (cache = new Map()));
  let name = cache.get(agentId);
  if (!name) {
    // An agent that cannot be read (gone, or a malformed id) is shown by its id.
    name = client.call('agent/get', { agent_id: agentId }).then((p) => p.name, () => null);
    cache.set(agentId, name);
    if (cache.size > MAX_NAMES) cache.delete(cache.keys().next().value!);
  }
  return name;
}

/** The names of the agents in `ids` (those known so far; the rest show as ids until their names come). */
export function useAgentNames(ids: readonly string[]): ReadonlyMap<string, string | null> {
  const { client } = useConsole();
  const [names, setNames] = useState<ReadonlyMap<string, string | null>>(new Map());
  const key = [...new Set(ids)].sort().join(',');
  useEffect(() => {
    if (!client || key === '') return;
    let live = true;
    const wanted = key.split(',');
    void Promise.all(wanted.map(async (id) => [id, await lookup(client, id)] as const)).then((pairs) => {
      if (live) setNames(new Map(pairs));
    });
    return () => {
      live = false;
    };
  }, [client, key]);
  return names;
}
