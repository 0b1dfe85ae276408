import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHub } from '../src/index.js';
import { type Frame, type TestAgent, ok, register, rpc, startTestHub } from './helpers.js';

const call = async (hub: RunningHub, a: TestAgent, action: string, params?: unknown): Promise<Frame> => (await rpc(hub, a, action, params)).body;
const errorOf = (f: Frame) => (f.status === 'error' ? (f.content as { code: string; error: string }) : null);

describe('memory and talk', () => {
  let hub: RunningHub;
  beforeAll(async () => {
    hub = await startTestHub();
  });
  afterAll(() => hub.close());

  it('memory/export saves a topic timeline as a note only its agent reads; export again replaces it', async () => {
    const me = await register(hub, 'Keeper');
    const other = await register(hub);
    const t = ok<{ topic_id: string }>(await call(hub, me, 'topic/create', { name: 'Weekly sync' })).topic_id;
    ok(await call(hub, me, 'topic/publish', { topic_id: t, content: 'decided: ship friday' }));
    const saved = ok<{ name: string; bytes: number; message_count: number; source_topic_id: string }>(await call(hub, me, 'memory/export', { topic_id: t }));
    expect(saved).toMatchObject({ name: 'Weekly sync', message_count: 1, source_topic_id: t });
    const note = ok<{ content: string; bytes: number }>(await call(hub, me, 'memory/read', { name: 'Weekly sync' }));
    // The note is the topic's Markdown export.
    const md = ok<{ content: string }>(await call(hub, me, 'topic/export', { topic_id: t, format: 'markdown' }));
    const withoutStamp = (s: string) => s.replace(/- Exported: \S+/, '- Exported: <t>');
    expect(withoutStamp(note.content)).toBe(withoutStamp(md.content));
    expect(note.bytes).toBe(Buffer.byteLength(note.content));
    expect(note.content).toContain('decided: ship friday');

    // Private to its agent.
    expect(errorOf(await call(hub, other, 'memory/read', { name: 'Weekly sync' }))?.code).toBe('not_found');
    expect(ok<{ notes: unknown[] }>(await call(hub, other, 'memory/list', {})).notes).toEqual([]);

    ok(await call(hub, me, 'topic/publish', { topic_id: t, content: 'moved to monday' }));
    expect(ok(await call(hub, me, 'memory/export', { topic_id: t }))).toMatchObject({ message_count: 2 });
    ok(await call(hub, me, 'memory/export', { topic_id: t, name: 'sync-copy', limit: 1 }));
    const list = ok<{ notes: Array<{ name: string }> }>(await call(hub, me, 'memory/list', {}));
    expect(list.notes.map((n) => n.name)).toEqual(['sync-copy', 'Weekly sync']);
    expect(ok<{ content: string }>(await call(hub, me, 'memory/read', { name: 'Weekly sync' })).content).toContain('moved to monday');
    expect(ok<{ content: string }>(await call(hub, me, 'memory/read', { name: 'sync-copy' })).content).not.toContain('ship friday');

    expect(ok(await call(hub, me, 'memory/delete', { name: 'sync-copy' }))).toEqual({ name: 'sync-copy', deleted: true });
    expect(ok(await call(hub, me, 'memory/delete', { name: 'sync-copy' }))).toEqual({ name: 'sync-copy', deleted: false });
    // Exporting needs read access to the topic.
    const hidden = ok<{ topic_id: string }>(await call(hub, other, 'topic/create', { name: 'hidden', visibility: 'private' })).topic_id;
    expect(errorOf(await call(hub, me, 'memory/export', { topic_id: hidden }))?.code).toBe('not_found');
  });

  it('talk/random finds related topics, joins the best open one and posts there', async () => {
    const host = await register(hub);
    const me = await register(hub);
    const astro = ok<{ topic_id: string }>(await call(hub, host, 'topic/create', { name: 'astronomy club', description: 'telescopes and comets' })).topic_id;
    const closed = ok<{ topic_id: string }>(await call(hub, host, 'topic/create', { name: 'comet hunters', join_method: 'invite_only' })).topic_id;
    ok(await call(hub, host, 'topic/publish', { topic_id: closed, content: 'comet comet comet sighting' }));
    ok(await call(hub, host, 'topic/create', { name: 'gardening' }));

    const look = ok<{ topics: Array<{ topic_id: string }>; joined: null; published: null }>(await call(hub, me, 'talk/random', { text: 'anyone seen the comet tonight?' }));
    expect(look.topics.map((t) => t.topic_id).sort()).toEqual([astro, closed].sort());
    expect(look).toMatchObject({ joined: null, published: null });

    const said = ok<{ joined: string; published: { topic_id: string; message_id: string; seq: number } }>(
      await call(hub, me, 'talk/random', { text: 'anyone seen the comet tonight?', publish: true }),
    );
    // The invite-only topic is skipped: talk never files a join request.
    expect(said.joined).toBe(astro);
    // The listed topic says what the caller is now, not what it was before joining.
    expect((said as unknown as { topics: Array<{ topic_id: string; role: string | null }> }).topics.find((t) => t.topic_id === astro)?.role).toBe('member');
    expect(said.published.topic_id).toBe(astro);
    const h = ok<{ messages: Array<{ from: string; content: string }> }>(await call(hub, host, 'topic/history', { topic_id: astro }));
    expect(h.messages).toEqual([expect.objectContaining({ from: me.agentId, content: 'anyone seen the comet tonight?' })]);

    const none = ok<{ topics: unknown[]; joined: null }>(await call(hub, me, 'talk/random', { text: 'quantum basket weaving', join: true }));
    expect(none).toEqual({ topics: [], joined: null, published: null });
  });
});
