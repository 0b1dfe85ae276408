// The work domains (tasks, pipelines, delegation) through the plugin: tools,
// chat commands and the pushes they cause in the chat, against a real hub with
// two more agents driven by the client. Every wait is a bounded wait for a
// condition.
import type { RunningHub } from '@parley/hub';
import type { Delegation, EventDataOf } from '@parley/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParleyPluginRuntime } from '../src/plugin.js';
import { SOLO_GOVERNANCE, issueAsset } from './governance-flow.js';
import { gatewayWithPlugin, idIn, inChat as chatMessage, peer, pluginAgent, startTestHub, tempDir, toolFails, toolOk, waitFor, type FakeGateway, type PluginAgent, type Peer } from './fake-openclaw.js';

let hub: RunningHub;
let plugin: PluginAgent;
let gw: FakeGateway;
let runtime: ParleyPluginRuntime;
let bob: Peer;
let carol: Peer;
let alice: string;
let bobId: string;
let carolId: string;

beforeAll(async () => {
  // Rules under which bob alone can issue the asset his task rewards are paid in.
  hub = await startTestHub({ governance: SOLO_GOVERNANCE });
  plugin = await pluginAgent(hub.url, 'alice');
  ({ gw, runtime, agentId: alice } = plugin);
  bob = await peer(hub.url, 'bob');
  carol = await peer(hub.url, 'carol');
  bobId = bob.identity.agentId;
  carolId = carol.identity.agentId;
});

afterAll(async () => {
  await plugin?.stop();
  await bob?.client.close();
  await carol?.client.close();
  await hub?.close();
});

const slash = (line: string) => gw.slash(line);
const chat = () => gw.sent.map((m) => m.text);
const inChat = (what: string, ...parts: string[]) => chatMessage(gw, what, ...parts);
const ok = (name: string, params: Record<string, unknown>) => toolOk(gw, name, params);
const fails = (name: string, params: Record<string, unknown>) => toolFails(gw, name, params);

