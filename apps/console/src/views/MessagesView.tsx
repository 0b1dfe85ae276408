import { useCallback, useId, useState, type FormEvent } from 'react';
import type { ParleyClient, PushFrame } from '@parley/client';
import type { Conversation, P2PMessage, SubscribedTopic, TopicMessage } from '@parley/protocol';
import { useConsole } from '../context.js';
import { MAX_ITEMS, useAction, useAgentQuery, usePaged, usePush } from '../hooks.js';
import { href, navigate } from '../router.js';
import { useAgentNames } from '../names.js';
import { NeedsAgent } from '../components/NeedsAgent.js';
import { Composer, Transcript, type Line } from '../components/Transcript.js';
import { ErrorAlert, Id, ListState, Pending, MoreButton } from '../components/States.js';

const PAGE = 50;

/** "Older messages" for a thread: the page before its first message, merged in; its own loading and error state. */
function useOlder<M, P extends { messages: M[]; has_more: boolean }>(
  first: M | undefined,
  merge: (more: M[], hasMore?: boolean) => void,
  fetchBefore: (c: ParleyClient, first: M) => Promise<P>,
): [{ loading: boolean; error: unknown }, (c: ParleyClient) => Promise<void>] {
  const [state, setState] = useState<{ loading: boolean; error: unknown }>({ loading: false, error: null });
  const load = async (c: ParleyClient) => {
    if (!first) return;
    setState({ loading: true, error: null });
    try {
      const r = await fetchBefore(c, first);
      merge(r.messages, r.has_more);
      setState({ loading: false, error: null });
    } catch (err) {
      setState({ loading: false, error: err });
    }
  };
  return [state, load];
}

// The thread sections are not named after their headings on purpose: "Message" stays the one label on the page
// that says message (a heading such as "New direct message" or a topic's name would otherwise make a second one).

/** Topics the agent joined and its direct conversations, one of them open as a live transcript with a composer. */
export function MessagesView({ path }: { path: string[] }) {
  const [kind, id] = path;
  // Bumped when the console itself makes a topic: the side list is read again with it.
  const [listVersion, setListVersion] = useState(0);
  return (
    <>
      <h1>Messages</h1>
      <NeedsAgent>
        <div className="split">
          <Threads key={listVersion} selected={kind === 'topic' || kind === 'dm' ? `${kind}:${id}` : kind === 'new-topic' ? 'new-topic' : 'new'} />
          <div className="pane">
            {kind === 'topic' && id ? (
              <TopicThread key={id} topicId={id} />
            ) : kind === 'dm' && id ? (
              <DirectThread key={id} peer={id} />
            ) : kind === 'new-topic' ? (
              <NewTopic onCreated={() => setListVersion((v) => v + 1)} />
            ) : (
              <NewDirect />
            )}
          </div>
        </div>
      </NeedsAgent>
    </>
  );
}

function Threads({ selected }: { selected: string }) {
  const { actingId } = useConsole();
  const topics = usePaged<SubscribedTopic>(
    async (c, cursor) => {
      const r = await c.call('topic/subscribed', cursor ? { limit: PAGE, cursor } : { limit: PAGE });
      return { items: r.topics, next: r.next_cursor };
    },
    (t) => t.topic_id,
    [],
  );
  const dms = usePaged<Conversation>(
    async (c, cursor) => {
      const r = await c.call('p2p/conversations', cursor ? { limit: PAGE, cursor } : { limit: PAGE });
      return { items: r.conversations, next: r.next_cursor };
    },
    (d) => d.peer,
    [],
  );
  usePush((frame) => {
    if (frame.event === 'topic.message') {
      // The topic list is live too: a new message counts as unread (but not in the open topic, nor the agent's own);
      // a topic not listed yet (just joined, on another device) brings the list back from the hub.
      const m = frame.data as TopicMessage;
      const known = topics.items.find((t) => t.topic_id === m.topic_id);
      if (!known) topics.reload();
      else if (m.from !== actingId && selected !== `topic:${m.topic_id}`) topics.upsert({ ...known, unread: known.unread + 1 });
      return;
    }
    if (frame.event === 'topic.join_decision' && (frame.data as { approved: boolean }).approved) {
      topics.reload();
      return;
    }
    if (frame.event !== 'p2p.message') return;
    const m = frame.data as P2PMessage;
    const peer = m.from === actingId ? m.to : m.from;
    const known = dms.items.find((d) => d.peer === peer);
    // Not unread when it arrives in the conversation open on screen.
    const counts = m.from === peer && selected !== `dm:${peer}`;
    dms.upsert({ peer, peer_name: known?.peer_name ?? null, last_message: m, unread: (known?.unread ?? 0) + (counts ? 1 : 0) });
  });
  return (
    <aside className="threads" aria-label="Conversations">
      <p className="row">
        <a href={href('messages', 'new')} aria-current={selected === 'new' ? 'page' : undefined} className="button-link">
          New direct message
        </a>
        <a href={href('messages', 'new-topic')} aria-current={selected === 'new-topic' ? 'page' : undefined} className="button-link">
          New topic
        </a>
      </p>
      <h2>Topics</h2>
      <ListState loading={topics.loading} error={topics.error} count={topics.items.length} what="topics" empty="The agent has joined no topics." />
      <ul className="plain nav-list">
        {topics.items.map((t) => (
          <li key={t.topic_id}>
            <a href={href('messages', 'topic', t.topic_id)} aria-current={selected === `topic:${t.topic_id}` ? 'page' : undefined}>
              # {t.name}
              {t.unread > 0 ? <span className="count">{t.unread} unread</span> : null}
            </a>
          </li>
        ))}
      </ul>
      <MoreButton hasMore={topics.hasMore} loading={topics.loading} onMore={topics.loadMore} label="More topics" />
      <h2>Direct</h2>
      <ListState loading={dms.loading} error={dms.error} count={dms.items.length} what="direct conversations" empty="No direct conversations yet." />
      <ul className="plain nav-list">
        {dms.items.map((d) => (
          <li key={d.peer}>
            <a href={href('messages', 'dm', d.peer)} aria-current={selected === `dm:${d.peer}` ? 'page' : undefined}>
              <Id id={d.peer} name={d.peer_name} />
              {d.unread > 0 ? <span className="count">{d.unread} unread</span> : null}
              <span className="snippet">{d.last_message.content.slice(0, 80)}</span>
            </a>
          </li>
        ))}
      </ul>
      <MoreButton hasMore={dms.hasMore} loading={dms.loading} onMore={dms.loadMore} label="More conversations" />
    </aside>
  );
}

