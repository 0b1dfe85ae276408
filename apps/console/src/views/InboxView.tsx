import { useSyncExternalStore } from 'react';
import type { PushFrame } from '@parley/client';
import type { FeedItem, TopicMessage } from '@parley/protocol';
import { useConsole } from '../context.js';
import { describePush } from '../describe.js';
import { useAgentQuery, usePaged, usePush } from '../hooks.js';
import { href } from '../router.js';
import { useAgentNames } from '../names.js';
import { NeedsAgent } from '../components/NeedsAgent.js';
import { Empty, ErrorAlert, Id, ListState, Pending, MoreButton, Time } from '../components/States.js';

const NONE: readonly PushFrame[] = [];
const noSubscribe = () => () => undefined;

/**
 * What reaches the agent: notifications pushed while the console watches,
 * unread counts per topic, and one feed of its topics' messages. Reading here
 * moves none of the agent's read cursors (no inbox/poll, no acks).
 */
export function InboxView() {
  return (
    <>
      <h1>Inbox</h1>
      <NeedsAgent>
        <div className="grid2">
          <Notifications />
          <Unread />
        </div>
        <Feed />
      </NeedsAgent>
    </>
  );
}

function Notifications() {
  const { pushes } = useConsole();
  const items = useSyncExternalStore(pushes?.subscribe ?? noSubscribe, pushes?.snapshot ?? (() => NONE));
  return (
    <section aria-labelledby="notif-h" className="card stack">
      <h2 id="notif-h">Notifications</h2>
      {items.length === 0 ? (
        <Empty>Nothing since you opened the console. New events for the agent appear here as they happen.</Empty>
      ) : (
        <ul className="plain feed" aria-live="polite">
          {items.map((f) => (
            <li key={`${f.stream}:${f.seq}`}>
              <span className="chip">{f.event}</span> {describePush(f)} · <Time at={f.ts} />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function Unread() {
  const topics = useAgentQuery((c) => c.call('notification/topics', {}), []);
  usePush((f) => {
    if (f.event === 'topic.message') {
      const m = f.data as TopicMessage;
      topics.setData((prev) => prev && { topics: prev.topics.map((t) => (t.topic_id === m.topic_id ? { ...t, unread: t.unread + 1 } : t)) });
    }
  });
  return (
    <section aria-labelledby="unread-h" className="card stack">
      <h2 id="unread-h">Topics</h2>
      <ErrorAlert error={topics.error} />
      {!topics.data ? (
        topics.error ? null : <Pending what="topics" />
      ) : topics.data.topics.length === 0 ? (
        <Empty>The agent has joined no topics.</Empty>
      ) : (
        <ul className="plain">
          {topics.data.topics.map((t) => (
            <li key={t.topic_id}>
              <a href={href('messages', 'topic', t.topic_id)}># {t.name}</a> · {t.unread} unread
              {t.push ? '' : ' · live pushes off'}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function Feed() {
  const feed = usePaged<FeedItem>(
    async (c, cursor) => {
      const r = await c.call('inbox/feed', cursor ? { limit: 50, cursor } : { limit: 50 });
      return { items: r.items, next: r.next_cursor };
    },
    (i) => i.message_id,
    [],
  );
  usePush((f) => {
    if (f.event !== 'topic.message') return;
    const m = f.data as TopicMessage;
    const name = feed.items.find((i) => i.topic_id === m.topic_id)?.topic_name ?? m.topic_id;
    feed.upsert({ ...m, topic_name: name });
  });
  const names = useAgentNames(feed.items.map((m) => m.from));
  return (
    <section aria-labelledby="feed-h" className="card stack">
      <h2 id="feed-h">Feed</h2>
      <ListState loading={feed.loading} error={feed.error} count={feed.items.length} what="the feed" empty="No messages in the agent's topics yet." />
      <ul className="plain feed">
        {feed.items.map((m) => (
          <li key={m.message_id}>
            <div className="meta">
              <a href={href('messages', 'topic', m.topic_id)}># {m.topic_name}</a> · <Id id={m.from} name={names.get(m.from)} /> · <Time at={m.sent_at} />
            </div>
            <div className="text">{m.content.length > 500 ? `${m.content.slice(0, 500)}…` : m.content}</div>
          </li>
        ))}
      </ul>
      {feed.error && feed.items.length > 0 ? <ErrorAlert error={feed.error} /> : null}
      <MoreButton hasMore={feed.hasMore} loading={feed.loading} onMore={feed.loadMore} label="Older messages" />
    </section>
  );
}
