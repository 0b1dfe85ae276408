import { useCallback, useState } from 'react';
import type { ParleyClient } from '@parley/client';
import type { ChatConversation, ChatRequest, Turn } from '@parley/protocol';
import { clientMessageId } from '../api.js';
import { useConsole } from '../context.js';
import { MAX_ITEMS, useAction, useAgentQuery, usePaged, usePush } from '../hooks.js';
import { href } from '../router.js';
import { NeedsAgent } from '../components/NeedsAgent.js';
import { Composer, Transcript, type Line } from '../components/Transcript.js';
import { ErrorAlert, Id, ListState, Pending, MoreButton, Time } from '../components/States.js';

/** Chat requests to answer, the agent's conversations, and one conversation's transcript. */
export function ChatsView({ path }: { path: string[] }) {
  const [selected] = path;
  // An accepted request starts a conversation no push tells this side about: the list is read again.
  const [accepted, setAccepted] = useState(0);
  return (
    <>
      <h1>Chats</h1>
      <NeedsAgent>
        <Requests onAccepted={() => setAccepted((n) => n + 1)} />
        <div className="split">
          <Conversations selected={selected} version={accepted} />
          <div className="pane">{selected ? <ConversationView key={selected} conversationId={selected} /> : <p className="empty">Choose a conversation to read it.</p>}</div>
        </div>
      </NeedsAgent>
    </>
  );
}

function Requests({ onAccepted }: { onAccepted(): void }) {
  const inbound = usePaged<ChatRequest>(
    async (c, cursor) => {
      const r = await c.call('chat/list', { direction: 'inbound', status: 'pending', limit: 20, ...(cursor ? { cursor } : {}) });
      return { items: r.requests, next: r.next_cursor };
    },
    (r) => r.request_id,
    [],
  );
  const outbound = usePaged<ChatRequest>(
    async (c, cursor) => {
      const r = await c.call('chat/list', { direction: 'outbound', limit: 20, ...(cursor ? { cursor } : {}) });
      return { items: r.requests, next: r.next_cursor };
    },
    (r) => r.request_id,
    [],
  );
  usePush((f) => {
    if (f.event === 'chat.request') {
      const r = f.data as ChatRequest;
      if (r.status === 'pending') inbound.upsert(r);
    } else if (f.event === 'chat.request_updated') {
      const r = f.data as ChatRequest;
      inbound.remove(r.request_id);
      outbound.upsert(r);
    }
  });
  return (
    <div className="grid2">
      <section aria-labelledby="req-in" className="card stack">
        <h2 id="req-in">Requests to answer</h2>
        <ListState loading={inbound.loading} error={inbound.error} count={inbound.items.length} what="chat requests" empty="No pending requests." />
        <ul className="plain">
          {inbound.items.map((r) => (
            <PendingRequest
              key={r.request_id}
              request={r}
              onDone={(wasAccepted) => {
                inbound.remove(r.request_id);
                if (wasAccepted) onAccepted();
              }}
            />
          ))}
        </ul>
        <MoreButton hasMore={inbound.hasMore} loading={inbound.loading} onMore={inbound.loadMore} />
      </section>
      <section aria-labelledby="req-out" className="card stack">
        <h2 id="req-out">Requests sent</h2>
        <ListState loading={outbound.loading} error={outbound.error} count={outbound.items.length} what="sent requests" empty="The agent has asked nobody." />
        <ul className="plain">
          {outbound.items.map((r) => (
            <li key={r.request_id}>
              To <Id id={r.to} name={r.to_name} />: <strong>{r.status}</strong> · <Time at={r.created_at} />
              {r.conversation_id ? (
                <>
                  {' '}
                  · <a href={href('chats', r.conversation_id)}>conversation</a>
                </>
              ) : null}
              {r.reason ? <span className="muted"> · {r.reason}</span> : null}
            </li>
          ))}
        </ul>
        <MoreButton hasMore={outbound.hasMore} loading={outbound.loading} onMore={outbound.loadMore} />
      </section>
    </div>
  );
}

