import { generateKeyPair, signMessage } from '@parley/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveHubOptionsFromEnv, type RunningHub } from '../src/index.js';
import { becomeChair, nowS, postJson, register, startTestHub } from './helpers.js';
import { jujiConnect, jujiOpen, jujiRegister, jujiUrl, type JujiAgent } from './juji-client.js';

describe('juji edge: off by default', () => {
  it('is turned on by PARLEY_JUJI=1, off by 0, and refuses anything else', () => {
    expect(resolveHubOptionsFromEnv({}).juji).toBeUndefined();
    expect(resolveHubOptionsFromEnv({ PARLEY_JUJI: '1' }).juji).toBe(true);
    expect(resolveHubOptionsFromEnv({ PARLEY_JUJI: '0' }).juji).toBe(false);
    expect(() => resolveHubOptionsFromEnv({ PARLEY_JUJI: 'maybe' })).toThrow(/PARLEY_JUJI/);
  });

  it('serves none of Juji routes unless turned on', async () => {
    const hub = await startTestHub();
    try {
      const res = await postJson(`${hub.url}/agent/register`, { public_key: generateKeyPair().publicKey });
      expect(res.status).toBe(404);
      const caps = await fetch(`${hub.url}/message/capabilities`);
      expect(caps.status).toBe(404);
    } finally {
      await hub.close();
    }
  });
});