describe('tasks', () => {
  let toolTask = '';
  let cmdTask = '';

  it('creates a task with the tool and with the command, and lists and shows them', async () => {
    const created = await ok('parley_tasks', { op: 'create', title: 'Write the release notes', priority: 'P1', runner: bobId, acceptance_criteria: 'mentions every fix' });
    toolTask = created.details.task_id as string;
    expect(created.text).toContain(`Created ${toolTask}.\nTask ${toolTask}: "Write the release notes"`);
    expect(created.text).toContain(`owner: you, runner: ${bobId}, reviewer: the owner`);
    expect(created.details).toMatchObject({ owner_id: alice, runner_id: bobId, status: 'todo', priority: 'P1' });

    const reply = await slash('task create "Fix the login bug" Users get 401 after\nthe token refresh --priority P0 --deadline 2030-01-31');
    cmdTask = idIn('tsk', reply);
    expect(reply).toMatch(new RegExp(`^Created ${cmdTask} "Fix the login bug" \\(P0\\) in pip_[a-z0-9]+; nobody runs it yet: "/parley task assign ${cmdTask} <agent_id>"`));

    const detail = await slash(`task info ${cmdTask}`);
    expect(detail).toContain(`Task ${cmdTask}: "Fix the login bug"`);
    expect(detail).toContain('status: todo, priority P0');
    expect(detail).toContain('description: Users get 401 after\n  the token refresh');
    expect(detail).toContain('deadline: 2030-01-31T00:00:00.000Z');

    for (const spelling of ['task list', 'tasks ls --owner me']) {
      const listed = await slash(spelling);
      expect(listed, spelling).toContain(`- ${cmdTask} "Fix the login bug" (todo, P0, no runner, due 2030-01-31T00:00:00.000Z)`);
      expect(listed, spelling).toContain(`- ${toolTask} "Write the release notes" (todo, P1, runner ${bobId})`);
    }
    expect(await slash(`task list --runner ${bobId}`)).not.toContain(cmdTask);
    expect(await slash('task list --status done')).toBe('No tasks.');
    const open = await ok('parley_tasks', { op: 'list', open: true, owner: alice });
    expect(open.text).toContain(cmdTask);
    expect(open.text).not.toContain(toolTask);
    expect(await ok('parley_tasks', { op: 'get', task_id: toolTask })).toMatchObject({ text: expect.stringContaining('acceptance criteria: mentions every fix') });

    // Our own doings are not echoed into the chat.
    expect(chat().join('\n')).not.toContain('created by');
  });

  it('walks a task through join, start, progress, submit, reject, redo and approve with two agents, and the owner hears each step', async () => {
    // Bob takes alice's task and works it; alice reviews by command and by tool.
    await bob.client.tasks.join({ task_id: cmdTask });
    expect(await inChat('the join in the chat', cmdTask, `taken by ${bobId}`)).toContain(`Parley task ${cmdTask} "Fix the login bug": taken by ${bobId}.`);
    await bob.client.tasks.start({ task_id: cmdTask });
    expect(await inChat('the start', cmdTask, `started by ${bobId}`)).toContain('[todo -> doing]');
    await bob.client.tasks.progress({ task_id: cmdTask, percent: 60, note: 'root cause found' });
    await inChat('the progress', cmdTask, `60%: root cause found (${bobId})`);
    await bob.client.tasks.submit({ task_id: cmdTask, output: 'Refresh now keeps the session cookie', artifacts: ['https://example.com/pr/7'] });
    const submitted = await inChat('the submission', cmdTask, `submitted by ${bobId}`);
    expect(submitted).toContain('Refresh now keeps the session cookie');
    expect(submitted).toContain(`[doing -> review]`);
    expect(submitted).toContain(`Review it: "/parley task review ${cmdTask} approve", or "... reject <comment>".`);

    expect(await slash(`task review ${cmdTask} reject please add a regression test`)).toBe(
      `Rejected ${cmdTask}: back to todo for ${bobId}, with your comment.`,
    );
    const rejected = await bob.client.tasks.get({ task_id: cmdTask });
    expect(rejected).toMatchObject({ status: 'todo', review_comment: 'please add a regression test' });

    await bob.client.tasks.start({ task_id: cmdTask });
    await bob.client.tasks.submit({ task_id: cmdTask, output: 'Fix plus a regression test' });
    await waitFor(async () => (await bob.client.tasks.get({ task_id: cmdTask })).status === 'review', 'the second submission');
    expect((await ok('parley_tasks', { op: 'review', task_id: cmdTask, decision: 'approve' })).text).toBe(`Approved ${cmdTask}: done.`);

    const works = await slash(`task works ${cmdTask}`);
    expect(works).toMatch(new RegExp(`#1 .* by ${bobId} \\(rejected by you at .*: please add a regression test\\)\\n    Refresh now keeps the session cookie\\n    artifacts: https://example.com/pr/7`));
    expect(works).toMatch(new RegExp(`#2 .* by ${bobId} \\(approved by you at `));
    const timeline = await slash(`task timeline ${cmdTask}`);
    for (const step of ['you: created (- -> todo)', `${bobId}: joined`, `${bobId}: started (todo -> doing)`, `${bobId}: progress`, 'you: rejected (review -> todo)', 'you: approved (review -> done)']) {
      expect(timeline).toContain(step);
    }
    expect((await ok('parley_tasks', { op: 'timeline', task_id: cmdTask })).text).toContain('you: approved (review -> done)');
  });

  it('runs a task of another agent: join|take, run|start, progress, submit by command; the review reaches the chat', async () => {
    // A reward is escrowed from its owner's wallet: bob first holds the asset, issued through governance.
    await issueAsset(bob.client, { symbol: 'USDC', supply: '100' });
    const t = await bob.client.tasks.create({ title: 'Translate the FAQ', description: 'to German', reward: { asset: 'USDC', amount: '3' } });
    expect(await slash(`task info ${t.task_id}`)).toContain('reward: 3 USDC (held)');
    expect((await bob.client.call('wallet/get', {})).balances).toEqual([{ asset: 'USDC', amount: '97' }]);
    // Alice holds none yet: her reward is refused and no task is made.
    const refused = await slash('task create "Pay me" --reward 5:USDC');
    expect(refused).toMatch(/^Parley error \(conflict\): .*insufficient funds/);
    expect(await slash('task list --owner me')).not.toContain('Pay me');
    expect(await slash(`task take ${t.task_id}`)).toBe(`You run ${t.task_id} now; "/parley task run ${t.task_id}" starts it.`);
    expect(await slash(`task run ${t.task_id}`)).toBe(`Started ${t.task_id} "Translate the FAQ": doing.`);
    expect(await slash(`task progress ${t.task_id} 50% halfway`)).toBe(`${t.task_id}: 50% (halfway).`);
    expect(await slash(`task submit ${t.task_id} Done, see the doc --artifact https://example.com/faq-de`)).toBe(`Submitted ${t.task_id}: waiting for review.`);
    await bob.client.tasks.review({ task_id: t.task_id, decision: 'reject', comment: 'the last section is missing' });
    const back = await inChat('the rejection', t.task_id, `rejected by ${bobId}`);
    expect(back).toContain('back to todo: the last section is missing [review -> todo].');
    expect(back).toContain(`Start it: "/parley task run ${t.task_id}".`);
    expect(await slash(`task start ${t.task_id}`)).toContain('The last review said: the last section is missing');
    await ok('parley_tasks', { op: 'progress', task_id: t.task_id, percent: 90, note: 'last section' });
    expect((await ok('parley_tasks', { op: 'submit', task_id: t.task_id, output: 'All sections translated' })).text).toBe(`Submitted ${t.task_id}: waiting for review.`);
    await bob.client.tasks.review({ task_id: t.task_id, decision: 'approve' });
    expect(await slash(`task info ${t.task_id}`)).toContain(`reward: 3 USDC (released to ${alice})`);
    expect(await inChat('the approval', t.task_id, `approved by ${bobId}: done`)).toContain('[review -> done]');
    // The reward reached alice's wallet, and her chat heard of it.
    expect(await inChat('the reward', 'you were paid', t.task_id)).toMatch(new RegExp(`^Parley: you were paid 3 USDC \\(smallest units\\) for task ${t.task_id} \\(ltx_[a-z0-9]+\\)\\.$`));
    expect(await slash('wallet')).toContain('- 3 USDC');
  });

  it('a block or cancel by someone else reaches the chat with its reason', async () => {
    const t = await bob.client.tasks.create({ title: 'Rotate the keys', runner: alice });
    await bob.client.tasks.block({ task_id: t.task_id, reason: 'waiting for the new HSM' });
    expect(await inChat('the block', t.task_id, `blocked by ${bobId}`)).toContain(`blocked by ${bobId}: waiting for the new HSM [todo -> blocked].`);
    await bob.client.tasks.cancel({ task_id: t.task_id, reason: 'the HSM was cancelled' });
    expect(await inChat('the cancel', t.task_id, `cancelled by ${bobId}`)).toContain(`cancelled by ${bobId}: the HSM was cancelled [blocked -> cancelled].`);
  });

  it('assign, update, block, unblock, cancel, and dependencies by command and tool', async () => {
    const a = idIn('tsk', await slash('task new "Design the schema"'));
    const b = idIn('tsk', await slash('task new "Write the migration"'));
    expect(await slash(`task assign ${a} me`)).toBe(`Assigned ${a} to you.`);
    expect(await slash(`task update ${a} --priority P1 --acceptance "reviewed by two people"`)).toContain('status: todo, priority P1');
    expect(await slash(`task update ${a} --acceptance ""`)).not.toContain('acceptance criteria:');
    expect(await slash(`task deps add ${b} ${a}`)).toBe(`${b} now waits for ${a}; it waits for ${a} (ready: no).`);
    expect(await slash(`task dependencies add ${a} ${b}`)).toMatch(/^Parley error \(\w+\): .*cycle/i);
    const pipeline = (await runtime.call('task/get', { task_id: a })).pipeline_id;
    const graph = await slash(`task graph ${pipeline}`);
    expect(graph).toContain(`- ${b} "Write the migration" (todo, waiting, no runner) after ${a}`);
    expect(graph).toContain(`- ${a} "Design the schema" (todo, ready, runner you)`);
    expect((await ok('parley_tasks', { op: 'dependencies_remove', task_id: b, depends_on: a })).text).toBe(`${b} no longer waits for ${a}; it waits for nothing (ready: yes).`);
    expect((await ok('parley_tasks', { op: 'assign', task_id: b, runner: carolId })).text).toBe(`Assigned ${b} to ${carolId}.`);
    expect(await slash(`task block ${a} waiting for the DBA`)).toBe(`Blocked ${a}.`);
    expect(await slash(`task unblock ${a} the DBA answered`)).toBe(`Unblocked ${a}: todo for you.`);
    expect(await slash(`task cancel ${b} not needed`)).toBe(`Cancelled ${b}.`);
    expect(await slash(`task timeline ${b}`)).toContain('you: cancelled (todo -> cancelled): not needed');
  });
});