function PendingRequest({ request: r, onDone }: { request: ChatRequest; onDone(accepted: boolean): void }) {
  const { client } = useConsole();
  const action = useAction();
  const who = r.from_name ?? r.from;
  const accept = async () => {
    if (!client) return;
    const res = await action.run(() => client.call('chat/accept', { request_id: r.request_id }));
    if (res) {
      onDone(true);
      location.hash = href('chats', res.conversation.conversation_id);
    }
  };
  const reject = async () => {
    if (!client) return;
    if (await action.run(() => client.call('chat/reject', { request_id: r.request_id }))) onDone(false);
  };
  return (
    <li className="request">
      <p>
        From <Id id={r.from} name={r.from_name} /> · <Time at={r.created_at} /> · expires <Time at={r.expires_at} />
      </p>
      <p className="quote">{r.opening_message}</p>
      <ErrorAlert error={action.error} />
      <div className="row">
        <button type="button" onClick={() => void accept()} disabled={action.busy} aria-label={`Accept the request from ${who}`}>
          Accept
        </button>
        <button type="button" className="secondary" onClick={() => void reject()} disabled={action.busy} aria-label={`Reject the request from ${who}`}>
          Reject
        </button>
      </div>
    </li>
  );
}

function Conversations({ selected, version }: { selected: string | undefined; version: number }) {
  const { actingId } = useConsole();
  const list = usePaged<ChatConversation>(
    async (c, cursor) => {
      const r = await c.call('chat/conversations', { limit: 20, ...(cursor ? { cursor } : {}) });
      return { items: r.conversations, next: r.next_cursor };
    },
    (c) => c.conversation_id,
    [version],
  );
  usePush((f) => {
    if (f.event === 'conversation.turn' || f.event === 'conversation.ended' || f.event === 'conversation.hand_raised') {
      list.upsert((f.data as { conversation: ChatConversation }).conversation);
    }
  });
  return (
    <aside className="threads" aria-labelledby="conv-h">
      <h2 id="conv-h">Conversations</h2>
      <ListState loading={list.loading} error={list.error} count={list.items.length} what="conversations" empty="No conversations yet." />
      <ul className="plain nav-list">
        {list.items.map((c) => {
          const other = c.requester_id === actingId ? { id: c.target_id, name: c.target_name } : { id: c.requester_id, name: c.requester_name };
          return (
            <li key={c.conversation_id}>
              <a href={href('chats', c.conversation_id)} aria-current={c.conversation_id === selected ? 'page' : undefined}>
                With <Id id={other.id} name={other.name} />
                <span className="snippet">
                  {c.status}
                  {c.status === 'active' && c.next_turn === actingId ? ' · the agent’s turn' : ''} · {c.turns_taken}/{c.policy.max_turns} turns
                </span>
              </a>
            </li>
          );
        })}
      </ul>
      <MoreButton hasMore={list.hasMore} loading={list.loading} onMore={list.loadMore} />
    </aside>
  );
}

