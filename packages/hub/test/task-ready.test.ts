import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHub } from '../src/index.js';
import { type Frame, type TestAgent, connectAgent, ok, register, rpc, startTestHub } from './helpers.js';

/**
 * task.ready is how workers learn there is work without polling: every way a
 * task of a running pipeline can become startable announces it, and nothing
 * in an idle pipeline is announced until it runs.
 */
const call = async (hub: RunningHub, a: TestAgent, action: string, params?: unknown): Promise<Frame> => (await rpc(hub, a, action, params)).body;
const errorText = (f: Frame) => (f.status === 'error' ? (f.content as { error: string }).error : '');
const readyIds = (frames: Frame[]) => frames.filter((f) => f.event === 'task.ready').map((f) => (f.data as { task_id: string }).task_id);

interface TaskView {
  task_id: string;
  status: string;
  pipeline_id: string;
  review_comment: string | null;
}

describe('task.ready announcements', () => {
  let hub: RunningHub;
  beforeAll(async () => {
    hub = await startTestHub();
  });
  afterAll(() => hub.close());

  /** An owner and a connected worker advertising `cap`. */
  const setup = async (cap: string) => {
    const owner = await register(hub, 'owner');
    const worker = await connectAgent(hub, await register(hub, 'worker'));
    ok(await worker.client.call(worker.agent.agentId, 'agent/update', { capabilities: [cap] }));
    const hears = (taskId: string, what: string) =>
      worker.client.waitFrame((f) => f.event === 'task.ready' && (f.data as { task_id: string }).task_id === taskId, 5000, what);
    return { owner, worker, hears };
  };

  it('every agent has a running default pipeline from the start, and a task created there is announced at once', async () => {
    const { owner, worker, hears } = await setup('translate');
    const mine = ok<{ pipelines: Array<{ is_default: boolean; state: string; name: string }> }>(await call(hub, owner, 'pipeline/list', { mine: true }));
    expect(mine.pipelines).toEqual([expect.objectContaining({ is_default: true, state: 'running', name: 'default' })]);
    // Listing twice does not make a second one.
    expect(ok<{ pipelines: unknown[] }>(await call(hub, owner, 'pipeline/list', { mine: true })).pipelines).toHaveLength(1);

    const task = ok<TaskView>(await call(hub, owner, 'task/create', { title: 'Translate the FAQ', capability: 'translate' }));
    await hears(task.task_id, 'task.ready for a new task in the default pipeline');
    // Finishing it does not finish the default pipeline: it takes whatever task comes next.
    ok(await worker.client.call(worker.agent.agentId, 'task/join', { task_id: task.task_id }));
    ok(await worker.client.call(worker.agent.agentId, 'task/start', { task_id: task.task_id }));
    ok(await worker.client.call(worker.agent.agentId, 'task/submit', { task_id: task.task_id, output: 'done' }));
    ok(await call(hub, owner, 'task/review', { task_id: task.task_id, decision: 'approve' }));
    const status = ok<{ pipeline: { state: string; counts: { done: number } } }>(await call(hub, owner, 'pipeline/status', { pipeline_id: task.pipeline_id }));
    expect(status.pipeline).toMatchObject({ state: 'running', counts: { done: 1 } });
  });

  it('stages added to a running pipeline are announced when they can start; an idle pipeline announces nothing until run', async () => {
    const { owner, worker, hears } = await setup('stage');
    const idle = ok<{ pipeline_id: string }>(await call(hub, owner, 'pipeline/create', { name: 'later' }));
    const { added: idleAdded } = ok<{ added: string[] }>(await call(hub, owner, 'pipeline/add', { pipeline_id: idle.pipeline_id, stages: [{ title: 'Not yet', capability: 'stage' }] }));

    const live = ok<{ pipeline_id: string }>(await call(hub, owner, 'pipeline/create', { name: 'live' }));
    ok(await call(hub, owner, 'pipeline/run', { pipeline_id: live.pipeline_id }));
    const { added } = ok<{ added: string[] }>(
      await call(hub, owner, 'pipeline/add', { pipeline_id: live.pipeline_id, stages: [{ title: 'First', capability: 'stage' }, { title: 'Second', capability: 'stage' }] }),
    );
    await hears(added[0]!, 'task.ready for a stage added to a running pipeline');
    // Pushes on one stream arrive in order: by now an announcement of the idle stage or the waiting second stage would have come.
    expect(readyIds(worker.client.pushes())).toEqual([added[0]]);

    // The idle pipeline's stage is announced once it runs.
    ok(await call(hub, owner, 'pipeline/run', { pipeline_id: idle.pipeline_id }));
    await hears(idleAdded[0]!, 'task.ready once the idle pipeline runs');
  });

  it('a volunteer cannot join a task that is still waiting; removing its last open dependency announces it', async () => {
    const { owner, worker, hears } = await setup('review');
    const first = ok<TaskView>(await call(hub, owner, 'task/create', { title: 'Draft' }));
    const second = ok<TaskView>(await call(hub, owner, 'task/create', { title: 'Proofread', capability: 'review' }));
    ok(await call(hub, owner, 'task/dependencies/add', { task_id: second.task_id, depends_on: first.task_id }));
    // It was announced when created (no dependency yet); what matters is the next one.
    await hears(second.task_id, 'task.ready at creation');
    const before = readyIds(worker.client.pushes()).length;

    const refused = await worker.client.call(worker.agent.agentId, 'task/join', { task_id: second.task_id });
    expect(refused.status).toBe('error');
    expect(errorText(refused)).toBe(`cannot join yet: waiting on 1 unfinished dependency: ${first.task_id} (todo)`);
    expect(ok<TaskView & { runner_id: string | null }>(await call(hub, owner, 'task/get', { task_id: second.task_id })).runner_id).toBeNull();

    ok(await call(hub, owner, 'task/dependencies/remove', { task_id: second.task_id, depends_on: first.task_id }));
    await worker.client.waitUntil(() => readyIds(worker.client.pushes()).length > before, 5000, 'task.ready after the dependency was removed');
    expect(readyIds(worker.client.pushes()).slice(before)).toEqual([second.task_id]);
    ok(await worker.client.call(worker.agent.agentId, 'task/join', { task_id: second.task_id }));
  });

  it('unblocking announces the task again, to its runner', async () => {
    const { owner, worker, hears } = await setup('fix');
    const task = ok<TaskView>(await call(hub, owner, 'task/create', { title: 'Fix the build', capability: 'fix' }));
    await hears(task.task_id, 'task.ready at creation');
    ok(await worker.client.call(worker.agent.agentId, 'task/join', { task_id: task.task_id }));
    ok(await worker.client.call(worker.agent.agentId, 'task/block', { task_id: task.task_id, reason: 'no CI access' }));
    const before = readyIds(worker.client.pushes()).length;
    ok(await call(hub, owner, 'task/unblock', { task_id: task.task_id, note: 'access granted' }));
    // The runner hears why in the task.updated that comes with it.
    const told = await worker.client.waitFrame((f) => f.event === 'task.updated' && (f.data as { change: string }).change === 'unblocked', 5000, 'task.updated unblocked');
    expect(told.data).toMatchObject({ from_status: 'blocked', note: 'access granted', actor: owner.agentId });
    await worker.client.waitUntil(() => readyIds(worker.client.pushes()).length > before, 5000, 'task.ready after unblock');
    const ready = worker.client.pushes().filter((f) => f.event === 'task.ready').at(-1)!;
    expect(ready.data).toMatchObject({ task_id: task.task_id, runner_id: worker.agent.agentId });
  });

  it('a re-run starts with the reviewer comment still on the task', async () => {
    const { owner, worker } = await setup('write');
    const task = ok<TaskView>(await call(hub, owner, 'task/create', { title: 'Write the notes', runner: worker.agent.agentId }));
    const as = (action: string, params: unknown) => worker.client.call(worker.agent.agentId, action, params);
    ok(await as('task/start', { task_id: task.task_id }));
    ok(await as('task/submit', { task_id: task.task_id, output: 'v1' }));
    ok(await call(hub, owner, 'task/review', { task_id: task.task_id, decision: 'reject', comment: 'mention the migration' }));
    const restarted = ok<TaskView>(await as('task/start', { task_id: task.task_id }));
    expect(restarted).toMatchObject({ status: 'doing', review_comment: 'mention the migration' });
  });

  it('deleting a running pipeline moves its tasks to the default pipeline and announces those that can start', async () => {
    const { owner, worker, hears } = await setup('ship');
    const pipe = ok<{ pipeline_id: string }>(await call(hub, owner, 'pipeline/create', { name: 'doomed' }));
    const { added } = ok<{ added: string[] }>(await call(hub, owner, 'pipeline/add', { pipeline_id: pipe.pipeline_id, stages: [{ title: 'Pack', capability: 'ship' }, { title: 'Send', capability: 'ship' }] }));
    ok(await call(hub, owner, 'pipeline/run', { pipeline_id: pipe.pipeline_id }));
    await hears(added[0]!, 'task.ready when the pipeline runs');
    const before = readyIds(worker.client.pushes()).length;
    const deleted = ok<{ moved_tasks: number }>(await call(hub, owner, 'pipeline/delete', { pipeline_id: pipe.pipeline_id }));
    expect(deleted.moved_tasks).toBe(2);
    await worker.client.waitUntil(() => readyIds(worker.client.pushes()).length > before, 5000, 'task.ready after the move');
    // Only the one that can start; the second still waits for it.
    expect(readyIds(worker.client.pushes()).slice(before)).toEqual([added[0]]);
    const moved = ok<TaskView>(await call(hub, owner, 'task/get', { task_id: added[0] }));
    const def = ok<{ pipelines: Array<{ pipeline_id: string; is_default: boolean }> }>(await call(hub, owner, 'pipeline/list', { mine: true }));
    expect(def.pipelines.find((p) => p.is_default)?.pipeline_id).toBe(moved.pipeline_id);
  });

  it('a task linked to a private topic is announced only to capable agents who are members', async () => {
    const { owner, worker: member, hears } = await setup('audit');
    const outsider = await connectAgent(hub, await register(hub, 'outsider'));
    ok(await outsider.client.call(outsider.agent.agentId, 'agent/update', { capabilities: ['audit'] }));
    const topic = ok<{ topic_id: string }>(await call(hub, owner, 'topic/create', { name: 'board room', visibility: 'private', join_method: 'invite_only' }));
    ok(await call(hub, owner, 'topic/invite', { topic_id: topic.topic_id, agent_id: member.agent.agentId }));
    ok(await member.client.call(member.agent.agentId, 'topic/join', { topic_id: topic.topic_id }));
    const secret = ok<TaskView>(await call(hub, owner, 'task/create', { title: 'Audit the books', capability: 'audit', topic_id: topic.topic_id }));
    await hears(secret.task_id, 'task.ready for the member');
    const open = ok<TaskView>(await call(hub, owner, 'task/create', { title: 'Audit the wiki', capability: 'audit' }));
    await outsider.client.waitFrame((f) => f.event === 'task.ready' && (f.data as { task_id: string }).task_id === open.task_id, 5000, 'task.ready for the open task');
    // Its own stream is in order: the private task's announcement would have come before.
    expect(readyIds(outsider.client.pushes())).toEqual([open.task_id]);
    // Nor does pipeline/status name it to the outsider; the owner sees both.
    const seen = async (who: TestAgent) => ok<{ ready: string[] }>(await call(hub, who, 'pipeline/status', { pipeline_id: secret.pipeline_id })).ready;
    expect(await seen(outsider.agent)).toEqual([open.task_id]);
    expect((await seen(owner)).sort()).toEqual([secret.task_id, open.task_id].sort());
  });

  it('cancelling the last open task finishes its pipeline; a task created in a finished pipeline runs it again and is announced', async () => {
    const { owner, hears } = await setup('tidy');
    const pipe = ok<{ pipeline_id: string }>(await call(hub, owner, 'pipeline/create', { name: 'cleanup' }));
    const { added } = ok<{ added: string[] }>(await call(hub, owner, 'pipeline/add', { pipeline_id: pipe.pipeline_id, stages: [{ title: 'Sweep' }] }));
    ok(await call(hub, owner, 'pipeline/run', { pipeline_id: pipe.pipeline_id }));
    ok(await call(hub, owner, 'task/cancel', { task_id: added[0], reason: 'not needed' }));
    const state = async () => ok<{ state: string }>(await call(hub, owner, 'pipeline/get', { pipeline_id: pipe.pipeline_id })).state;
    expect(await state()).toBe('done');
    const more = ok<TaskView>(await call(hub, owner, 'task/create', { title: 'Mop', capability: 'tidy', pipeline_id: pipe.pipeline_id }));
    expect(await state()).toBe('running');
    await hears(more.task_id, 'task.ready for a task created in a finished pipeline');
  });
});

describe('task.ready after a stale runner', () => {
  let hub: RunningHub;
  beforeAll(async () => {
    hub = await startTestHub({ taskStaleMs: 200 });
  });
  afterAll(() => hub.close());

  it('a task a stale runner gave up is announced to agents that can take it', async () => {
    const owner = await register(hub, 'owner');
    const quiet = await register(hub, 'quiet'); // HTTP only: never online
    const worker = await connectAgent(hub, await register(hub, 'worker'));
    ok(await worker.client.call(worker.agent.agentId, 'agent/update', { capabilities: ['index'] }));
    const task = ok<TaskView>(await call(hub, owner, 'task/create', { title: 'Index the archive', runner: quiet.agentId, capability: 'index' }));
    ok(await call(hub, quiet, 'task/start', { task_id: task.task_id }));
    const ready = await worker.client.waitFrame((f) => f.event === 'task.ready' && (f.data as { task_id: string }).task_id === task.task_id, 10_000, 'task.ready after the stale return');
    expect(ready.data).toMatchObject({ runner_id: null, capability: 'index' });
    ok(await worker.client.call(worker.agent.agentId, 'task/join', { task_id: task.task_id }));
  });
});