describe('pipelines', () => {
  it('creates a pipeline with stages, runs it, and the ready stage reaches its runner in the chat', async () => {
    const created = await slash('pipeline create release "Ship version two"');
    const pip = idIn('pip', created);
    expect(created).toBe(`Created ${pip} "release". Add stages with "/parley pipeline add ${pip} <stage title>...", then "/parley pipeline run ${pip}".`);
    const added = await slash(`pipe add ${pip} Analysis --runner ${alice}`);
    const analysis = idIn('tsk', added);
    const more = await ok('parley_pipelines', { op: 'add', pipeline_id: pip, after_last: true, stages: [{ title: 'Implementation', runner: bobId }, { title: 'Rollout' }] });
    const [impl, rollout] = more.details.added as [string, string];
    expect(more.text).toBe(`Added to ${pip}: ${impl}, ${rollout}.`);

    const graph = await slash(`task graph ${pip}`);
    expect(graph).toContain(`${impl} "Implementation" (todo, waiting, runner ${bobId}) after ${analysis}`);
    expect(graph).toContain(`${rollout} "Rollout" (todo, waiting, no runner) after ${impl}`);
    expect(await slash(`pipeline status ${pip}`)).toBe(`Pipeline ${pip} "release": idle\ntasks: todo 3\nready: ${analysis}\nheld: -`);

    const bobReady: Array<EventDataOf<'task.ready'>> = [];
    bob.client.on('task.ready', (d) => bobReady.push(d));
    const run = await slash(`pipeline run ${pip}`);
    expect(run).toBe(`Running.\nPipeline ${pip} "release": running\ntasks: todo 3\nready: ${analysis}\nheld: -`);
    const ready = await inChat('task.ready for the first stage', 'is ready', analysis);
    expect(ready).toBe(
      `Parley: task ${analysis} "Analysis" (pipeline ${pip}) is ready: every task it waits for is done.\nStart it: "/parley task run ${analysis}".`,
    );

    await slash(`task run ${analysis}`);
    await slash(`task submit ${analysis} scope agreed`);
    await slash(`task review ${analysis} approve`);
    // The next stage is announced to its runner.
    await waitFor(() => bobReady.some((d) => d.task_id === impl), 'task.ready for the second stage at bob');
    const started = await bob.client.tasks.start({ task_id: impl });
    expect(started.inputs).toEqual([{ task_id: analysis, title: 'Analysis', output: 'scope agreed', artifacts: [] }]);
    await bob.client.tasks.submit({ task_id: impl, output: 'shipped behind a flag' });
    await inChat('the submission of the second stage', impl, 'submitted by', 'Review it');
    expect((await ok('parley_tasks', { op: 'review', task_id: impl, decision: 'approve' })).text).toBe(`Approved ${impl}: done.`);
    // Nobody runs the last stage and nobody advertises a capability for it: the owner is told.
    expect(await inChat('task.ready for the last stage', 'is ready', rollout)).toContain(
      `Nobody runs it yet: "/parley task join ${rollout}" takes it; its owner can name a runner with "/parley task assign ${rollout} <agent_id>".`,
    );

    const status = await ok('parley_pipelines', { op: 'status', pipeline_id: pip });
    expect(status.text).toBe(`Pipeline ${pip} "release": running\ntasks: todo 1, done 2\nready: ${rollout}\nheld: -`);
    expect(await slash('pipe ls --mine')).toContain(`- ${pip} "release" (running, reviewed, todo 1, done 2)`);
    expect(await slash(`pipeline info ${pip}`)).toContain('description: Ship version two');
    expect(await slash(`pipeline update ${pip} --auto-review --name release-v2`)).toContain('review: automatic');
  });

  it('pipeline tool create/get/list/update and delete (with --yes for the command)', async () => {
    const p = await ok('parley_pipelines', { op: 'create', name: 'scratch', auto_review: true });
    const pip = p.details.pipeline_id as string;
    expect(p.text).toContain(`Created ${pip}.\nPipeline ${pip}: "scratch"`);
    expect((await ok('parley_pipelines', { op: 'get', pipeline_id: pip })).text).toContain('review: automatic');
    expect((await ok('parley_pipelines', { op: 'list', mine: true })).text).toContain(`${pip} "scratch" (idle, auto review, no tasks)`);
    expect((await ok('parley_pipelines', { op: 'update', pipeline_id: pip, description: 'temp' })).text).toContain('description: temp');
    expect(await slash(`pipeline delete ${pip}`)).toContain(`"/parley pipeline delete ${pip} --yes"`);
    expect((await runtime.call('pipeline/get', { pipeline_id: pip })).name).toBe('scratch');
    expect(await slash(`pipe remove ${pip} --yes`)).toBe(`Deleted ${pip}; 0 tasks moved to the owner's default pipeline.`);
    expect((await fails('parley_pipelines', { op: 'get', pipeline_id: pip })).code).toBe('not_found');
  });
});

