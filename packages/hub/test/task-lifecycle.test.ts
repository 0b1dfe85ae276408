import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHub } from '../src/index.js';
import { refusal, RULES, rolesOf, type Actor, type Move } from '../src/domains/task/rules.js';
import { type Frame, type TestAgent, connectAgent, issueAsset, ok, register, rpc, startTestHub } from './helpers.js';

const call = async (hub: RunningHub, a: TestAgent, action: string, params?: unknown): Promise<Frame> => (await rpc(hub, a, action, params)).body;
const outcome = (f: Frame) => (f.status === 'error' ? (f.content as { code: string }).code : 'success');
const errorText = (f: Frame) => (f.status === 'error' ? (f.content as { error: string }).error : '');

type Status = 'todo' | 'doing' | 'review' | 'done' | 'blocked' | 'cancelled';
const STATUSES: Status[] = ['todo', 'doing', 'review', 'done', 'blocked', 'cancelled'];

describe('task rules (the table)', () => {
  it('allows each move only from its statuses and only to its actors, and says why not', () => {
    const actors: Actor[] = ['owner', 'runner', 'reviewer', 'anyone', 'hub'];
    for (const [move, rule] of Object.entries(RULES) as Array<[Move, (typeof RULES)[Move]]>) {
      for (const status of STATUSES) {
        for (const actor of actors) {
          const no = refusal(move, status, new Set([actor]));
          const allowed = rule.by.includes(actor) && rule.from.includes(status);
          expect(no === null, `${move} from ${status} by ${actor}`).toBe(allowed);
          if (!rule.by.includes(actor)) expect(no?.code).toBe('forbidden');
          else if (!rule.from.includes(status)) expect(no?.code).toBe('conflict');
        }
      }
    }
    // Done and cancelled are final: nothing leaves them.
    for (const rule of Object.values(RULES)) expect(rule.from.some((s) => s === 'done' || s === 'cancelled')).toBe(false);
  });

  it('the owner reviews when no reviewer is named', () => {
    expect([...rolesOf({ owner_id: 'o', runner_id: 'r', reviewer_id: null }, 'o')].sort()).toEqual(['anyone', 'owner', 'reviewer']);
    expect(rolesOf({ owner_id: 'o', runner_id: 'r', reviewer_id: 'v' }, 'o').has('reviewer')).toBe(false);
    expect(rolesOf({ owner_id: 'o', runner_id: 'r', reviewer_id: 'v' }, 'v').has('reviewer')).toBe(true);
  });
});