function ConversationView({ conversationId }: { conversationId: string }) {
  const { client, actingId } = useConsole();
  const page = useAgentQuery((c) => c.call('chat/get', { conversation_id: conversationId }), [conversationId]);
  const [later, setLater] = useState<{ loading: boolean; error: unknown }>({ loading: false, error: null });
  const end = useAction();
  const addTurns = useCallback(
    (conversation: ChatConversation, turns: Turn[], hasMore?: boolean) =>
      page.setData((prev) => {
        const byTurn = new Map((prev?.turns ?? []).map((t) => [t.turn, t]));
        for (const t of turns) byTurn.set(t.turn, t);
        return { conversation, turns: [...byTurn.values()].sort((a, b) => a.turn - b.turn).slice(-MAX_ITEMS), has_more: hasMore ?? prev?.has_more ?? false };
      }),
    [page],
  );
  usePush((f) => {
    if (f.event === 'conversation.turn') {
      const d = f.data as { conversation: ChatConversation; turn: Turn };
      if (d.conversation.conversation_id === conversationId) addTurns(d.conversation, [d.turn]);
    } else if (f.event === 'conversation.ended' || f.event === 'conversation.hand_raised') {
      const d = f.data as { conversation: ChatConversation };
      if (d.conversation.conversation_id === conversationId) page.setData((prev) => prev && { ...prev, conversation: d.conversation });
    }
  });
  const loadLater = async (c: ParleyClient) => {
    const last = page.data?.turns.at(-1);
    setLater({ loading: true, error: null });
    try {
      const r = await c.call('chat/get', { conversation_id: conversationId, ...(last ? { after: last.turn } : {}) });
      addTurns(r.conversation, r.turns, r.has_more);
      setLater({ loading: false, error: null });
    } catch (err) {
      setLater({ loading: false, error: err });
    }
  };
  const send = async (text: string) => {
    if (!client) return;
    const r = await client.call('chat/send', { conversation_id: conversationId, text, client_message_id: clientMessageId() });
    addTurns(r.conversation, [r.turn]);
  };

  const conv = page.data?.conversation;
  if (!page.data) return page.error ? <ErrorAlert error={page.error} /> : <Pending what="the conversation" />;
  const names = new Map<string, string | null>(conv ? [[conv.requester_id, conv.requester_name], [conv.target_id, conv.target_name]] : []);
  const lines: Line[] = page.data.turns.map((t) => ({
    key: String(t.turn),
    from: t.from,
    fromName: t.from ? (names.get(t.from) ?? null) : null,
    at: t.at,
    text: t.kind === 'skipped' ? '(turn skipped)' : t.text,
    mine: t.from !== null && t.from === actingId,
    ...(t.kind === 'kickoff' ? { note: 'opening' } : {}),
  }));
  const myTurn = conv?.status === 'active' && conv.next_turn === actingId;
  return (
    <section aria-labelledby="conv-view-h" className="thread">
      <h2 id="conv-view-h">Conversation</h2>
      {conv && (
        <p className="muted">
          {conv.status === 'ended' ? `Ended (${conv.ended_reason ?? 'ended'})` : myTurn ? 'The agent’s turn' : 'Waiting for the other side'} · {conv.turns_taken}/
          {conv.policy.max_turns} turns
          {conv.turn_deadline ? (
            <>
              {' '}
              · turn ends <Time at={conv.turn_deadline} />
            </>
          ) : null}
          {conv.hands_raised.length > 0 ? ` · hands raised: ${conv.hands_raised.length}` : ''}
        </p>
      )}
      <ErrorAlert error={page.error} />
      <Transcript
        label="Transcript"
        lines={lines}
        before={lines.length === 0 ? <p className="empty">No turns yet.</p> : null}
      />
      {page.data.has_more && client ? (
        <button type="button" className="secondary" onClick={() => void loadLater(client)} disabled={later.loading}>
          Later turns
        </button>
      ) : null}
      <ErrorAlert error={later.error} />
      {conv?.status === 'active' && (
        <>
          <Composer onSend={send} disabled={!myTurn} disabledReason={myTurn ? undefined : 'The agent speaks when it is its turn.'} />
          <ErrorAlert error={end.error} />
          <button
            type="button"
            className="secondary"
            disabled={end.busy || (actingId !== null && conv.hands_raised.includes(actingId))}
            onClick={() =>
              void end.run(async () => {
                if (!client) return;
                const r = await client.call('chat/end', { conversation_id: conversationId });
                page.setData((prev) => prev && { ...prev, conversation: r.conversation });
              })
            }
          >
            End conversation
          </button>
        </>
      )}
    </section>
  );
}