describe('delegation', () => {
  it('a request by command is answered by another connected agent, and the result reaches the chat', async () => {
    await bob.client.agents.update({ capabilities: ['math.add'] });
    const seen: Array<EventDataOf<'delegate.request'>> = [];
    bob.client.on('delegate.request', (d) => {
      seen.push(d);
      const { a, b } = d.input as { a: number; b: number };
      void bob.client.delegate.respond({ request_id: d.request_id, output: { sum: a + b } });
    });
    const reply = await slash('delegate request math.add {"a": 2, "b": 3}');
    const id = idIn('dlg', reply);
    expect(reply).toMatch(new RegExp(`^Asked ${bobId} for math.add: request ${id}, to be answered by \\d{4}-.*"/parley delegate get ${id}" shows it any time\\.$`));
    const result = await inChat('the delegate.result in the chat', id, 'was answered');
    expect(result).toBe(`Parley: your delegated request ${id} (math.add) was answered by ${bobId}:\n{"sum":5}`);
    expect(seen.map((d) => d.input)).toEqual([{ a: 2, b: 3 }]);
    const got = await slash(`delegate get ${id}`);
    expect(got).toContain(`Delegated request ${id} (math.add): done`);
    expect(got).toContain(`requester: you, worker: ${bobId} (attempt 1)`);
    expect(got).toContain('output: {"sum":5}');

    // The same through the tool: the pending request, then op get once it is done.
    const viaTool = await ok('parley_delegate', { op: 'request', capability: 'math.add', input: { a: 40, b: 2 }, timeout_ms: 5000 });
    const toolId = viaTool.details.request_id as string;
    expect(viaTool.text).toContain(`Asked ${bobId} for math.add: request ${toolId}`);
    await waitFor(async () => (await runtime.call('delegate/get', { request_id: toolId })).state === 'done', 'the tool request to be answered');
    expect((await ok('parley_delegate', { op: 'get', request_id: toolId })).text).toContain('output: {"sum":42}');
  });

  it('a request to this agent shows up in the chat and is answered (or declined) with delegate respond', async () => {
    await ok('parley_agents', { op: 'update', capabilities: ['text.echo'] });
    const results: Delegation[] = [];
    carol.client.on('delegate.result', (d) => results.push(d));

    const asked = await carol.client.delegate.request({ capability: 'text.echo', input: { text: 'hello' }, timeout_ms: 10_000 });
    expect(asked.worker_id).toBe(alice);
    const notice = await inChat('the delegate.request in the chat', asked.request_id, 'asks you for text.echo');
    expect(notice).toContain(`Parley: ${carolId} asks you for text.echo (request ${asked.request_id}, answer by `);
    expect(notice).toContain(':\n{"text":"hello"}\nAnswer: ');
    expect(notice).toContain(`"/parley delegate respond ${asked.request_id} <output as JSON>"`);
    expect(await slash(`delegate respond ${asked.request_id} {"echo": "hello"}`)).toBe(`Answered ${asked.request_id}: done.`);
    await waitFor(() => results.some((r) => r.request_id === asked.request_id), 'the result at carol');
    expect(results.find((r) => r.request_id === asked.request_id)).toMatchObject({ state: 'done', output: { echo: 'hello' } });

    const second = await carol.client.delegate.request({ capability: 'text.echo', input: 'again', timeout_ms: 10_000 });
    await inChat('the second request', second.request_id);
    expect(await slash(`delegate respond ${second.request_id} not json at all`)).toContain('The output is not valid JSON');
    expect(await slash(`delegate answer ${second.request_id} --error too busy right now`)).toBe(`Answered ${second.request_id}: failed.`);
    await waitFor(() => results.some((r) => r.request_id === second.request_id), 'the failure at carol');
    expect(results.find((r) => r.request_id === second.request_id)).toMatchObject({ state: 'failed', error: 'too busy right now' });
    expect(await slash(`delegate respond ${second.request_id} "late"`)).toMatch(/^Parley error \(conflict\): .*already failed/);
    await ok('parley_agents', { op: 'update', capabilities: [] });
  });

  it('grant, list, publish_as (command and tool), p2p_as and revoke', async () => {
    // Bob lets alice publish as him; alice lets bob send direct messages as her.
    const room = await bob.client.topics.create({ name: 'bob-news' });
    await bob.client.delegate.grant({ manager: alice, can_publish: true });
    expect(await slash(`delegate grant ${bobId} --p2p`)).toBe(`${bobId} may now p2p as you.`);
    const list = await slash('delegate ls');
    expect(list).toContain(`Given (they may act as you):\n- ${bobId}: p2p (since `);
    expect(list).toContain(`Held (you may act as them):\n- ${bobId}: publish (since `);

    const published = await slash(`delegate publish ${bobId} ${room.topic_id} release is out --semantic status`);
    expect(published).toMatch(new RegExp(`^Published msg_[a-z0-9]+ \\(seq \\d+\\) to ${room.topic_id} as ${bobId}\\.$`));
    const viaTool = await ok('parley_delegate', { op: 'publish_as', as: bobId, topic_id: room.topic_id, content: '**notes** follow', content_type: 'markdown' });
    expect(viaTool.details).toMatchObject({ via: alice });
    const history = await bob.client.topics.history({ topic_id: room.topic_id });
    expect(history.messages.map((m) => [m.from, m.via, m.content, m.semantic_type])).toEqual([
      [bobId, alice, 'release is out', 'status'],
      [bobId, alice, '**notes** follow', null],
    ]);

    await bob.client.delegate.p2pAs({ as: alice, to: carolId, content: 'sent for alice' });
    const dms = await carol.client.p2p.history({ with: alice });
    expect(dms.messages.at(-1)).toMatchObject({ from: alice, via: bobId, content: 'sent for alice' });

    expect(await slash(`delegate revoke ${bobId}`)).toBe(`Revoked the grant to ${bobId}.`);
    expect(await slash(`delegate revoke ${bobId}`)).toBe(`${bobId} held no grant from you.`);
    await expect(bob.client.delegate.p2pAs({ as: alice, to: carolId, content: 'no longer' })).rejects.toMatchObject({ code: 'forbidden' });
    expect((await ok('parley_delegate', { op: 'list' })).text).toContain(`Given (they may act as you):\n- none`);
  });
});

