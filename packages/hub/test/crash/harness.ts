import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { ChildHub } from '../child-hub.js';
import { Human, newKey } from '../account-client.js';
import { readDataDir, register, type Frame, type TestAgent } from '../helpers.js';

const CHILD = fileURLToPath(new URL('./hub-child.mjs', import.meta.url));

/** A hub in a child process on a data dir that outlives it. */
export const startChildHub = (dataDir: string): Promise<ChildHub> => ChildHub.spawn(CHILD, [dataDir]);

/** One request the load sends; its `key` (a unique string) is stored in the row it creates. */
export interface Shot {
  uId: string;
  action: string;
  params: Record<string, unknown>;
  key: string;
}

export interface Outcome {
  /** The first success seen for each u_id, as the client received it. */
  acked: Map<string, Frame>;
  /** Every u_id sent at least once (answered or not). */
  sent: Map<string, Shot>;
}

export async function call(url: string, agent: TestAgent, shot: Shot, signal?: AbortSignal): Promise<Frame> {
  const res = await fetch(`${url}/v1/rpc`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${agent.token}` },
    body: JSON.stringify({ agent_id: agent.agentId, u_id: shot.uId, params: { action: shot.action, params: shot.params } }),
    signal,
  });
  return (await res.json()) as Frame;
}

export interface Scene {
  senders: TestAgent[];
  receiver: TestAgent;
  topicId: string;
  /** Sender 0 acts through a human's API key (its `token` is the key): what it does is also recorded in binding_actions. */
  keyed: TestAgent;
}

export async function setUp(hub: ChildHub, senders: number): Promise<Scene> {
  const receiver = await register(hub.asHub, 'receiver');
  const owner = await register(hub.asHub, 'owner');
  const created = await call(hub.url, owner, { uId: `setup-topic`, action: 'topic/create', params: { name: 'crash', visibility: 'public' }, key: '' });
  const topicId = (created.content as { topic_id: string }).topic_id;
  const list: TestAgent[] = [];
  for (let i = 0; i < senders; i++) {
    const a = await register(hub.asHub, `sender-${i}`);
    const joined = await call(hub.url, a, { uId: `setup-join-${i}`, action: 'topic/join', params: { topic_id: topicId }, key: '' });
    if (joined.status !== 'success') throw new Error(`join failed: ${JSON.stringify(joined)}`);
    list.push(a);
  }
  // Sender 0 is claimed by a human whose API key then sends for it: the
  // activity entry of a keyed write must commit with its effect, once.
  const human = await Human.signup(hub.asHub);
  const keyed = list[0]!;
  const code = await call(hub.url, keyed, { uId: 'setup-claim-code', action: 'account/claim_code', params: {}, key: '' });
  const claimed = await human.post('/v1/account/claim', {}, { code: (code.content as { code: string }).code });
  if (claimed.status !== 200) throw new Error(`claim failed: ${JSON.stringify(claimed.body)}`);
  keyed.token = (await newKey(human, keyed, 'crash')).key;
  return { senders: list, receiver, topicId, keyed };
}

let shots = 0;
/** Three kinds of write through three code paths: a p2p push, a topic push, a task row with its timeline. */
function nextShot(scene: Scene, sender: number): Shot {
  const n = ++shots;
  const key = `k-${process.pid}-${sender}-${n}`;
  const uId = `crash-${key}`;
  switch (n % 3) {
    case 0:
      return { uId, key, action: 'p2p/send', params: { to: scene.receiver.agentId, content: key } };
    case 1:
      return { uId, key, action: 'topic/publish', params: { topic_id: scene.topicId, content: key } };
    default:
      return { uId, key, action: 'task/create', params: { title: key } };
  }
}

/**
 * Keeps `inFlight` requests going per sender until `acks` successes came back
 * in this round, then kills the hub with SIGKILL while requests are still in
 * flight. Returns what was sent and acknowledged.
 */
export async function loadUntilKilled(hub: ChildHub, scene: Scene, inFlight: number, acks: number, out: Outcome): Promise<void> {
  let acked = 0;
  let killing: Promise<void> | null = null;
  const abort = new AbortController();
  const worker = async (sender: number) => {
    const agent = scene.senders[sender]!;
    while (!killing) {
      const shot = nextShot(scene, sender);
      out.sent.set(shot.uId, shot);
      try {
        const res = await call(hub.url, agent, shot, abort.signal);
        if (res.status === 'success') {
          out.acked.set(shot.uId, res);
          if (++acked >= acks && !killing) killing = hub.kill();
        } else if (!killing) {
          throw new Error(`unexpected answer before the crash: ${JSON.stringify(res)}`);
        }
      } catch (err) {
        if (!killing) throw err;
        // Cut off by the crash: unanswered, to be re-sent.
      }
    }
  };
  const workers = scene.senders.flatMap((_, s) => Array.from({ length: inFlight }, () => worker(s)));
  const results = await Promise.allSettled(workers);
  abort.abort();
  await killing;
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
}

/**
 * After the restart: re-sends every u_id sent so far with the same params,
 * `inFlight` at a time. An acknowledged one must get its first answer back
 * unchanged; an unanswered one must succeed now (applied before the crash
 * or now, either way once).
 */
export async function resendAll(hub: ChildHub, scene: Scene, inFlight: number, out: Outcome): Promise<{ changedAnswers: string[] }> {
  // The key is k-<pid>-<sender>-<n>: the same agent sends it again.
  const senderOf = (shot: Shot) => scene.senders[Number(shot.key.split('-')[2])]!;
  const queue = [...out.sent.values()];
  const changedAnswers: string[] = [];
  const worker = async () => {
    for (let shot = queue.shift(); shot; shot = queue.shift()) {
      const res = await call(hub.url, senderOf(shot), shot);
      if (res.status !== 'success') throw new Error(`re-send of ${shot.uId} failed: ${JSON.stringify(res)}`);
      const first = out.acked.get(shot.uId);
      if (first && JSON.stringify(first) !== JSON.stringify(res)) changedAnswers.push(shot.uId);
      if (!first) out.acked.set(shot.uId, res);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return { changedAnswers };
}

/** How many rows each key made, read straight from the database. */
export async function effectsByKey(dataDir: string): Promise<Map<string, number>> {
  return readDataDir(dataDir, async (store) => {
    const counts = new Map<string, number>();
    const add = async (table: string, column: string) => {
      const r = await sql<{ k: string; n: number }>`select ${sql.ref(column)} as k, count(*) as n from ${sql.table(table)} group by ${sql.ref(column)}`.execute(store.db);
      for (const row of r.rows) counts.set(row.k, (counts.get(row.k) ?? 0) + Number(row.n));
    };
    await add('p2p_messages', 'content');
    await add('topic_messages', 'content');
    await add('tasks', 'title');
    return counts;
  });
}

/** For each u_id, how many activity entries binding_actions holds (the keyed sender's calls). */
export async function activityByUid(dataDir: string, agentId: string): Promise<Map<string, { n: number; status: string }>> {
  return readDataDir(dataDir, async (store) => {
    const rows = await store.db.selectFrom('binding_actions').select(['u_id', 'status']).where('agent_id', '=', agentId).execute();
    const out = new Map<string, { n: number; status: string }>();
    for (const r of rows) out.set(r.u_id, { n: (out.get(r.u_id)?.n ?? 0) + 1, status: r.status });
    return out;
  });
}