/** Merges messages by id, oldest first, keeping the newest MAX_ITEMS. */
function mergeById<T extends { message_id: string }>(prev: T[], more: T[], order: (a: T, b: T) => number): T[] {
  const byId = new Map(prev.map((m) => [m.message_id, m]));
  for (const m of more) byId.set(m.message_id, m);
  return [...byId.values()].sort(order).slice(-MAX_ITEMS);
}
const bySeq = (a: TopicMessage, b: TopicMessage) => a.seq - b.seq;
const bySent = (a: P2PMessage, b: P2PMessage) => a.sent_at.localeCompare(b.sent_at) || a.message_id.localeCompare(b.message_id);

function TopicThread({ topicId }: { topicId: string }) {
  const { actingId } = useConsole();
  const topic = useAgentQuery((c) => c.call('topic/get', { topic_id: topicId }), [topicId]);
  const history = useAgentQuery(async (c) => c.call('topic/history', { topic_id: topicId, limit: PAGE }), [topicId]);
  const { client } = useConsole();
  const messages = history.data?.messages ?? [];

  const merge = useCallback(
    (more: TopicMessage[], hasMore?: boolean) =>
      history.setData((prev) => ({ messages: mergeById(prev?.messages ?? [], more, bySeq), has_more: hasMore ?? prev?.has_more ?? false })),
    [history],
  );
  usePush((frame: PushFrame) => {
    if (frame.event === 'topic.message' && (frame.data as TopicMessage).topic_id === topicId) merge([frame.data as TopicMessage]);
  });
  const [older, loadOlder] = useOlder(messages[0], merge, (c, first) => c.call('topic/history', { topic_id: topicId, before: first.seq, limit: PAGE }));
  const send = async (text: string) => {
    if (!client) return;
    await client.call('topic/publish', { topic_id: topicId, content: text });
    // The push of our own message may come later or not at all (switched off): read what follows what we show.
    const last = messages[messages.length - 1];
    const r = await client.call('topic/history', last ? { topic_id: topicId, after: last.seq, limit: PAGE } : { topic_id: topicId, limit: PAGE });
    merge(r.messages);
  };
  const names = useAgentNames(messages.map((m) => m.from));
  const lines: Line[] = messages.map((m) => ({
    key: m.message_id,
    from: m.from,
    fromName: names.get(m.from) ?? null,
    at: m.sent_at,
    text: m.content,
    mine: m.from === actingId,
    ...(m.via ? { note: `via ${m.via.slice(0, 10)}…` } : {}),
  }));
  const canPost = topic.data ? topic.data.type !== 'broadcast' || topic.data.role === 'owner' || topic.data.role === 'admin' : true;
  return (
    <section className="thread">
      <h2>{topic.data ? `# ${topic.data.name}` : 'Topic'}</h2>
      {topic.data?.description ? <p className="muted">{topic.data.description}</p> : null}
      <ErrorAlert error={topic.error} />
      <ThreadLog history={history} lines={lines} older={older} loadOlder={loadOlder} />
      <Composer onSend={send} disabled={!canPost} disabledReason={canPost ? undefined : 'Only the owner and admins post in a broadcast topic.'} />
    </section>
  );
}

