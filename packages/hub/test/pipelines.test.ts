import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHub } from '../src/index.js';
import { type Frame, type TestAgent, connectAgent, ok, register, rpc, startTestHub } from './helpers.js';

const call = async (hub: RunningHub, a: TestAgent, action: string, params?: unknown): Promise<Frame> => (await rpc(hub, a, action, params)).body;
const outcome = (f: Frame) => (f.status === 'error' ? (f.content as { code: string }).code : 'success');
const errorText = (f: Frame) => (f.status === 'error' ? (f.content as { error: string }).error : '');

interface TaskView {
  task_id: string;
  status: string;
  ready: boolean;
  inputs: Array<{ task_id: string; output: string | null }>;
  review_comment: string | null;
}

describe('pipelines', () => {
  let hub: RunningHub;
  beforeAll(async () => {
    hub = await startTestHub();
  });
  afterAll(() => hub.close());

  it('a three-stage pipeline run by three workers, with a rejection and re-run in the middle', async () => {
    const owner = await register(hub, 'owner');
    const workers = await Promise.all(['analyst', 'coder', 'tester'].map(async (name, i) => {
      const w = await connectAgent(hub, await register(hub, name));
      ok(await w.client.call(w.agent.agentId, 'agent/update', { capabilities: [`stage.${i + 1}`] }));
      return w;
    }));
    const pipe = ok<{ pipeline_id: string; state: string }>(await call(hub, owner, 'pipeline/create', { name: 'release' }));
    expect(pipe.state).toBe('idle');
    const { added } = ok<{ added: string[] }>(
      await call(hub, owner, 'pipeline/add', {
        pipeline_id: pipe.pipeline_id,
        stages: [{ title: 'Analyse', capability: 'stage.1' }, { title: 'Implement', capability: 'stage.2' }, { title: 'Validate', capability: 'stage.3' }],
      }),
    );
    expect(added).toHaveLength(3);
    const graph = ok<{ nodes: Array<{ task_id: string; ready: boolean }>; edges: unknown[] }>(await call(hub, owner, 'task/graph', { pipeline_id: pipe.pipeline_id }));
    expect(graph.edges).toEqual([
      { from: added[0], to: added[1] },
      { from: added[1], to: added[2] },
    ]);
    expect(graph.nodes.map((n) => n.ready)).toEqual([true, false, false]);

    const run = ok<{ pipeline: { state: string }; ready: string[] }>(await call(hub, owner, 'pipeline/run', { pipeline_id: pipe.pipeline_id }));
    expect(run).toMatchObject({ pipeline: { state: 'running' }, ready: [added[0]] });

    /** A worker hears its stage is ready, takes it and hands in `output`. */
    const work = async (i: number, output: string, expectReady = true) => {
      const w = workers[i]!;
      const id = added[i]!;
      if (expectReady) await w.client.waitFrame((f) => f.event === 'task.ready' && (f.data as { task_id: string }).task_id === id, 5000, `task.ready for stage ${i + 1}`);
      const task = ok<TaskView>(await w.client.call(w.agent.agentId, 'task/get', { task_id: id }));
      if (task.status === 'todo' && !(await isRunner(w.agent.agentId, id))) ok(await w.client.call(w.agent.agentId, 'task/join', { task_id: id }));
      ok(await w.client.call(w.agent.agentId, 'task/start', { task_id: id }));
      ok(await w.client.call(w.agent.agentId, 'task/submit', { task_id: id, output }));
      return task;
    };
    const isRunner = async (agentId: string, id: string) => ok<{ runner_id: string | null }>(await call(hub, owner, 'task/get', { task_id: id })).runner_id === agentId;

    await work(0, 'analysis: the cache is stale');
    // Stage 2 is not announced before stage 1 is done.
    expect(workers[1]!.client.pushes().filter((f) => f.event === 'task.ready')).toEqual([]);
    // A waiting stage cannot be joined or started yet.
    expect(errorText(await workers[1]!.client.call(workers[1]!.agent.agentId, 'task/join', { task_id: added[1] }))).toMatch(/^cannot join yet: waiting on 1 unfinished dependency/);
    expect(errorText(await workers[1]!.client.call(workers[1]!.agent.agentId, 'task/start', { task_id: added[1] }))).toMatch(/waiting on 1 unfinished dependency/);
    ok(await call(hub, owner, 'task/review', { task_id: added[0], decision: 'approve' }));

    // Stage 2 gets stage 1's output as its input.
    const stage2 = await work(1, 'patch v1');
    expect(stage2.inputs).toEqual([expect.objectContaining({ task_id: added[0], output: 'analysis: the cache is stale' })]);
    ok(await call(hub, owner, 'task/review', { task_id: added[1], decision: 'reject', comment: 'misses the TTL' }));
    const held = ok<{ ready: string[]; held: string[] }>(await call(hub, owner, 'pipeline/status', { pipeline_id: pipe.pipeline_id }));
    expect(held).toMatchObject({ ready: [added[1]], held: [added[2]] });
    expect(workers[2]!.client.pushes().filter((f) => f.event === 'task.ready')).toEqual([]);
    // The re-run: the rejected stage goes again, with the comment.
    const again = await work(1, 'patch v2 with TTL', false);
    expect(again.review_comment).toBe('misses the TTL');
    ok(await call(hub, owner, 'task/review', { task_id: added[1], decision: 'approve' }));

    const stage3 = await work(2, 'all green');
    expect(stage3.inputs.map((x) => x.output)).toEqual(['patch v2 with TTL']);
    ok(await call(hub, owner, 'task/review', { task_id: added[2], decision: 'approve' }));
    const done = ok<{ pipeline: { state: string; counts: Record<string, number> } }>(await call(hub, owner, 'pipeline/status', { pipeline_id: pipe.pipeline_id }));
    expect(done.pipeline).toMatchObject({ state: 'done', counts: { done: 3, todo: 0, doing: 0, review: 0, blocked: 0, cancelled: 0 } });
    for (const w of workers) w.client.close();
  });

  it('refuses a dependency that closes a cycle, and names it', async () => {
    const owner = await register(hub);
    const pipe = ok<{ pipeline_id: string }>(await call(hub, owner, 'pipeline/create', { name: 'loop' }));
    const { added } = ok<{ added: string[] }>(await call(hub, owner, 'pipeline/add', { pipeline_id: pipe.pipeline_id, stages: [{ title: 'a' }, { title: 'b' }, { title: 'c' }] }));
    const [a, b, c] = added as [string, string, string];
    expect(errorText(await call(hub, owner, 'task/dependencies/add', { task_id: a, depends_on: c }))).toBe(`that would make a cycle: ${a} -> ${c} -> ${b} -> ${a}`);
    expect(outcome(await call(hub, owner, 'task/dependencies/add', { task_id: a, depends_on: a }))).toBe('conflict');
    // Nothing changed; a legal edge is fine, and removing works.
    expect(ok<{ depends_on: string[] }>(await call(hub, owner, 'task/get', { task_id: a })).depends_on).toEqual([]);
    expect(ok<{ depends_on: string[] }>(await call(hub, owner, 'task/dependencies/add', { task_id: c, depends_on: a })).depends_on.sort()).toEqual([a, b].sort());
    expect(ok<{ depends_on: string[] }>(await call(hub, owner, 'task/dependencies/remove', { task_id: c, depends_on: a })).depends_on).toEqual([b]);
    expect(outcome(await call(hub, owner, 'task/dependencies/remove', { task_id: c, depends_on: a }))).toBe('not_found');
  });

  it('auto review approves submissions itself; deleting a pipeline moves its tasks to the default one', async () => {
    const owner = await register(hub);
    const runner = await register(hub);
    const pipe = ok<{ pipeline_id: string }>(await call(hub, owner, 'pipeline/create', { name: 'auto', auto_review: true }));
    const t = ok<{ task_id: string }>(await call(hub, owner, 'task/create', { title: 'quick', pipeline_id: pipe.pipeline_id, runner: runner.agentId }));
    ok(await call(hub, runner, 'task/start', { task_id: t.task_id }));
    expect(ok(await call(hub, runner, 'task/submit', { task_id: t.task_id, output: 'ok' }))).toMatchObject({ status: 'done' });
    const tl = ok<{ entries: Array<{ kind: string; actor: string }> }>(await call(hub, owner, 'task/timeline', { task_id: t.task_id }));
    expect(tl.entries.at(-1)).toMatchObject({ kind: 'approved', actor: 'hub' });

    // Someone else's pipeline takes no tasks from you.
    expect(outcome(await call(hub, runner, 'task/create', { title: 'x', pipeline_id: pipe.pipeline_id }))).toBe('forbidden');
    const moved = ok<{ moved_tasks: number }>(await call(hub, owner, 'pipeline/delete', { pipeline_id: pipe.pipeline_id }));
    expect(moved.moved_tasks).toBe(1);
    const task = ok<{ pipeline_id: string }>(await call(hub, owner, 'task/get', { task_id: t.task_id }));
    const def = ok<{ is_default: boolean; name: string; counts: { done: number } }>(await call(hub, owner, 'pipeline/get', { pipeline_id: task.pipeline_id }));
    expect(def).toMatchObject({ is_default: true, name: 'default', counts: { done: 1 } });
    expect(outcome(await call(hub, owner, 'pipeline/delete', { pipeline_id: task.pipeline_id }))).toBe('conflict');
    expect(outcome(await call(hub, runner, 'pipeline/run', { pipeline_id: task.pipeline_id }))).toBe('forbidden');
    const mine = ok<{ pipelines: Array<{ pipeline_id: string }> }>(await call(hub, owner, 'pipeline/list', { mine: true }));
    expect(mine.pipelines.map((x) => x.pipeline_id)).toEqual([task.pipeline_id]);
  });
});