describe('juji edge: registration and connection', () => {
  let hub: RunningHub;
  beforeAll(async () => {
    hub = await startTestHub({ juji: true });
  });
  afterAll(async () => {
    await hub?.close();
  });

  it('registers a key: an integer agent_id, stable, with a new ws_token each time', async () => {
    const keys = generateKeyPair();
    const a = await jujiRegister(hub, keys, 'alice');
    expect(Number.isSafeInteger(a.alias) && a.alias > 0).toBe(true);
    expect(a.wsToken).toMatch(/^[0-9a-f]+$/);
    const again = await jujiRegister(hub, keys);
    expect(again.alias).toBe(a.alias);
    expect(again.wsToken).not.toBe(a.wsToken);
    const other = await jujiRegister(hub, generateKeyPair());
    expect(other.alias).not.toBe(a.alias);
  });

  it('refuses a registration without a usable public key, changing nothing', async () => {
    for (const body of [{}, { wallet_address: '0xabc' }, { public_key: 'zz' }, { public_key: generateKeyPair().publicKey, name: 7 }, 'x']) {
      const res = await postJson(`${hub.url}/agent/register`, body);
      expect(res.status).toBe(400);
      expect(typeof (res.body as { error: unknown }).error).toBe('string');
    }
  });

  it('connects with the signature: connected with the integer id, ping answered with pong', async () => {
    const a = await jujiRegister(hub, generateKeyPair(), 'bob');
    const s = await jujiOpen(jujiUrl(hub, a));
    expect(await s.next()).toEqual({ type: 'connected', agent_id: a.alias });
    s.ws.send('ping');
    expect(await s.next()).toEqual({ type: 'pong' });
    s.ws.send('{"type":"ping"}');
    expect(await s.next()).toEqual({ type: 'pong' });
    await s.close();
  });

  it('closes with 4401 on bad auth: no signature, another key, an old ts, another token, an unknown id', async () => {
    const a = await jujiRegister(hub, generateKeyPair());
    const ts = nowS();
    const base = `${hub.url.replace('http', 'ws')}/ws?agent_id=${a.alias}&token=${a.wsToken}`;
    const urls = [
      base,
      `${base}&ts=${ts}`,
      jujiUrl(hub, a, ts, signMessage(generateKeyPair().secretKey, `juji-ws-v1|${a.alias}|${ts}`)),
      jujiUrl(hub, a, ts - 600),
      jujiUrl(hub, { ...a, wsToken: 'ab'.repeat(24) }, ts),
      jujiUrl(hub, { ...a, alias: a.alias + 100_000 }, ts),
      // Signed for another agent id.
      jujiUrl(hub, a, ts, signMessage(a.keys.secretKey, `juji-ws-v1|${a.alias + 1}|${ts}`)),
    ];
    for (const url of urls) {
      const s = await jujiOpen(url);
      expect(await s.closed()).toBe(4401);
      expect(s.messages.find((m) => m.type === 'connected')).toBeUndefined();
    }
  });

  it('anyone may re-register a key (as in Juji) but cannot connect without it; the owner registers again and connects', async () => {
    const keys = generateKeyPair();
    const a = await jujiRegister(hub, keys);
    const thief = await jujiRegister(hub, { publicKey: keys.publicKey, secretKey: generateKeyPair().secretKey });
    expect(thief.alias).toBe(a.alias);
    const s = await jujiOpen(jujiUrl(hub, thief));
    expect(await s.closed()).toBe(4401);
    const again = await jujiRegister(hub, keys);
    const ok = await jujiConnect(hub, again);
    await ok.close();
  });

  it('refuses a replayed (agent, ts) while the session using it is live; a closed one gives it back', async () => {
    const a = await jujiRegister(hub, generateKeyPair());
    const ts = nowS();
    const first = await jujiConnect(hub, a, ts);
    const replay = await jujiOpen(jujiUrl(hub, a, ts));
    expect(await replay.closed()).toBe(4401);
    // The live session is untouched.
    first.ws.send('ping');
    expect(await first.next()).toEqual({ type: 'pong' });
    await first.close();
    // Juji's client: a new connection for the next command, within the same second.
    const second = await jujiConnect(hub, a, ts);
    await second.close();
    const third = await jujiConnect(hub, a, ts);
    await third.close();
  });

  it('answers hostile frames with errors and keeps the connection', async () => {
    const a = await jujiRegister(hub, generateKeyPair());
    const s = await jujiConnect(hub, a);
    s.ws.send('not json');
    expect(await s.next()).toMatchObject({ type: 'error', status: 'error' });
    s.ws.send('[1,2]');
    expect(await s.next()).toMatchObject({ type: 'error', content: { error: 'frame is not a JSON object' } });
    s.ws.send(JSON.stringify({ agent_id: a.alias, u_id: 'x'.repeat(121), params: { action: 'task/list', params: {} } }));
    expect(await s.next()).toMatchObject({ type: 'error' });
    s.ws.send(JSON.stringify({ agent_id: a.alias, u_id: 'no-params' }));
    expect(await s.next((m) => m.u_id === 'no-params')).toMatchObject({ status: 'error', content: { error: 'params must be {action, params}' } });
    s.ws.send(JSON.stringify({ agent_id: a.alias, u_id: 'array-params', params: { action: 'task/list', params: [1] } }));
    expect(await s.next((m) => m.u_id === 'array-params')).toMatchObject({ status: 'error', content: { error: 'params must be an object' } });
    s.ws.send(JSON.stringify({ agent_id: a.alias, u_id: 'proto', params: { action: '__proto__', params: {} } }));
    expect(await s.next((m) => m.u_id === 'proto')).toMatchObject({ status: 'error', content: { error: 'unknown action "__proto__"' } });
    s.ws.send(JSON.stringify({ agent_id: a.alias, u_id: 'deep', params: { action: 'task/list', params: { status: JSON.parse('['.repeat(200) + ']'.repeat(200)) } } }));
    expect(await s.next((m) => m.type === 'error' || m.u_id === 'deep')).toMatchObject({ status: 'error' });
    s.ws.send('ping');
    expect(await s.next()).toEqual({ type: 'pong' });
    await s.close();
  });

  it('refuses bad REST bodies with {error}, running nothing', async () => {
    const a = await jujiRegister(hub, generateKeyPair());
    const parley = await register(hub, undefined, a.keys);
    const auth = { authorization: `Bearer ${parley.token}` };
    const notObject = await postJson(`${hub.url}/content/publish`, '[1]', auth);
    expect(notObject.status).toBe(400);
    const noTitle = await postJson(`${hub.url}/content/publish`, { body: 'x' }, auth);
    expect(noTitle.status).toBe(400);
    expect(noTitle.body).toMatchObject({ status: 'error' });
    expect(typeof (noTitle.body as { error: unknown }).error).toBe('string');
    const s = await jujiConnect(hub, a);
    const mine = await s.call(a.alias, 'content/search', { author_agent_id: a.alias });
    expect((mine.content as { articles: unknown[] }).articles).toEqual([]);
    await s.close();
  });

  it('serves discovery: capabilities, actions, topics, channels', async () => {
    const caps = (await (await fetch(`${hub.url}/message/capabilities`)).json()) as { api_revision: string; websocket: { actions: Record<string, unknown> } };
    expect(typeof caps.api_revision).toBe('string');
    expect(Object.keys(caps.websocket.actions)).toContain('committee/applications/vote_for_self');
    const actions = (await (await fetch(`${hub.url}/message/actions`)).json()) as { actions: string[] };
    expect(actions.actions).toEqual(expect.arrayContaining(['task/list', 'proposal/list_with_stats', 'community/capabilities', 'content/search', 'skills/list']));
    const topics = (await (await fetch(`${hub.url}/message/topics`)).json()) as { topics: string[] };
    expect(topics.topics).toContain('content.published');
    const a = await jujiRegister(hub, generateKeyPair());
    const s = await jujiConnect(hub, a);
    const channels = (await (await fetch(`${hub.url}/message/channels`)).json()) as { agent_ids: number[] };
    expect(channels.agent_ids).toContain(a.alias);
    const viaWs = await s.call(a.alias, 'community/capabilities');
    expect(viaWs).toMatchObject({ agent_id: a.alias, status: 'success', content: caps });
    await s.close();
  });
});

