import { MAX_PAGE_BYTES, TopicExportDocument, type TopicMessage } from '@parley/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHub } from '../src/index.js';
import { type Frame, type TestAgent, connectAgent, ok, register, rpc, startTestHub } from './helpers.js';

// Reads whose items carry message-sized text are bounded by bytes as well as
// by count (MAX_PAGE_BYTES), and topic/export comes a page at a time.

const call = async (hub: RunningHub, a: TestAgent, action: string, params?: unknown): Promise<Frame> => (await rpc(hub, a, action, params)).body;
const errorOf = (f: Frame) => (f.status === 'error' ? (f.content as { code: string; error: string; details?: Record<string, unknown> }) : null);
/** What a string adds to a response frame, without its quotes. */
const sent = (s: string) => Buffer.byteLength(JSON.stringify(s)) - 2;

type History = { messages: TopicMessage[]; has_more: boolean };
type ExportPage = { topic_id: string; format: string; filename: string; content: string; message_count: number; truncated: boolean; next_cursor: string | null };

const BIG = 60_000;

describe('bounded reads', () => {
  let hub: RunningHub;
  let owner: TestAgent;
  let reader: TestAgent;
  let big: string;
  let small: string;

  /** Every page of an export, following next_cursor. */
  async function exportPages(a: TestAgent, params: Record<string, unknown>): Promise<ExportPage[]> {
    const pages: ExportPage[] = [];
    let cursor: string | null = null;
    do {
      const page: ExportPage = ok<ExportPage>(await call(hub, a, 'topic/export', { ...params, ...(cursor ? { cursor } : {}) }));
      pages.push(page);
      cursor = page.next_cursor;
      expect(pages.length).toBeLessThan(500);
    } while (cursor);
    return pages;
  }

  beforeAll(async () => {
    // Hundreds of agents from one address: the per-address limits are not what is tested here.
    hub = await startTestHub({ addressRateLimit: false, registerRateLimit: false });
    owner = await register(hub, 'Ada');
    reader = await register(hub, 'Reader');
    big = ok<{ topic_id: string }>(await call(hub, owner, 'topic/create', { name: 'big one' })).topic_id;
    // 12 messages of 60,000 characters: 720 KB of text, more than one page can hold.
    for (let i = 1; i <= 12; i++) ok(await call(hub, owner, 'topic/publish', { topic_id: big, content: `${i} ${'x'.repeat(BIG)}`.slice(0, BIG), content_type: 'markdown' }));
    small = ok<{ topic_id: string }>(await call(hub, owner, 'topic/create', { name: 'Small: talk', description: 'short\nlines' })).topic_id;
    for (let i = 1; i <= 30; i++) {
      // Some text JSON must escape, and characters of 2 to 4 bytes, so byte counts and offsets are tested beyond ASCII.
      ok(await call(hub, owner, 'topic/publish', { topic_id: small, content: `message ${i}: "quoted"\ttab\u0001 café 日本 🎉 ${'y'.repeat(i * 40)}` }));
    }
  }, 60_000);
  afterAll(() => hub.close());

  it('topic/history stops a page at MAX_PAGE_BYTES, and paging on still gives every message once', async () => {
    const page = ok<History>(await call(hub, reader, 'topic/history', { topic_id: big, limit: 200 }));
    expect(page.messages.length).toBeGreaterThan(0);
    expect(page.messages.length).toBeLessThan(12);
    expect(page.has_more).toBe(true);
    expect(Buffer.byteLength(JSON.stringify(page.messages))).toBeLessThanOrEqual(MAX_PAGE_BYTES + 1024);
    const seqs = page.messages.map((m) => m.seq);
    let before = seqs[0]!;
    let more = page.has_more;
    while (more) {
      const older = ok<History>(await call(hub, reader, 'topic/history', { topic_id: big, limit: 200, before }));
      seqs.unshift(...older.messages.map((m) => m.seq));
      before = older.messages[0]!.seq;
      more = older.has_more;
    }
    expect(seqs).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));

    const forward = ok<History>(await call(hub, reader, 'topic/history', { topic_id: big, limit: 200, after: 0 }));
    expect(forward.messages.length).toBeLessThan(12);
    expect(forward).toMatchObject({ has_more: true });
    expect(forward.messages[0]!.seq).toBe(1);
  }, 60_000);

  it('topic/export of a big topic comes in pages of at most MAX_PAGE_BYTES that concatenate to the whole document', async () => {
    const pages = await exportPages(reader, { topic_id: big, format: 'json' });
    expect(pages.length).toBeGreaterThan(1);
    for (const p of pages) {
      expect(sent(p.content)).toBeLessThanOrEqual(MAX_PAGE_BYTES);
      expect(p).toMatchObject({ message_count: 12, truncated: false, filename: `big-one-${big}.json` });
    }
    const doc = TopicExportDocument.parse(JSON.parse(pages.map((p) => p.content).join('')));
    expect(doc.messages.map((m) => m.seq)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(doc.messages.every((m) => m.content.length === BIG)).toBe(true);
  }, 60_000);

  it('pages of any size concatenate to exactly the one-page document, in both formats', async () => {
    for (const format of ['json', 'markdown'] as const) {
      const whole = await exportPages(reader, { topic_id: small, format, limit: 25 });
      expect(whole).toHaveLength(1);
      const paged = await exportPages(reader, { topic_id: small, format, limit: 25, max_bytes: 1024 });
      expect(paged.length).toBeGreaterThan(10);
      // Each page within its bound, unless it holds a single message that alone is bigger.
      for (const p of paged) if (sent(p.content) > 1024) expect(p.content.match(/message \d+:/g)).toHaveLength(1);
      const at = (s: string) => s.replace(/\d{4}-\d\d-\d\dT[\d:.]+Z, 25 messages|"exported_at": "[^"]+"/g, 'AT');
      expect(at(paged.map((p) => p.content).join(''))).toBe(at(whole[0]!.content));
      expect(paged.every((p) => p.message_count === 25 && p.truncated)).toBe(true);
    }
    const doc = TopicExportDocument.parse(JSON.parse((await exportPages(reader, { topic_id: small, format: 'json', max_bytes: 2048 })).map((p) => p.content).join('')));
    const history = ok<History>(await call(hub, reader, 'topic/history', { topic_id: small, limit: 200 }));
    expect(doc.messages).toEqual(history.messages);
  }, 60_000);

  it('an export covers what was there at its first page; cursors are checked; access is checked on every page', async () => {
    const t = ok<{ topic_id: string }>(await call(hub, owner, 'topic/create', { name: 'moving' })).topic_id;
    for (let i = 1; i <= 6; i++) ok(await call(hub, owner, 'topic/publish', { topic_id: t, content: `early ${i} ${'z'.repeat(900)}` }));
    const first = ok<ExportPage>(await call(hub, reader, 'topic/export', { topic_id: t, format: 'json', max_bytes: 2048 }));
    expect(first.next_cursor).not.toBeNull();
    ok(await call(hub, owner, 'topic/publish', { topic_id: t, content: 'late' }));
    const rest = await exportPages(reader, { topic_id: t, format: 'json', max_bytes: 2048, cursor: first.next_cursor });
    const doc = TopicExportDocument.parse(JSON.parse([first, ...rest].map((p) => p.content).join('')));
    expect(doc.messages.map((m) => m.content.split(' ')[0])).toEqual(Array(6).fill('early'));
    expect(rest.every((p) => p.message_count === 6)).toBe(true);

    expect(errorOf(await call(hub, reader, 'topic/export', { topic_id: t, format: 'markdown', cursor: first.next_cursor }))?.code).toBe('invalid_params');
    expect(errorOf(await call(hub, reader, 'topic/export', { topic_id: small, format: 'json', cursor: first.next_cursor }))?.code).toBe('invalid_params');
    expect(errorOf(await call(hub, reader, 'topic/export', { topic_id: t, format: 'json', cursor: 'bm9wZQ' }))?.code).toBe('invalid_params');

    // Barred between two pages: the next page is refused.
    ok(await call(hub, owner, 'topic/blacklist/add', { topic_id: t, agent_id: reader.agentId }));
    expect(errorOf(await call(hub, reader, 'topic/export', { topic_id: t, format: 'json', max_bytes: 2048, cursor: first.next_cursor }))?.code).toBe('forbidden');
  }, 60_000);

  it('p2p/history and p2p/conversations stop a page at MAX_PAGE_BYTES and page on to every message and peer', async () => {
    const inbox = await register(hub, 'Inbox');
    const peers: TestAgent[] = [];
    for (let i = 0; i < 12; i++) peers.push(await register(hub));
    for (const [i, peer] of peers.entries()) ok(await call(hub, peer, 'p2p/send', { to: inbox.agentId, content: `${i} ${'p'.repeat(BIG)}`.slice(0, BIG) }));
    for (let i = 0; i < 11; i++) ok(await call(hub, peers[0]!, 'p2p/send', { to: inbox.agentId, content: `more ${i} ${'q'.repeat(BIG)}`.slice(0, BIG) }));

    type P2PPage = { messages: Array<{ message_id: string }>; has_more: boolean };
    let history = ok<P2PPage>(await call(hub, inbox, 'p2p/history', { with: peers[0]!.agentId, limit: 200 }));
    expect(history.messages.length).toBeLessThan(12);
    expect(Buffer.byteLength(JSON.stringify(history))).toBeLessThanOrEqual(MAX_PAGE_BYTES + 1024);
    const seen = [...history.messages];
    while (history.has_more) {
      history = ok<P2PPage>(await call(hub, inbox, 'p2p/history', { with: peers[0]!.agentId, limit: 200, before: seen[0]!.message_id }));
      seen.unshift(...history.messages);
    }
    expect(seen).toHaveLength(12);
    expect(new Set(seen.map((m) => m.message_id)).size).toBe(12);

    type Conversations = { conversations: Array<{ peer: string }>; next_cursor: string | null };
    let convs = ok<Conversations>(await call(hub, inbox, 'p2p/conversations', { limit: 200 }));
    expect(convs.conversations.length).toBeLessThan(12);
    expect(Buffer.byteLength(JSON.stringify(convs))).toBeLessThanOrEqual(MAX_PAGE_BYTES + 1024);
    const peersSeen = convs.conversations.map((c) => c.peer);
    while (convs.next_cursor) {
      convs = ok<Conversations>(await call(hub, inbox, 'p2p/conversations', { limit: 200, cursor: convs.next_cursor }));
      peersSeen.push(...convs.conversations.map((c) => c.peer));
    }
    expect(peersSeen.sort()).toEqual(peers.map((p) => p.agentId).sort());
  }, 60_000);

  it('inbox/poll, GET /v1/poll and inbox/feed stop at MAX_PAGE_BYTES and hand out every push once, in order', async () => {
    const listener = await register(hub, 'Listener');
    const t = ok<{ topic_id: string }>(await call(hub, owner, 'topic/create', { name: 'loud' })).topic_id;
    ok(await call(hub, listener, 'topic/join', { topic_id: t }));
    for (let i = 1; i <= 12; i++) ok(await call(hub, owner, 'topic/publish', { topic_id: t, content: `${i} ${'l'.repeat(BIG)}`.slice(0, BIG) }));

    // GET /v1/poll first (it moves no cursor): pages by the seqs it returns.
    const stream = `topic:${t}`;
    const polled: number[] = [];
    for (let cursor = 0, rounds = 0; rounds < 20; rounds++) {
      const qs = `cursors=${encodeURIComponent(JSON.stringify({ [stream]: cursor }))}&wait=0&limit=1000`;
      const res = await fetch(`${hub.url}/v1/poll?${qs}`, { headers: { authorization: `Bearer ${listener.token}` } });
      const text = await res.text();
      const pushes = (JSON.parse(text) as { pushes: Array<{ stream: string; seq: number }> }).pushes.filter((p) => p.stream === stream);
      if (pushes.length === 0) break;
      expect(Buffer.byteLength(text)).toBeLessThanOrEqual(MAX_PAGE_BYTES + 1024);
      polled.push(...pushes.map((p) => p.seq));
      cursor = pushes[pushes.length - 1]!.seq;
    }
    expect(polled.length).toBeGreaterThanOrEqual(12);
    expect(polled).toEqual([...polled].sort((a, b) => a - b));

    type Poll = { pushes: Array<{ stream: string; seq: number; event: string }>; has_more: boolean };
    const seqs: number[] = [];
    let first = true;
    for (let rounds = 0; rounds < 20; rounds++) {
      const page = ok<Poll>(await call(hub, listener, 'inbox/poll', { limit: 500 }));
      if (first) {
        expect(page.has_more).toBe(true);
        expect(Buffer.byteLength(JSON.stringify(page))).toBeLessThanOrEqual(MAX_PAGE_BYTES + 1024);
        first = false;
      }
      seqs.push(...page.pushes.filter((p) => p.stream === stream && p.event === 'topic.message').map((p) => p.seq));
      if (!page.has_more) break;
    }
    expect(seqs).toHaveLength(12);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));

    type Feed = { items: Array<{ message_id: string }>; next_cursor: string | null };
    let feed = ok<Feed>(await call(hub, listener, 'inbox/feed', { limit: 200 }));
    expect(feed.items.length).toBeLessThan(12);
    const items = [...feed.items];
    while (feed.next_cursor) {
      feed = ok<Feed>(await call(hub, listener, 'inbox/feed', { limit: 200, cursor: feed.next_cursor }));
      items.push(...feed.items);
    }
    expect(new Set(items.map((m) => m.message_id)).size).toBe(12);
  }, 60_000);

  it('lists paged newest first (task/list and the others on core/paging) stop a page at MAX_PAGE_BYTES', async () => {
    const boss = await register(hub, 'Boss');
    const long = 'd'.repeat(19_000);
    for (let i = 0; i < 16; i++) ok(await call(hub, boss, 'task/create', { title: `task ${i}`, description: long, acceptance_criteria: long }));
    type Tasks = { tasks: Array<{ task_id: string }>; next_cursor: string | null };
    let page = ok<Tasks>(await call(hub, boss, 'task/list', { owner: boss.agentId, limit: 200 }));
    expect(page.tasks.length).toBeLessThan(16);
    expect(Buffer.byteLength(JSON.stringify(page))).toBeLessThanOrEqual(MAX_PAGE_BYTES + 64 * 1024);
    const ids = page.tasks.map((t) => t.task_id);
    while (page.next_cursor) {
      page = ok<Tasks>(await call(hub, boss, 'task/list', { owner: boss.agentId, limit: 200, cursor: page.next_cursor }));
      ids.push(...page.tasks.map((t) => t.task_id));
    }
    expect(new Set(ids).size).toBe(16);
  }, 60_000);

  it('task/works and task/timeline come in pages bounded by count and bytes', async () => {
    const worker = await register(hub, 'Worker');
    const task = ok<{ task_id: string }>(await call(hub, worker, 'task/create', { title: 'redo until right', runner: worker.agentId })).task_id;
    // Each submission: 19,000 characters of output and 50 URLs of ~2,000 characters, about 120 KB; five of them are over a page.
    const artifacts = Array.from({ length: 50 }, (_, i) => `https://example.com/${i}/${'a'.repeat(1990)}`);
    for (let i = 0; i < 5; i++) {
      ok(await call(hub, worker, 'task/start', { task_id: task }));
      ok(await call(hub, worker, 'task/submit', { task_id: task, output: `${i} ${'o'.repeat(19_000)}`, artifacts }));
      if (i < 4) ok(await call(hub, worker, 'task/review', { task_id: task, decision: 'reject', comment: `not yet ${i}` }));
    }
    type Works = { works: Array<{ submission_id: string }>; next_cursor: string | null };
    let works = ok<Works>(await call(hub, worker, 'task/works', { task_id: task, limit: 200 }));
    expect(works.works.length).toBeLessThan(5);
    expect(Buffer.byteLength(JSON.stringify(works))).toBeLessThanOrEqual(MAX_PAGE_BYTES + 1024);
    const ids = works.works.map((w) => w.submission_id);
    while (works.next_cursor) {
      works = ok<Works>(await call(hub, worker, 'task/works', { task_id: task, limit: 200, cursor: works.next_cursor }));
      ids.push(...works.works.map((w) => w.submission_id));
    }
    expect(new Set(ids).size).toBe(5);

    type Timeline = { entries: Array<{ kind: string }>; next_cursor: string | null };
    const all = ok<Timeline>(await call(hub, worker, 'task/timeline', { task_id: task }));
    expect(all.next_cursor).toBeNull();
    let page = ok<Timeline>(await call(hub, worker, 'task/timeline', { task_id: task, limit: 3 }));
    const kinds = page.entries.map((e) => e.kind);
    while (page.next_cursor) {
      page = ok<Timeline>(await call(hub, worker, 'task/timeline', { task_id: task, limit: 3, cursor: page.next_cursor }));
      kinds.push(...page.entries.map((e) => e.kind));
    }
    expect(kinds).toEqual(all.entries.map((e) => e.kind));
    expect(kinds.length).toBeGreaterThan(10);
  }, 60_000);

  it('world members, candidates and hot list stop a page at MAX_PAGE_BYTES and page on to everyone', async () => {
    const host = await register(hub, 'Host');
    // Contexts of ~3,900 characters, a third of them quotes (two bytes each as sent): about 5 KB per entry.
    const context = (i: number) => `${i} ${'"tea" '.repeat(640)}`.slice(0, 3900);
    const world = ok<{ world_id: string }>(
      await call(hub, host, 'world/create', { display_name: 'Crowded', world_context_text: `big ${'"w" '.repeat(2600)}`.slice(0, 7900), participant_context_text: context(0) }),
    ).world_id;
    const guests = await Promise.all(Array.from({ length: 110 }, () => connectAgent(hub)));
    try {
      for (const [i, g] of guests.entries()) ok(await g.client.call(g.agent.agentId, 'world/join', { world_id: world, participant_context_text: context(i + 1) }));

      type Members = { members: Array<{ agent_id: string }>; total: number; next_cursor: string | null };
      let members = ok<Members>(await call(hub, host, 'world/members', { world_id: world, limit: 500 }));
      expect(members.total).toBe(111);
      expect(members.members.length).toBeLessThan(111);
      expect(Buffer.byteLength(JSON.stringify(members))).toBeLessThanOrEqual(MAX_PAGE_BYTES + 1024);
      const ids = members.members.map((m) => m.agent_id);
      expect(ids[0]).toBe(host.agentId);
      while (members.next_cursor) {
        members = ok<Members>(await call(hub, host, 'world/members', { world_id: world, limit: 500, cursor: members.next_cursor }));
        ids.push(...members.members.map((m) => m.agent_id));
      }
      expect(new Set(ids).size).toBe(111);

      type Candidates = { candidates: Array<{ target_agent_id: string; participant_context_text: string }>; next_cursor: string | null };
      const me = guests[0]!;
      let cands = ok<Candidates>(await me.client.call(me.agent.agentId, 'world/candidates', { world_id: world, limit: 100 }));
      expect(cands.candidates.length).toBeLessThan(100);
      expect(cands.candidates[0]!.participant_context_text).toMatch(/^\d+ "tea"/);
      expect(Buffer.byteLength(JSON.stringify(cands))).toBeLessThanOrEqual(MAX_PAGE_BYTES + 1024);
      const seen = cands.candidates.map((c) => c.target_agent_id);
      while (cands.next_cursor) {
        cands = ok<Candidates>(await me.client.call(me.agent.agentId, 'world/candidates', { world_id: world, limit: 100, cursor: cands.next_cursor }));
        seen.push(...cands.candidates.map((c) => c.target_agent_id));
      }
      expect(new Set(seen).size).toBe(109); // the other guests online (the host has no socket)
    } finally {
      for (const g of guests) g.client.close();
    }

    // 70 worlds of ~7,900 characters of context each: more than a page of the hot list.
    for (let i = 0; i < 70; i++) ok(await call(hub, host, 'world/create', { display_name: `w${i}`, world_context_text: `${i} ${'"x" '.repeat(2600)}`.slice(0, 7900) }));
    type Worlds = { worlds: Array<{ world_id: string }>; total: number; next_cursor: string | null };
    let list = ok<Worlds>(await call(hub, host, 'world/list', { limit: 100 }));
    expect(list.worlds.length).toBeLessThan(list.total);
    expect(Buffer.byteLength(JSON.stringify(list))).toBeLessThanOrEqual(MAX_PAGE_BYTES + 1024);
    const listed = list.worlds.map((w) => w.world_id);
    while (list.next_cursor) {
      list = ok<Worlds>(await call(hub, host, 'world/list', { limit: 100, cursor: list.next_cursor }));
      listed.push(...list.worlds.map((w) => w.world_id));
    }
    expect(new Set(listed).size).toBe(list.total);
  }, 120_000);

  it('chat/get returns a long transcript a page at a time', async () => {
    const a = await register(hub, 'Talker');
    const b = await register(hub, 'Listener2');
    const asked = ok<{ conversation: { conversation_id: string } | null }>(
      await call(hub, a, 'chat/request', { target_agent_id: b.agentId, opening_message: 'long talk', episode_policy: { max_turns: 100 } }),
    );
    const conv = asked.conversation!.conversation_id;
    // 50 turns of 8,000 characters, half of them quotes (two bytes each as sent): about 600 KB.
    for (let i = 0; i < 50; i++) {
      const who = i % 2 === 0 ? a : b;
      ok(await call(hub, who, 'chat/send', { conversation_id: conv, text: `${i} ${'"x'.repeat(4000)}`.slice(0, 8000), client_message_id: `t${i}` }));
    }
    type Transcript = { turns: Array<{ turn: number }>; has_more: boolean };
    let page = ok<Transcript>(await call(hub, a, 'chat/get', { conversation_id: conv }));
    expect(page.has_more).toBe(true);
    expect(Buffer.byteLength(JSON.stringify(page))).toBeLessThanOrEqual(MAX_PAGE_BYTES + 8 * 1024);
    const turns = page.turns.map((t) => t.turn);
    while (page.has_more) {
      page = ok<Transcript>(await call(hub, a, 'chat/get', { conversation_id: conv, after: turns[turns.length - 1] }));
      turns.push(...page.turns.map((t) => t.turn));
    }
    expect(turns).toEqual(Array.from({ length: 51 }, (_, i) => i));
  }, 60_000);

  it('topic and world join requests and topic bars come in pages; world requests stop at MAX_PAGE_BYTES', async () => {
    const keeper = await register(hub, 'Keeper');
    const club = ok<{ topic_id: string }>(await call(hub, keeper, 'topic/create', { name: 'club', join_method: 'invite_only' })).topic_id;
    const hall = ok<{ world_id: string }>(await call(hub, keeper, 'world/create', { display_name: 'Hall', world_context_text: 'by approval', join_policy: 'approval' })).world_id;
    const askers = await Promise.all(Array.from({ length: 120 }, () => register(hub)));
    for (const [i, a] of askers.entries()) {
      ok(await call(hub, a, 'topic/join', { topic_id: club }));
      ok(await call(hub, a, 'world/join', { world_id: hall, participant_context_text: `${i} ${'"me" '.repeat(800)}`.slice(0, 3900) }));
    }
    const open = ok<{ topic_id: string }>(await call(hub, keeper, 'topic/create', { name: 'barred' })).topic_id;
    for (const a of askers.slice(0, 7)) ok(await call(hub, keeper, 'topic/blacklist/add', { topic_id: open, agent_id: a.agentId }));

    async function all<K extends string>(action: string, params: Record<string, unknown>, key: K): Promise<{ pages: number; items: Array<{ agent_id: string }> }> {
      const items: Array<{ agent_id: string }> = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        type Page = Record<K, Array<{ agent_id: string }>> & { next_cursor: string | null };
        const page: Page = ok<Page>(await call(hub, keeper, action, { ...params, ...(cursor ? { cursor } : {}) }));
        expect(Buffer.byteLength(JSON.stringify(page))).toBeLessThanOrEqual(MAX_PAGE_BYTES + 8 * 1024);
        items.push(...page[key]);
        cursor = page.next_cursor;
        pages++;
      } while (cursor);
      return { pages, items };
    }
    const topicRequests = await all('topic/requests', { topic_id: club, limit: 50 }, 'requests');
    expect(topicRequests.pages).toBe(3);
    // Oldest first; requests made in the same millisecond go by agent id, so compare as sets.
    expect(new Set(topicRequests.items.map((r) => r.agent_id))).toEqual(new Set(askers.map((a) => a.agentId)));
    expect(topicRequests.items).toHaveLength(120);
    const worldRequests = await all('world/requests', { world_id: hall, limit: 200 }, 'requests');
    expect(worldRequests.pages).toBeGreaterThan(1);
    expect(new Set(worldRequests.items.map((r) => r.agent_id))).toEqual(new Set(askers.map((a) => a.agentId)));
    expect(worldRequests.items).toHaveLength(120);
    const bars = await all('topic/blacklist/list', { topic_id: open, limit: 3 }, 'entries');
    expect(bars.pages).toBe(3);
    expect(new Set(bars.items.map((b) => b.agent_id)).size).toBe(7);
  }, 120_000);

  it('an empty topic exports as one page in both formats', async () => {
    const t = ok<{ topic_id: string }>(await call(hub, owner, 'topic/create', { name: 'quiet' })).topic_id;
    const json = await exportPages(reader, { topic_id: t, format: 'json' });
    expect(json).toHaveLength(1);
    expect(TopicExportDocument.parse(JSON.parse(json[0]!.content)).messages).toEqual([]);
    const md = await exportPages(reader, { topic_id: t });
    expect(md).toHaveLength(1);
    expect(md[0]!.content).toContain('0 messages');
  });
});