describe('pushes and filters', () => {
  it('drops the topic copy of an update the agent also gets on its own stream, and never echoes its own changes', async () => {
    const topic = await runtime.call('topic/create', { name: 'ops-room' });
    const t = await runtime.call('task/create', { title: 'Rotate the keys', runner: bobId, topic_id: topic.topic_id });
    await bob.client.tasks.start({ task_id: t.task_id });
    await bob.client.tasks.progress({ task_id: t.task_id, percent: 10, note: 'marker-progress' });
    await inChat('the progress of the topic task', t.task_id, 'marker-progress');
    await runtime.router!.idle();
    const about = chat().filter((m) => m.includes(t.task_id));
    expect(about.filter((m) => m.includes(`started by ${bobId}`))).toHaveLength(1);
    expect(about.filter((m) => m.includes('marker-progress'))).toHaveLength(1);
    expect(about.some((m) => m.includes('created by'))).toBe(false);
  });

  it('respects the event filter: task events left out of `events` stay unread for poll', async () => {
    const d = await tempDir();
    const { gw: picky, runtime: rt } = gatewayWithPlugin({ hubUrl: hub.url, route: { channel: 'telegram', to: '7' }, events: ['task.ready'] }, d.path);
    try {
      await picky.startServices();
      await waitFor(() => rt.connection?.state === 'connected', 'the second plugin to connect');
      const t = await rt.call('task/create', { title: 'Filtered task', runner: bobId });
      await bob.client.tasks.start({ task_id: t.task_id });
      const p = await rt.call('pipeline/create', { name: 'filtered' });
      const added = await rt.call('pipeline/add', { pipeline_id: p.pipeline_id, stages: [{ title: 'Only stage' }] });
      await rt.call('pipeline/run', { pipeline_id: p.pipeline_id });
      await waitFor(() => picky.sent.some((m) => m.text.includes(added.added[0]!)), 'the task.ready in the chat');
      expect(picky.sent.map((m) => m.text).join('\n')).not.toContain('started by');
      // Not forwarded = still unread.
      expect(await picky.slash('poll')).toContain(`Parley task ${t.task_id} "Filtered task": started by ${bobId} [todo -> doing].`);
    } finally {
      await picky.stopServices();
      await d.remove();
    }
  });
});