describe('juji edge: actions, pushes and REST writes', () => {
  let hub: RunningHub;
  let a: JujiAgent;
  let b: JujiAgent;
  beforeAll(async () => {
    hub = await startTestHub({ juji: true });
    a = await jujiRegister(hub, generateKeyPair(), 'alice');
    b = await jujiRegister(hub, generateKeyPair(), 'bob');
  });
  afterAll(async () => {
    await hub?.close();
  });

  it('answers in Juji envelopes: integer agent ids in results, {error} on failure', async () => {
    const s = await jujiConnect(hub, a);
    const tasks = await s.call(a.alias, 'task/list', { status: 'open', limit: 20, offset: 0 });
    expect(tasks).toMatchObject({ agent_id: a.alias, status: 'success', content: { tasks: [] } });

    const created = await s.call(a.alias, 'proposal/create', { title: 'Raise the cap', description: 'to 31' });
    expect(created.status).toBe('success');
    expect((created.content as { author_id: unknown }).author_id).toBe(a.alias);
    // Proposal ids are integers too, and come back as such.
    const pid = (created.content as { proposal_id: unknown }).proposal_id;
    expect(Number.isSafeInteger(pid)).toBe(true);
    const vote = await s.call(a.alias, 'proposal/vote', { proposal_id: pid, support: true });
    expect(vote).toMatchObject({ status: 'success', content: { proposal_id: pid, stats: { support: 1, my_vote: true } } });
    const again = await s.call(a.alias, 'proposal/create', { title: 'prp_looks_like_an_id', description: 'x' });
    expect(again.content).toMatchObject({ title: 'prp_looks_like_an_id', proposal_id: (pid as number) + 1 });

    const list = await s.call(a.alias, 'proposal/list_with_stats', { only_open: true });
    expect(list.status).toBe('success');
    const proposals = (list.content as { proposals: Array<{ title: string; author_id: unknown }> }).proposals;
    expect(proposals.map((p) => p.title)).toContain('Raise the cap');
    expect(proposals.every((p) => typeof p.author_id === 'number')).toBe(true);

    const got = await s.call(a.alias, 'agent/get', { agent_id: a.alias });
    expect(got).toMatchObject({ status: 'success', content: { agent_id: a.alias, name: 'alice' } });

    for (const [action, params, words] of [
      ['no/such', {}, 'unknown action'],
      ['agent/get', { agent_id: 999_999 }, 'unknown agent'],
      ['agent/get', { agent_id: 'x' }, 'agent_id'],
      ['task/list', { limit: 0 }, 'limit'],
      ['task/list', { offset: -1 }, 'offset'],
      ['proposal/vote', { proposal_id: 999_999, support: true }, 'unknown proposal 999999'],
      ['proposal/vote', { proposal_id: 'prp_nosuch', support: true }, 'proposal'],
      ['task/get', { task_id: -1 }, 'task_id must be a positive integer'],
    ] as const) {
      const r = await s.call(a.alias, action, params);
      expect(r.status).toBe('error');
      expect(Object.keys(r.content as object)).toEqual(['error']);
      expect((r.content as { error: string }).error).toContain(words);
    }
    // An envelope naming another agent acts as nobody.
    const other = await s.call(b.alias, 'committee/apply', {});
    expect(other).toMatchObject({ status: 'error', content: { error: 'agent_id is not the connected agent' } });
    await s.close();
  });

  it("gives Parley's own agents integer ids too, the same each time", async () => {
    const natives = await Promise.all(['n1', 'n2', 'n3'].map((n) => register(hub, n)));
    const s = await jujiConnect(hub, a);
    const list = async () => ((await s.call(a.alias, 'agent/list', { limit: 200 })).content as { agents: Array<{ agent_id: unknown; name: string }> }).agents;
    const first = await list();
    expect(first.every((x) => Number.isSafeInteger(x.agent_id))).toBe(true);
    const ids = ['n1', 'n2', 'n3'].map((n) => first.find((x) => x.name === n)?.agent_id);
    expect(new Set(ids).size).toBe(3);
    expect(ids.every((x) => Number.isSafeInteger(x))).toBe(true);
    expect(await list()).toEqual(first);
    const n1 = first.find((x) => x.name === 'n1')!;
    const got = await s.call(a.alias, 'agent/get', { agent_id: n1.agent_id });
    expect(got).toMatchObject({ status: 'success', content: { agent_id: n1.agent_id, name: 'n1' } });
    await s.close();
    // An alias got this way is no way in, even signed with the right key: no ws_token was ever issued for it.
    const asN1 = { keys: natives[0]!.keys, alias: n1.agent_id as number, wsToken: 'ab'.repeat(24), parleyId: natives[0]!.agentId };
    const refused = await jujiOpen(jujiUrl(hub, asN1));
    expect(await refused.closed()).toBe(4401);
  });

  it('committee/apply and vote_for_self act as the connection, ignoring an agent_id in params', async () => {
    const s = await jujiConnect(hub, b);
    const applied = await s.call(b.alias, 'committee/apply', {});
    expect(applied).toMatchObject({ status: 'success', content: { agent_id: b.alias, status: 'PENDING' } });
    const voted = await s.call(b.alias, 'committee/applications/vote_for_self', { agent_id: a.alias, support: true });
    expect(voted.status).toBe('success');
    expect((voted.content as { agent_id: number }).agent_id).toBe(b.alias);
    const apps = await s.call(b.alias, 'committee/applications', { status: 'PENDING', limit: 20, offset: 0 });
    const mine = (apps.content as { applications: Array<{ agent_id: number; support: number }> }).applications.find((x) => x.agent_id === b.alias);
    expect(mine?.support).toBe(1);
    await s.close();
  });

  it('pages with limit and offset', async () => {
    const s = await jujiConnect(hub, a);
    for (let i = 0; i < 3; i++) expect((await s.call(a.alias, 'proposal/create', { title: `page ${i}`, description: 'x' })).status).toBe('success');
    const all = (await s.call(a.alias, 'proposal/list', { limit: 100 })).content as { proposals: Array<{ proposal_id: string }> };
    const page = (await s.call(a.alias, 'proposal/list', { limit: 2, offset: 1 })).content as { proposals: Array<{ proposal_id: string }> };
    expect(page.proposals.map((p) => p.proposal_id)).toEqual(all.proposals.slice(1, 3).map((p) => p.proposal_id));
    await s.close();
  });

  it('pushes governance/notification frames, and honours notification/subscription/set', async () => {
    const listener = await jujiConnect(hub, b);
    const author = await jujiConnect(hub, a);
    const created = await author.call(a.alias, 'proposal/create', { title: 'pushed', description: 'x' });
    const id = (created.content as { proposal_id: string }).proposal_id;
    const push = await listener.next((m) => m.type === 'governance/notification' && m.event === 'proposal.created');
    expect(push).toMatchObject({ topic: 'proposal.created', variant: 'public', data: { proposal: { proposal_id: id, author_id: a.alias } } });

    const set = await listener.call(b.alias, 'notification/subscription/set', { topic: 'proposal.created', subscribed: false });
    expect(set.status).toBe('success');
    const settings = await listener.call(b.alias, 'notification/subscription/list', {});
    expect(JSON.stringify(settings.content)).toContain('proposal.created');
    // Switched off: the next proposal.created does not come; a direct notice (a vote on b's... own proposal) still does.
    const mine = await listener.call(b.alias, 'proposal/create', { title: 'b own', description: 'x' });
    const mineId = (mine.content as { proposal_id: string }).proposal_id;
    await author.call(a.alias, 'proposal/vote', { proposal_id: mineId, support: true });
    const direct = await listener.next((m) => m.event === 'proposal.voted' && m.variant === 'direct');
    expect(direct).toMatchObject({ type: 'governance/notification', data: { proposal_id: mineId, details: { voter: a.alias, support: true } } });
    expect(listener.messages.filter((m) => m.event === 'proposal.created')).toEqual([]);
    await listener.close();
    await author.close();
  });

  it('REST writes need a Parley bearer token for the agent named: 401 without, 403 for another, done with one', async () => {
    const body = { title: 'Hello JuJi', body: 'first article', author_agent_id: a.alias, tags: ['juji'] };
    const none = await postJson(`${hub.url}/content/publish`, body);
    expect(none.status).toBe(401);
    const wsToken = await postJson(`${hub.url}/content/publish`, body, { authorization: `Bearer ${a.wsToken}` });
    expect(wsToken.status).toBe(401);
    // Parley's registration: proof of the same key, the same agent.
    const parley = await register(hub, undefined, a.keys);
    expect(parley.agentId).toBe(a.parleyId);
    const auth = { authorization: `Bearer ${parley.token}` };
    const asOther = await postJson(`${hub.url}/content/publish`, { ...body, author_agent_id: b.alias }, auth);
    expect(asOther.status).toBe(403);
    const done = await postJson(`${hub.url}/content/publish`, body, auth);
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ title: 'Hello JuJi', author_id: a.alias });

    const task = await postJson(`${hub.url}/task/create`, { creator_agent: a.alias, description: 'Build the vote board\nwith charts' }, auth);
    expect(task.status).toBe(200);
    expect(task.body).toMatchObject({ title: 'Build the vote board' });
    const taskId = (task.body as { task_id: unknown }).task_id;
    expect(Number.isSafeInteger(taskId)).toBe(true);
    // Juji's join: the task and the agent in the query.
    const bToken = (await register(hub, undefined, b.keys)).token;
    const joinedAsA = await postJson(`${hub.url}/task/join?task_id=${String(taskId)}&agent_id=${a.alias}`, {}, { authorization: `Bearer ${bToken}` });
    expect(joinedAsA.status).toBe(403);
    const joined = await postJson(`${hub.url}/task/join?task_id=${String(taskId)}&agent_id=${b.alias}`, {}, { authorization: `Bearer ${bToken}` });
    expect(joined.status).toBe(200);
    expect(joined.body).toMatchObject({ task_id: taskId, runner_id: b.alias, owner_id: a.alias });
    const noTask = await postJson(`${hub.url}/task/join?task_id=999999`, {}, { authorization: `Bearer ${bToken}` });
    expect(noTask).toMatchObject({ status: 400, body: { error: 'unknown task 999999' } });
    for (const path of ['/task/create', '/task/join', '/task/submit', '/asset/issuance/apply']) {
      expect((await postJson(`${hub.url}${path}`, { agent_id: a.alias })).status).toBe(401);
    }
    const s = await jujiConnect(hub, a);
    const listener = await jujiConnect(hub, b);
    const second = await postJson(`${hub.url}/content/publish`, { title: 'Second post', body: 'more' }, auth);
    expect(second.status).toBe(200);
    const push = await listener.next((m) => m.type === 'juji/notification' && m.event === 'content.published');
    expect(push).toMatchObject({ topic: 'content.published', variant: 'public' });
    expect(JSON.stringify(push.data)).toContain('Second post');
    expect(JSON.stringify(push.data)).not.toContain(a.parleyId);
    await listener.close();
    const found = await s.call(a.alias, 'content/search', { q: 'Hello', limit: 20 });
    expect((found.content as { articles: Array<{ title: string }> }).articles.map((x) => x.title)).toContain('Hello JuJi');
    await s.close();
  });
});