describe('stale runners', () => {
  let hub: RunningHub;
  beforeAll(async () => {
    hub = await startTestHub({ taskStaleMs: 200 });
  });
  afterAll(() => hub.close());

  it("a task in doing whose runner is offline and silent goes back to todo, and the owner is told", async () => {
    const owner = await connectAgent(hub);
    const quiet = await register(hub); // HTTP only: never online
    const busy = await connectAgent(hub); // online: its task stays
    const t1 = ok<{ task_id: string }>(await owner.client.call(owner.agent.agentId, 'task/create', { title: 'abandoned', runner: quiet.agentId }));
    const t2 = ok<{ task_id: string }>(await owner.client.call(owner.agent.agentId, 'task/create', { title: 'in hand', runner: busy.agent.agentId }));
    ok(await call(hub, quiet, 'task/start', { task_id: t1.task_id }));
    ok(await busy.client.call(busy.agent.agentId, 'task/start', { task_id: t2.task_id }));
    const told = await owner.client.waitFrame((f) => f.event === 'task.updated' && (f.data as { change: string }).change === 'stale', 10_000, 'stale push');
    expect(told.data).toMatchObject({ task: { task_id: t1.task_id, status: 'todo', runner_id: null }, actor: 'hub', from_status: 'doing', note: expect.stringContaining(quiet.agentId) });
    const tl = ok<{ entries: Array<{ kind: string; actor: string; note: string }> }>(await call(hub, quiet, 'task/timeline', { task_id: t1.task_id }));
    expect(tl.entries.at(-1)).toMatchObject({ kind: 'stale', actor: 'hub' });
    expect(tl.entries.at(-1)!.note).toContain(quiet.agentId);
    // The online runner's task is untouched, and the quiet runner can no longer submit.
    expect(ok<{ status: string }>(await call(hub, owner.agent, 'task/get', { task_id: t2.task_id })).status).toBe('doing');
    expect(outcome(await call(hub, quiet, 'task/submit', { task_id: t1.task_id, output: 'late' }))).toBe('forbidden');
    for (const c of [owner, busy]) c.client.close();
  });
});