describe('task lifecycle against a hub', () => {
  let hub: RunningHub;
  let owner: TestAgent, runner: TestAgent, reviewer: TestAgent, other: TestAgent;
  const balance = async (a: TestAgent, asset: string) =>
    ok<{ balances: Array<{ asset: string; amount: string }> }>(await call(hub, a, 'wallet/get', {})).balances.find((b) => b.asset === asset)?.amount ?? '0';

  beforeAll(async () => {
    // Rewards are escrowed from the owner's wallet: it is funded through governance (one vote elects, one passes).
    hub = await startTestHub({ governance: { quorum: 1, votesToElect: 1 } });
    [owner, runner, reviewer, other] = (await Promise.all(['owner', 'runner', 'reviewer', 'other'].map((n) => register(hub, n)))) as [TestAgent, TestAgent, TestAgent, TestAgent];
    await issueAsset(hub, other, { symbol: 'USDC', supply: 1000, applicant: owner });
    await issueAsset(hub, other, { symbol: 'PLY', supply: 1000, applicant: owner });
  });
  afterAll(() => hub.close());

  const newTask = async (extra: Record<string, unknown> = {}) =>
    ok<{ task_id: string; status: string }>(await call(hub, owner, 'task/create', { title: 'Fix login', reviewer: reviewer.agentId, runner: runner.agentId, ...extra }));

  it('a reward stays held through a rejection and a block, and goes back to its owner when the task is cancelled', async () => {
    const t = await newTask({ reward: { asset: 'USDC', amount: '250' } });
    const id = t.task_id;
    expect(await balance(owner, 'USDC')).toBe('750');
    ok(await call(hub, runner, 'task/start', { task_id: id }));
    ok(await call(hub, runner, 'task/submit', { task_id: id, output: 'v1' }));
    expect(ok(await call(hub, reviewer, 'task/review', { task_id: id, decision: 'reject', comment: 'no' }))).toMatchObject({ status: 'todo', reward: { state: 'held' } });
    expect(ok(await call(hub, runner, 'task/block', { task_id: id, reason: 'stuck' }))).toMatchObject({ reward: { state: 'held', paid_to: null } });
    expect(await balance(owner, 'USDC')).toBe('750');
    expect(ok(await call(hub, owner, 'task/cancel', { task_id: id, reason: 'not needed' }))).toMatchObject({
      status: 'cancelled',
      reward: { asset: 'USDC', amount: '250', state: 'refunded', paid_to: null },
    });
    expect([await balance(owner, 'USDC'), await balance(runner, 'USDC')]).toEqual(['1000', '0']);
    // A display amount is not an amount: rewards are integers in smallest units.
    expect(outcome(await call(hub, owner, 'task/create', { title: 'x', reward: { asset: 'USDC', amount: 2.5 } }))).toBe('invalid_params');
    // A task without a reward has none.
    expect(ok(await call(hub, owner, 'task/get', { task_id: (await newTask()).task_id }))).toMatchObject({ reward: null });
  });

  it('goes todo -> doing -> review -> done with each move made by its role, and records every step', async () => {
    const t = await newTask({ description: 'the 401', acceptance_criteria: 'login works', priority: 'P1', reward: { asset: 'PLY', amount: 10 } });
    expect(t).toMatchObject({ status: 'todo', priority: 'P1', reward: { asset: 'PLY', amount: '10', state: 'held', paid_to: null }, owner_id: owner.agentId, runner_id: runner.agentId });
    const id = t.task_id;
    // Refused moves, each by someone who may not make it, or from the wrong status.
    expect(outcome(await call(hub, owner, 'task/start', { task_id: id }))).toBe('forbidden');
    expect(outcome(await call(hub, other, 'task/start', { task_id: id }))).toBe('forbidden');
    expect(outcome(await call(hub, runner, 'task/submit', { task_id: id, output: 'x' }))).toBe('conflict');
    expect(outcome(await call(hub, reviewer, 'task/review', { task_id: id, decision: 'approve' }))).toBe('conflict');
    expect(outcome(await call(hub, runner, 'task/progress', { task_id: id, percent: 10 }))).toBe('conflict');

    expect(ok(await call(hub, runner, 'task/start', { task_id: id }))).toMatchObject({ status: 'doing' });
    expect(outcome(await call(hub, runner, 'task/start', { task_id: id }))).toBe('conflict');
    expect(outcome(await call(hub, other, 'task/progress', { task_id: id, percent: 10 }))).toBe('forbidden');
    expect(ok(await call(hub, runner, 'task/progress', { task_id: id, percent: 40, note: 'found it' }))).toMatchObject({ progress: 40, progress_note: 'found it' });
    expect(outcome(await call(hub, owner, 'task/submit', { task_id: id, output: 'x' }))).toBe('forbidden');
    expect(ok(await call(hub, runner, 'task/submit', { task_id: id, output: 'patched', artifacts: ['https://git.example/pr/1'] }))).toMatchObject({
      status: 'review',
      output: 'patched',
      artifacts: ['https://git.example/pr/1'],
    });
    // With a reviewer named, the owner does not review; the runner never does.
    expect(errorText(await call(hub, owner, 'task/review', { task_id: id, decision: 'approve' }))).toBe('only its reviewer may approve this task');
    expect(outcome(await call(hub, runner, 'task/review', { task_id: id, decision: 'approve' }))).toBe('forbidden');
    // The held reward goes to the runner in the same step.
    expect(ok(await call(hub, reviewer, 'task/review', { task_id: id, decision: 'approve' }))).toMatchObject({
      status: 'done',
      reward: { asset: 'PLY', amount: '10', state: 'released', paid_to: runner.agentId },
    });
    expect([await balance(owner, 'PLY'), await balance(runner, 'PLY')]).toEqual(['990', '10']);
    // Final.
    expect(outcome(await call(hub, owner, 'task/cancel', { task_id: id }))).toBe('conflict');
    expect(outcome(await call(hub, owner, 'task/update', { task_id: id, title: 'x' }))).toBe('conflict');

    const tl = ok<{ entries: Array<{ actor: string; kind: string; from_status: string | null; to_status: string | null }> }>(await call(hub, other, 'task/timeline', { task_id: id }));
    expect(tl.entries.map((e) => [e.kind, e.actor, e.from_status, e.to_status])).toEqual([
      ['created', owner.agentId, null, 'todo'],
      ['started', runner.agentId, 'todo', 'doing'],
      ['progress', runner.agentId, 'doing', 'doing'],
      ['submitted', runner.agentId, 'doing', 'review'],
      ['approved', reviewer.agentId, 'review', 'done'],
    ]);
  });

  it('a rejection sends the task back to todo with the comment, and the re-run is a second submission', async () => {
    const { task_id: id } = await newTask();
    ok(await call(hub, runner, 'task/start', { task_id: id }));
    ok(await call(hub, runner, 'task/submit', { task_id: id, output: 'first try' }));
    expect(outcome(await call(hub, reviewer, 'task/review', { task_id: id, decision: 'reject' }))).toBe('invalid_params');
    expect(ok(await call(hub, reviewer, 'task/review', { task_id: id, decision: 'reject', comment: 'tests fail' }))).toMatchObject({
      status: 'todo',
      review_comment: 'tests fail',
      runner_id: runner.agentId,
      progress: 0,
    });
    ok(await call(hub, runner, 'task/start', { task_id: id }));
    ok(await call(hub, runner, 'task/submit', { task_id: id, output: 'second try' }));
    ok(await call(hub, reviewer, 'task/review', { task_id: id, decision: 'approve', comment: 'good' }));
    const works = ok<{ works: Array<{ output: string; review: { decision: string; comment: string | null; by: string } | null }> }>(
      await call(hub, owner, 'task/works', { task_id: id }),
    );
    expect(works.works.map((w) => [w.output, w.review?.decision, w.review?.comment, w.review?.by])).toEqual([
      ['first try', 'reject', 'tests fail', reviewer.agentId],
      ['second try', 'approve', 'good', reviewer.agentId],
    ]);
  });

  it('blocking and unblocking, by review or by runner, each by its role', async () => {
    const { task_id: id } = await newTask();
    expect(outcome(await call(hub, other, 'task/block', { task_id: id, reason: 'x' }))).toBe('forbidden');
    expect(ok(await call(hub, runner, 'task/block', { task_id: id, reason: 'waiting for access' }))).toMatchObject({ status: 'blocked' });
    expect(outcome(await call(hub, runner, 'task/unblock', { task_id: id }))).toBe('forbidden');
    expect(outcome(await call(hub, runner, 'task/start', { task_id: id }))).toBe('conflict');
    expect(ok(await call(hub, owner, 'task/unblock', { task_id: id }))).toMatchObject({ status: 'todo' });
    ok(await call(hub, runner, 'task/start', { task_id: id }));
    ok(await call(hub, runner, 'task/submit', { task_id: id, output: 'o' }));
    expect(ok(await call(hub, reviewer, 'task/review', { task_id: id, decision: 'block', comment: 'needs legal' }))).toMatchObject({ status: 'blocked' });
    expect(outcome(await call(hub, owner, 'task/unblock', { task_id: 'tsk_nope' }))).toBe('not_found');
    expect(ok(await call(hub, owner, 'task/cancel', { task_id: id, reason: 'dropped' }))).toMatchObject({ status: 'cancelled' });
    expect(outcome(await call(hub, owner, 'task/unblock', { task_id: id }))).toBe('conflict');
  });

  it('assignment by the owner, volunteering for open tasks, and capabilities', async () => {
    const { task_id: open } = ok<{ task_id: string }>(await call(hub, owner, 'task/create', { title: 'Translate', capability: 'lang.fr' }));
    expect(errorText(await call(hub, other, 'task/join', { task_id: open }))).toMatch(/needs the capability "lang.fr"/);
    ok(await call(hub, other, 'agent/update', { capabilities: ['lang.fr'] }));
    const listed = ok<{ tasks: Array<{ task_id: string }> }>(await call(hub, other, 'task/list', { open: true, capability: 'lang.fr' }));
    expect(listed.tasks.map((t) => t.task_id)).toEqual([open]);
    expect(ok(await call(hub, other, 'task/join', { task_id: open }))).toMatchObject({ runner_id: other.agentId });
    expect(outcome(await call(hub, runner, 'task/join', { task_id: open }))).toBe('conflict');
    expect(ok<{ tasks: unknown[] }>(await call(hub, other, 'task/list', { open: true, capability: 'lang.fr' })).tasks).toEqual([]);
    // The owner reassigns; the new runner starts.
    expect(outcome(await call(hub, other, 'task/assign', { task_id: open, runner: runner.agentId }))).toBe('forbidden');
    expect(ok(await call(hub, owner, 'task/assign', { task_id: open, runner: runner.agentId }))).toMatchObject({ runner_id: runner.agentId });
    expect(outcome(await call(hub, other, 'task/start', { task_id: open }))).toBe('forbidden');
    ok(await call(hub, runner, 'task/start', { task_id: open }));
    expect(outcome(await call(hub, owner, 'task/assign', { task_id: open, runner: other.agentId }))).toBe('conflict');
    expect(outcome(await call(hub, owner, 'task/assign', { task_id: open, runner: 'agt_' + 'z'.repeat(32) }))).toBe('not_found');
  });

  it('pushes task.updated to owner, runner and reviewer, and to the task topic', async () => {
    const o = await connectAgent(hub, owner);
    const r = await connectAgent(hub, runner);
    const watcher = await connectAgent(hub);
    const topic = ok<{ topic_id: string }>(await o.client.call(owner.agentId, 'topic/create', { name: 'work room' }));
    ok(await watcher.client.call(watcher.agent.agentId, 'topic/join', { topic_id: topic.topic_id }));
    const { task_id: id } = await newTask({ topic_id: topic.topic_id });
    ok(await r.client.call(runner.agentId, 'task/start', { task_id: id }));
    for (const c of [o, r]) {
      const f = await c.client.waitFrame((x) => x.event === 'task.updated' && (x.data as { change: string }).change === 'started');
      expect(f).toMatchObject({ stream: `agent:${c.agent.agentId}`, data: { task: { task_id: id, status: 'doing' }, actor: runner.agentId, from_status: 'todo' } });
    }
    const onTopic = await watcher.client.waitFrame((x) => x.event === 'task.updated' && (x.data as { change: string }).change === 'started');
    expect(onTopic.stream).toBe(`topic:${topic.topic_id}`);
    // A topic the creator is not in cannot be linked.
    const foreign = ok<{ topic_id: string }>(await call(hub, other, 'topic/create', { name: 'not yours' }));
    expect(outcome(await call(hub, owner, 'task/create', { title: 'x', topic_id: foreign.topic_id }))).toBe('forbidden');
    for (const c of [o, r, watcher]) c.client.close();
  });

  it('tasks of a private topic are invisible to outsiders', async () => {
    const topic = ok<{ topic_id: string }>(await call(hub, owner, 'topic/create', { name: 'secret work', visibility: 'private' }));
    const { task_id: id } = await newTask({ topic_id: topic.topic_id });
    expect(outcome(await call(hub, other, 'task/get', { task_id: id }))).toBe('not_found');
    expect(ok<{ tasks: Array<{ task_id: string }> }>(await call(hub, other, 'task/list', { limit: 200 })).tasks.map((t) => t.task_id)).not.toContain(id);
    // Its runner and reviewer see it.
    expect(ok(await call(hub, reviewer, 'task/get', { task_id: id }))).toMatchObject({ task_id: id });
  });
});