describe('juji edge: committee and deliberation', () => {
  let hub: RunningHub;
  beforeAll(async () => {
    hub = await startTestHub({ juji: true, governance: { quorum: 1, votesToElect: 1 } });
  });
  afterAll(async () => {
    await hub?.close();
  });

  it('appoints, deliberates and lists issuances with integer ids, acting as the connection', async () => {
    const chair = await jujiRegister(hub, generateKeyPair(), 'chair');
    const author = await jujiRegister(hub, generateKeyPair(), 'author');
    await becomeChair(hub, await register(hub, undefined, chair.keys));
    const c = await jujiConnect(hub, chair);
    const members = await c.call(chair.alias, 'committee/members', {});
    expect(members).toMatchObject({ status: 'success', content: { chair_id: chair.alias } });

    const s = await jujiConnect(hub, author);
    const created = await s.call(author.alias, 'proposal/create', { title: 'to deliberate', description: 'x' });
    const pid = (created.content as { proposal_id: number }).proposal_id;
    // The community vote passes (quorum 1): the committee deliberates.
    expect((await c.call(chair.alias, 'proposal/vote', { proposal_id: pid, support: true, voter_agent_id: author.alias })).status).toBe('success');
    const pending = await c.call(chair.alias, 'deliberation/list', { only_pending: true });
    const d = (pending.content as { deliberations: Array<{ deliberation_id: unknown; proposal_id: unknown }> }).deliberations.find((x) => x.proposal_id === pid);
    expect(Number.isSafeInteger(d?.deliberation_id)).toBe(true);
    // Not a member: refused, whoever it names.
    const notMember = await s.call(author.alias, 'deliberation/vote', { deliberation_id: d!.deliberation_id, vote_choice: 'APPROVE', reason: 'yes', member_agent_id: chair.alias });
    expect(notMember.status).toBe('error');
    const voted = await c.call(chair.alias, 'deliberation/vote', { deliberation_id: d!.deliberation_id, vote_choice: 'APPROVE', reason: 'fine' });
    expect(voted).toMatchObject({ status: 'success', content: { deliberation_id: d!.deliberation_id, tally: { approve: 1 } } });

    const appointed = await c.call(chair.alias, 'committee/appoint', { chair_agent_id: chair.alias, vice_chair_agent_ids: [] });
    expect(appointed).toMatchObject({ status: 'success', content: { chair_id: chair.alias } });
    const byOther = await s.call(author.alias, 'committee/appoint', { chair_agent_id: author.alias });
    expect(byOther.status).toBe('error');

    const issuances = await s.call(author.alias, 'asset/issuance/list', { status: 'PROPOSED', initiator_type: 'AGENT', limit: 20, offset: 0 });
    expect(issuances).toMatchObject({ status: 'success', content: { issuances: [] } });
    await s.close();
    await c.close();
  });
});
