import type { Task } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import type { ParleyClient } from '../src/client.js';
import { ParleyError } from '../src/errors.js';
import type { TaskContext } from '../src/worker.js';
import { agent, client, sleep, waitFor } from './helpers/env.js';
import { useHubBehindProxy } from './helpers/fixture.js';

/**
 * client.tasks.work against a real hub: owners drive tasks with the plain
 * helpers, workers run on other agents. One hub serves the file, so every
 * test uses its own capability and sees only its own tasks.
 */
const env = useHubBehindProxy();

let n = 0;
const freshCapability = (): string => `test.work${++n}-${Date.now().toString(36)}`;

async function connected(name: string, via: 'hub' | 'proxy' = 'hub'): Promise<ParleyClient> {
  const url = via === 'hub' ? env.hub.url : env.proxy.url;
  const c = client(url, await agent(env.hub.url, name));
  await c.connect();
  return c;
}

/** Poll task/get until `pred` holds (the owner's view of what the worker did). */
async function until(c: ParleyClient, taskId: string, pred: (t: Task) => boolean, what: string, timeoutMs = 10_000): Promise<Task> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const t = await c.tasks.get({ task_id: taskId });
    if (pred(t)) return t;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; task is ${t.status} (runner ${t.runner_id ?? '-'})`);
    await sleep(20);
  }
}

/** A promise with its resolve exposed: lets a test hold a handler where it wants it. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

/** Collects what reached onError, so a test can say "nothing went wrong quietly". */
function errors(): { list: Array<[string, string | null]>; onError: (err: Error, taskId: string | null) => void } {
  const list: Array<[string, string | null]> = [];
  return { list, onError: (err, taskId) => list.push([err.message, taskId]) };
}

describe('client.tasks.work', () => {
  it('takes an open task, reports progress and submits the output with artifacts; the handler gets the started task', async () => {
    const owner = await connected('owner');
    const bob = await connected('bob');
    const cap = freshCapability();
    const created = await owner.tasks.create({ title: 'summarise the notes', capability: cap, description: 'short please' });
    expect(created.status).toBe('todo');

    const seen: Array<{ task: Task; ctx: TaskContext }> = [];
    const errs = errors();
    const worker = bob.tasks.work({ capability: cap, onError: errs.onError }, async (task, ctx) => {
      seen.push({ task, ctx });
      const after = await ctx.progress(49.6, 'read them');
      expect(after).toMatchObject({ progress: 50, progress_note: 'read them', status: 'doing' });
      return { output: `summary of ${task.title}`, artifacts: ['https://example.com/summary.md'] };
    });

    const done = await until(owner, created.task_id, (t) => t.status === 'review', 'the submission');
    await worker.stop();
    expect(done).toMatchObject({ runner_id: bob.agentId, output: 'summary of summarise the notes', artifacts: ['https://example.com/summary.md'], progress: 100 });

    // the handler ran once, on the started task, with the worker's client
    expect(seen).toHaveLength(1);
    expect(seen[0]!.task).toMatchObject({ task_id: created.task_id, status: 'doing', runner_id: bob.agentId, description: 'short please' });
    expect(seen[0]!.ctx.client).toBe(bob);
    expect(seen[0]!.ctx.signal.aborted).toBe(false);

    // what the owner sees: join, start, progress, submit, in that order, all by bob
    const { entries } = await owner.tasks.timeline({ task_id: created.task_id });
    const byBob = entries.filter((e) => e.actor === bob.agentId);
    expect(byBob.map((e) => e.kind)).toEqual(['joined', 'started', 'progress', 'submitted']);
    expect(byBob.find((e) => e.kind === 'progress')!.note).toContain('read them');
    const { works } = await owner.tasks.works({ task_id: created.task_id });
    expect(works).toHaveLength(1);
    expect(works[0]).toMatchObject({ runner_id: bob.agentId, artifacts: ['https://example.com/summary.md'] });

    // the worker advertised its capability (the hub lets only capable agents join), once
    expect((await bob.agents.whoami()).capabilities).toEqual([cap]);
    expect(errs.list).toEqual([]);
    expect(worker.active).toEqual([]);
  });

  it('takes tasks as they come: task.ready from a pipeline run, an assignment, and a rejection re-run with the comment', async () => {
    const owner = await connected('owner');
    const bob = await connected('bob');
    const cap = freshCapability();
    const runs: Array<{ id: string; comment: string | null }> = [];
    const errs = errors();
    // rescanMs 0: no polling, so everything below arrives by push
    const worker = bob.tasks.work({ capability: cap, rescanMs: 0, onError: errs.onError }, (task) => {
      runs.push({ id: task.task_id, comment: task.review_comment });
      return task.review_comment ? `fixed: ${task.review_comment}` : `first try at ${task.title}`;
    });
    await sleep(200); // let the first scan (advertising included) finish: what follows is found through pushes

    const pipeline = await owner.pipelines.create({ name: `p-${cap}` });
    const { added } = await owner.pipelines.add({ pipeline_id: pipeline.pipeline_id, stages: [{ title: 'stage one', capability: cap }] });
    const stage = added[0]!;
    await owner.pipelines.run({ pipeline_id: pipeline.pipeline_id });
    await until(owner, stage, (t) => t.status === 'review', 'the pipeline stage to be submitted');

    // named as runner, without a capability: the assignment push is enough
    const assigned = await owner.tasks.create({ title: 'for bob only' });
    await owner.tasks.assign({ task_id: assigned.task_id, runner: bob.agentId });
    // ...but a worker with a capability takes only tasks asking for it
    const other = await until(owner, assigned.task_id, (t) => t.runner_id === bob.agentId, 'the assignment');
    await sleep(200);
    expect((await owner.tasks.get({ task_id: other.task_id })).status).toBe('todo');

    const mine = await owner.tasks.create({ title: 'assigned with the capability', capability: cap });
    await owner.tasks.assign({ task_id: mine.task_id, runner: bob.agentId });
    await until(owner, mine.task_id, (t) => t.status === 'review', 'the assigned task to be submitted');

    // rejected: back to todo with bob as runner; the worker runs it again and the handler sees why
    await owner.tasks.review({ task_id: mine.task_id, decision: 'reject', comment: 'cite your sources' });
    const redone = await until(owner, mine.task_id, (t) => t.status === 'review' && t.output === 'fixed: cite your sources', 'the re-run');
    expect(redone.runner_id).toBe(bob.agentId);
    expect((await owner.tasks.works({ task_id: mine.task_id })).works.map((w) => [w.output, w.review?.decision ?? null])).toEqual([
      ['first try at assigned with the capability', 'reject'],
      ['fixed: cite your sources', null],
    ]);

    await worker.stop();
    expect(runs).toEqual([
      { id: stage, comment: null },
      { id: mine.task_id, comment: null },
      { id: mine.task_id, comment: 'cite your sources' },
    ]);
    expect(errs.list).toEqual([]);
  });

  it('two workers (and pushes racing scans) never run the same task; losing a join is quiet', async () => {
    const owner = await connected('owner');
    const [bob, carol] = await Promise.all([connected('bob'), connected('carol')]);
    const cap = freshCapability();
    const pipeline = await owner.pipelines.create({ name: `race-${cap}` });
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push((await owner.tasks.create({ title: `job ${i}`, capability: cap, pipeline_id: pipeline.pipeline_id })).task_id);

    const running = new Set<string>();
    const ran: Array<[string, string]> = [];
    let overlaps = 0;
    const errs = errors();
    const handler = (who: string) => async (task: Task) => {
      if (running.has(task.task_id)) overlaps++;
      running.add(task.task_id);
      ran.push([task.task_id, who]);
      await sleep(20 + Math.random() * 30);
      running.delete(task.task_id);
      return `${who} did ${task.title}`;
    };
    // Both start at once and list the same ten open tasks; then the pipeline run pushes task.ready for all ten to both.
    const workers = [
      bob.tasks.work({ capability: cap, concurrency: 3, onError: errs.onError }, handler('bob')),
      carol.tasks.work({ capability: cap, concurrency: 3, onError: errs.onError }, handler('carol')),
    ];
    await owner.pipelines.run({ pipeline_id: pipeline.pipeline_id });

    for (const id of ids) await until(owner, id, (t) => t.status === 'review', `task ${id}`);
    await Promise.all(workers.map((w) => w.stop()));

    expect(overlaps).toBe(0);
    // the race was real: both workers won some of the ten
    expect(new Set(ran.map(([, who]) => who))).toEqual(new Set(['bob', 'carol']));
    // each task ran exactly once, by whoever won its join, and was submitted once
    expect(ran.map(([id]) => id).sort()).toEqual([...ids].sort());
    for (const id of ids) {
      const t = await owner.tasks.get({ task_id: id });
      const winner = ran.find(([x]) => x === id)![1];
      expect(t.runner_id).toBe(winner === 'bob' ? bob.agentId : carol.agentId);
      expect((await owner.tasks.works({ task_id: id })).works).toHaveLength(1);
    }
    expect(errs.list).toEqual([]);
  });

  it('does not take a task whose dependency is not done until it is; its inputs carry the upstream output', async () => {
    const owner = await connected('owner');
    const bob = await connected('bob');
    const cap = freshCapability();
    const pipeline = await owner.pipelines.create({ name: `deps-${cap}` });
    const { added } = await owner.pipelines.add({
      pipeline_id: pipeline.pipeline_id,
      stages: [
        { title: 'draft', capability: cap },
        { title: 'polish', capability: cap },
      ],
    });
    const [draft, polish] = added as [string, string];
    const started: Task[] = [];
    const draftGate = gate();
    const errs = errors();
    const worker = bob.tasks.work({ capability: cap, concurrency: 2, onError: errs.onError }, async (task) => {
      started.push(task);
      if (task.task_id === draft) await draftGate.promise;
      return task.task_id === draft ? 'the draft text' : `polished (${task.inputs.map((i) => i.output).join(', ')})`;
    });
    await owner.pipelines.run({ pipeline_id: pipeline.pipeline_id });

    await waitFor(() => started.length === 1, 'the draft to start');
    expect(started[0]!.task_id).toBe(draft);
    // two free slots, but polish waits for draft: not taken
    await sleep(300);
    expect(started).toHaveLength(1);
    expect(await owner.tasks.get({ task_id: polish })).toMatchObject({ status: 'todo', runner_id: null, ready: false });

    // submitted is not done: still not taken
    draftGate.open();
    await until(owner, draft, (t) => t.status === 'review', 'the draft submission');
    await sleep(300);
    expect(started).toHaveLength(1);

    // approved: done, polish is announced and taken, with the draft's output as input
    await owner.tasks.review({ task_id: draft, decision: 'approve' });
    const polished = await until(owner, polish, (t) => t.status === 'review', 'polish to be submitted');
    expect(started.map((t) => t.task_id)).toEqual([draft, polish]);
    expect(started[1]!.inputs).toEqual([{ task_id: draft, title: 'draft', output: 'the draft text', artifacts: [] }]);
    expect(polished.output).toBe('polished (the draft text)');
    await worker.stop();
    expect(errs.list).toEqual([]);
  });

  it('follows announcements without scanning: a dependency freed in the default pipeline, and a pipeline that is not running until it runs', async () => {
    const owner = await connected('owner');
    const bob = await connected('bob');
    const cap = freshCapability();
    const first = await owner.tasks.create({ title: 'first', capability: cap });
    const second = await owner.tasks.create({ title: 'second', capability: cap });
    await owner.tasks.dependenciesAdd({ task_id: second.task_id, depends_on: first.task_id });
    const later = await owner.pipelines.create({ name: 'later' });
    const parked = await owner.tasks.create({ title: 'parked', capability: cap, pipeline_id: later.pipeline_id });
    const order: string[] = [];
    // rescanMs 0: only the scan on start; everything after that must come by push.
    const worker = bob.tasks.work({ capability: cap, rescanMs: 0 }, (task) => {
      order.push(task.title);
      return 'ok';
    });
    await until(owner, first.task_id, (t) => t.status === 'review', 'first to be submitted');
    await owner.tasks.review({ task_id: first.task_id, decision: 'approve' });
    await until(owner, second.task_id, (t) => t.status === 'review', 'second to be submitted after its task.ready');
    // The parked task is not open while its pipeline is idle: nobody took it.
    expect((await owner.tasks.get({ task_id: parked.task_id })).runner_id).toBeNull();
    await owner.pipelines.run({ pipeline_id: later.pipeline_id });
    await until(owner, parked.task_id, (t) => t.status === 'review', 'the parked task to be taken once its pipeline runs');
    expect(order).toEqual(['first', 'second', 'parked']);
    await worker.stop();
  });

  it('rescans find what no push announces: a task without a capability is announced to its owner only', async () => {
    const owner = await connected('owner');
    const anyone = await connected('anyone');
    const mine: string[] = [];
    // No capability: it takes any open task it can join; periodic scans are its only way to hear of capability-less tasks.
    const worker = anyone.tasks.work({ rescanMs: 100 }, (task) => {
      mine.push(task.task_id);
      return 'picked up by a scan';
    });
    await sleep(150); // its first scan has run by now
    const task = await owner.tasks.create({ title: 'anyone may do this' });
    const done = await until(owner, task.task_id, (t) => t.status === 'review', 'the task to be found by a rescan');
    expect(done).toMatchObject({ runner_id: anyone.agentId, output: 'picked up by a scan' });
    expect(mine).toContain(task.task_id);
    await worker.stop();
  });

  it('a restarted worker finishes the task its agent left in doing', async () => {
    const owner = await connected('owner');
    const keys = await agent(env.hub.url, 'phoenix');
    const cap = freshCapability();
    const before = client(env.hub.url, keys);
    await before.connect();
    await before.agents.update({ capabilities: [cap] });
    const task = await owner.tasks.create({ title: 'half done', capability: cap });
    await before.tasks.join({ task_id: task.task_id });
    await before.tasks.start({ task_id: task.task_id });
    await before.tasks.progress({ task_id: task.task_id, percent: 50 });
    await before.close(); // the process "crashed" mid-task
    const after = client(env.hub.url, keys);
    await after.connect();
    const seen: Task[] = [];
    const worker = after.tasks.work({ capability: cap, rescanMs: 0 }, (t) => {
      seen.push(t);
      return 'finished after the restart';
    });
    const done = await until(owner, task.task_id, (t) => t.status === 'review', 'the left task to be submitted');
    expect(done.output).toBe('finished after the restart');
    expect(seen.map((t) => [t.task_id, t.status])).toEqual([[task.task_id, 'doing']]);
    await worker.stop();
    await after.close();
  });

  it('a handler that throws blocks the task with the message; unblocked, it is run again', async () => {
    const owner = await connected('owner');
    const bob = await connected('bob');
    const cap = freshCapability();
    const task = await owner.tasks.create({ title: 'fragile', capability: cap });
    let attempts = 0;
    const errs = errors();
    const worker = bob.tasks.work({ capability: cap, onError: errs.onError }, () => {
      attempts++;
      if (attempts === 1) throw new Error('the upstream API answered 503');
      return 'worked the second time';
    });

    const blocked = await until(owner, task.task_id, (t) => t.status === 'blocked', 'the block');
    expect(blocked.runner_id).toBe(bob.agentId);
    const { entries } = await owner.tasks.timeline({ task_id: task.task_id });
    expect(entries.at(-1)).toMatchObject({ kind: 'blocked', actor: bob.agentId, from_status: 'doing', to_status: 'blocked', note: 'the upstream API answered 503' });

    // the owner unblocks: todo again with bob still its runner, so the worker takes it again
    await owner.tasks.unblock({ task_id: task.task_id, note: 'try again' });
    const done = await until(owner, task.task_id, (t) => t.status === 'review', 'the second run');
    expect(done.output).toBe('worked the second time');
    expect(attempts).toBe(2);
    await worker.stop();
    // a handler failure is the task's business, not an error of the worker
    expect(errs.list).toEqual([]);
  });

  it('a result the hub refuses, or that is not a result, blocks the task with the reason', async () => {
    const owner = await connected('owner');
    const bob = await connected('bob');
    const cap = freshCapability();
    const bad = await owner.tasks.create({ title: 'bad artifact', capability: cap });
    const empty = await owner.tasks.create({ title: 'empty', capability: cap });
    const worker = bob.tasks.work({ capability: cap, concurrency: 2 }, (task) =>
      task.task_id === bad.task_id ? { output: 'here', artifacts: ['not a url'] } : '   ',
    );
    const a = await until(owner, bad.task_id, (t) => t.status === 'blocked', 'bad artifact blocked');
    const b = await until(owner, empty.task_id, (t) => t.status === 'blocked', 'empty output blocked');
    await worker.stop();
    const note = async (t: Task) => (await owner.tasks.timeline({ task_id: t.task_id })).entries.at(-1)!.note;
    expect(await note(a)).toMatch(/^the hub refused the result: /);
    expect(await note(b)).toBe('the handler returned an empty output');
  });

  it('stop() waits for running handlers and their submissions, then takes nothing more', async () => {
    const owner = await connected('owner');
    const bob = await connected('bob');
    const cap = freshCapability();
    const task = await owner.tasks.create({ title: 'slow', capability: cap });
    const hold = gate();
    let entered = false;
    const worker = bob.tasks.work(cap, async () => {
      entered = true;
      await hold.promise;
      return 'finally';
    });
    await waitFor(() => entered, 'the handler to start');
    expect(worker.active).toEqual([task.task_id]);

    let stopped = false;
    const stopping = worker.stop().then(() => (stopped = true));
    expect(worker.stop()).toBe(worker.stop()); // idempotent: the same promise
    await sleep(200);
    expect(stopped).toBe(false);
    hold.open();
    await stopping;
    // resolved only after the submission went through
    expect((await owner.tasks.get({ task_id: task.task_id })).status).toBe('review');
    expect(worker.active).toEqual([]);
    expect(bob.listenerCount('task.ready') + bob.listenerCount('task.updated') + bob.listenerCount('connected')).toBe(0);

    // nothing more is taken
    const later = await owner.tasks.create({ title: 'after stop', capability: cap });
    const pipeline = await owner.pipelines.create({ name: `after-${cap}` });
    await owner.pipelines.add({ pipeline_id: pipeline.pipeline_id, task_ids: [later.task_id] });
    await owner.pipelines.run({ pipeline_id: pipeline.pipeline_id });
    await sleep(300);
    expect(await owner.tasks.get({ task_id: later.task_id })).toMatchObject({ status: 'todo', runner_id: null });
  });

  it('an aborted signal stops the worker; a task cancelled under its handler aborts ctx.signal and nothing is submitted', async () => {
    const owner = await connected('owner');
    const bob = await connected('bob');
    const cap = freshCapability();
    const task = await owner.tasks.create({ title: 'cancel me', capability: cap });
    const controller = new AbortController();
    let signal: AbortSignal | undefined;
    const errs = errors();
    const worker = bob.tasks.work({ capability: cap, signal: controller.signal, onError: errs.onError }, async (_task, ctx) => {
      signal = ctx.signal;
      await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
      return 'too late';
    });
    await waitFor(() => signal !== undefined, 'the handler to start');
    await owner.tasks.cancel({ task_id: task.task_id, reason: 'not needed' });
    await waitFor(() => signal!.aborted, 'ctx.signal to abort');
    expect(signal!.reason).toBeInstanceOf(ParleyError);
    await waitFor(() => worker.active.length === 0, 'the run to end');
    expect((await owner.tasks.works({ task_id: task.task_id })).works).toEqual([]);
    expect((await owner.tasks.get({ task_id: task.task_id })).status).toBe('cancelled');

    controller.abort();
    await worker.stop();
    expect(bob.listenerCount('task.ready')).toBe(0);
    expect(errs.list).toEqual([]);

    // a signal aborted before work() starts nothing at all
    const idle = bob.tasks.work({ capability: cap, signal: controller.signal }, () => 'never');
    await idle.stop();
    expect(bob.listenerCount('task.updated')).toBe(0);
  });

  it('keeps working across reconnects: what appeared while it was away is found by the re-list on connected', async () => {
    const owner = await connected('owner');
    const bob = await connected('bob', 'proxy');
    const cap = freshCapability();
    const taken: string[] = [];
    const worker = bob.tasks.work({ capability: cap, rescanMs: 0 }, (task) => {
      taken.push(task.task_id);
      return 'ok';
    });
    // the first scan is over once the capability is advertised and a moment has passed
    for (let i = 0; i < 50 && !(await bob.agents.whoami()).capabilities.includes(cap); i++) await sleep(20);
    await sleep(200);

    env.proxy.setBlocked(true);
    env.proxy.dropAll();
    await waitFor(() => bob.state !== 'connected', 'bob to drop');
    const during = await owner.tasks.create({ title: 'during', capability: cap });
    // never announced (no pipeline run) and no polling (rescanMs 0): only the re-list on 'connected' can find it
    env.proxy.setBlocked(false);
    await until(owner, during.task_id, (t) => t.status === 'review', 'the task created while away');
    expect(taken).toEqual([during.task_id]);
    await worker.stop();
  });

  it('checks its arguments', async () => {
    const bob = await connected('bob');
    expect(() => bob.tasks.work({ concurrency: 0 }, () => 'x')).toThrow(RangeError);
    expect(() => bob.tasks.work({ rescanMs: -1 }, () => 'x')).toThrow(RangeError);
    expect(() => bob.tasks.work('x', undefined as unknown as () => string)).toThrow(TypeError);
    expect(bob.listenerCount('task.ready')).toBe(0);
  });
});