describe('bad input and errors', () => {
  it('answers bad commands with the reason and a usage line, and sends nothing', async () => {
    expect((await gw.say('@parley task create'))!.text).toBe(
      'Missing title.\nUsage: @parley task create <title> [description...] [--priority <P0|P1|P2|P3>] [--acceptance <text>] [--runner <agent_id|me>] ' +
        '[--reviewer <agent_id|me>] [--pipeline <pipeline_id>] [--topic <topic_id>] [--capability <capability>] [--deadline <date|3d>] [--reward <amount:asset>]',
    );
    expect(await slash('task progress tsk_abc 120')).toBe('Percent must be a whole number from 0 to 100 (a % sign is fine), got "120".\nUsage: /parley task progress <task_id> <percent> [note...]');
    expect(await slash('pipe')).toContain('Pipeline needs a subcommand (one of: list|ls, create|new,');
    expect(await slash('delegate request math.add {oops}')).toContain('Input is not valid JSON');
    expect(await slash('delegate frob')).toContain('Unknown delegate subcommand "frob"');
    expect(await slash('task deps')).toBe('Task deps needs a subcommand (one of: add|new, remove|rm).\nUsage: /parley task deps add|remove');
  });

  it('returns hub and validation errors of the tools and commands as text', async () => {
    expect((await fails('parley_tasks', { op: 'review', task_id: 'tsk_abc', decision: 'reject' })).text).toBe(
      'Parley error (invalid_params): parley_tasks review: comment: say why: a reject or block needs a comment',
    );
    expect((await fails('parley_tasks', { op: 'get', task_id: 'tsk_doesnotexist' })).code).toBe('not_found');
    expect((await fails('parley_delegate', { op: 'grant', manager: bobId })).text).toContain('grant at least one of can_publish and can_p2p');
    expect((await fails('parley_delegate', { op: 'request', capability: 'nobody.offers', input: 1 })).text).toMatch(/^Parley error \(\w+\): no online agent offers nobody\.offers/);
    expect(await slash('delegate request nobody.offers {}')).toMatch(/^Parley error \(\w+\): no online agent offers nobody\.offers/);
    expect(await slash('task join tsk_doesnotexist')).toMatch(/^Parley error \(not_found\): /);
    expect((await fails('parley_pipelines', { op: 'add', pipeline_id: 'pip_abc' })).text).toContain('give task_ids, stages, or both');
  });
});