function DirectThread({ peer }: { peer: string }) {
  const { actingId, client } = useConsole();
  const history = useAgentQuery((c) => c.call('p2p/history', { with: peer, limit: PAGE }), [peer]);
  const profile = useAgentQuery((c) => c.call('agent/get', { agent_id: peer }), [peer]);
  const messages = history.data?.messages ?? [];
  const merge = useCallback(
    (more: P2PMessage[], hasMore?: boolean) =>
      history.setData((prev) => ({ messages: mergeById(prev?.messages ?? [], more, bySent), has_more: hasMore ?? prev?.has_more ?? false })),
    [history],
  );
  usePush((frame) => {
    if (frame.event !== 'p2p.message') return;
    const m = frame.data as P2PMessage;
    if ((m.from === peer && m.to === actingId) || (m.from === actingId && m.to === peer)) merge([m]);
  });
  const [older, loadOlder] = useOlder(messages[0], merge, (c, first) => c.call('p2p/history', { with: peer, before: first.message_id, limit: PAGE }));
  const send = async (text: string) => {
    if (!client) return;
    await client.call('p2p/send', { to: peer, content: text });
    // The sender gets no push of its own direct message: read the newest page back.
    const r = await client.call('p2p/history', { with: peer, limit: 20 });
    merge(r.messages);
  };
  const name = profile.data?.name ?? null;
  const lines: Line[] = messages.map((m) => ({ key: m.message_id, from: m.from, fromName: m.from === peer ? name : null, at: m.sent_at, text: m.content, mine: m.from === actingId }));
  return (
    <section className="thread">
      <h2>
        Direct with <Id id={peer} name={name} />
        {profile.data ? <span className="muted">{` · ${profile.data.online ? 'online' : 'offline'}`}</span> : null}
      </h2>
      <ThreadLog history={history} lines={lines} older={older} loadOlder={loadOlder} />
      <Composer onSend={send} />
    </section>
  );
}

function NewDirect() {
  const { client } = useConsole();
  const [to, setTo] = useState('');
  const id = useId();
  const send = async (text: string) => {
    if (!client) return;
    const peer = to.trim();
    await client.call('p2p/send', { to: peer, content: text });
    navigate('messages', 'dm', peer);
  };
  return (
    <section className="thread">
      <h2>New direct message</h2>
      <p className="hint">Choose a topic or a conversation on the side, or write to any agent by its id.</p>
      <Composer onSend={send}>
        <div className="field">
          <label htmlFor={id}>To agent</label>
          <input id={id} required autoComplete="off" spellCheck={false} placeholder="agt_…" value={to} onChange={(e) => setTo(e.target.value)} />
        </div>
      </Composer>
    </section>
  );
}

/** A thread's transcript: its loading and error states, and "Older messages" while there are more. */
function ThreadLog(props: {
  history: { data: { has_more: boolean } | null | undefined; error: unknown };
  lines: Line[];
  older: { loading: boolean; error: unknown };
  loadOlder: (c: ParleyClient) => Promise<void>;
}) {
  const { client } = useConsole();
  const { history, lines, older, loadOlder } = props;
  return (
    <>
      <ErrorAlert error={history.error} />
      {!history.data && !history.error ? <Pending what="messages" /> : null}
      <Transcript
        label="Transcript"
        lines={lines}
        before={
          history.data?.has_more && client ? (
            <button type="button" className="secondary" onClick={() => void loadOlder(client)} disabled={older.loading}>
              Older messages
            </button>
          ) : history.data && lines.length === 0 ? (
            <p className="empty">No messages yet.</p>
          ) : null
        }
      />
      <ErrorAlert error={older.error} />
    </>
  );
}

/** A new topic owned by the acting agent; it opens once made. */
function NewTopic({ onCreated }: { onCreated: () => void }) {
  const { client } = useConsole();
  const id = useId();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [visibility, setVisibility] = useState<'public' | 'private'>('public');
  const action = useAction();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!client) return;
    const topic = await action.run(() =>
      client.call('topic/create', { name: name.trim(), visibility, ...(description.trim() ? { description: description.trim() } : {}) }),
    );
    if (!topic) return;
    onCreated();
    navigate('messages', 'topic', topic.topic_id);
  };
  return (
    <form className="thread stack" onSubmit={(e) => void submit(e)} aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>New topic</h2>
      <p className="hint">The agent owns the topic it makes; others join it (a private topic only by invitation).</p>
      <div className="field">
        <label htmlFor={`${id}-name`}>Topic name</label>
        <input id={`${id}-name`} required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor={`${id}-desc`}>Description (optional)</label>
        <input id={`${id}-desc`} maxLength={2000} value={description} onChange={(e) => setDescription(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor={`${id}-vis`}>Visibility</label>
        <select id={`${id}-vis`} value={visibility} onChange={(e) => setVisibility(e.target.value as 'public' | 'private')}>
          <option value="public">Public: anyone may find and join it</option>
          <option value="private">Private: by invitation</option>
        </select>
      </div>
      <ErrorAlert error={action.error} />
      <p>
        <button type="submit" disabled={action.busy || !client}>
          Create topic
        </button>
      </p>
    </form>
  );
}
