import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type EventDataOf } from '@parley/client/node';
import { describe, expect, it } from 'vitest';
import { defaultBrain, startBot, type Brain, type Said } from '../src/index.js';
import { until, useBotScene } from './harness.js';

/** What the bot offers in these tests: `text.reverse` (the default brain reverses its input) and `text.tools` (commands by name only). */
const CAPABILITIES = ['text.reverse', 'text.tools'];

type Result = EventDataOf<'delegate.result'>;

describe('example bot: tasks and delegated requests for its capabilities', () => {
  const scene = useBotScene('parley-bot-work-', { capabilities: CAPABILITIES });
  const { bot, lines } = scene;
  /** Another agent, with every delegate.result it receives. */
  const agent = async (name: string) => {
    const results: Result[] = [];
    const a = await scene.agent(name, (client) => client.on('delegate.result', (r) => results.push(r)));
    return { ...a, results };
  };
  /** A brain that remembers what it was asked, and otherwise is the default one. */
  const recording = (seen: Said[], inner: Brain = defaultBrain): Brain => (said, signal) => {
    seen.push(said);
    return inner(said, signal);
  };

  it('advertises its capabilities, keeping the ones it already had', async () => {
    const b = await bot();
    expect([...(await b.client.agents.whoami()).capabilities].sort()).toEqual([...CAPABILITIES].sort());
    await b.client.agents.update({ capabilities: ['text.tools', 'hand.made'] });
    await b.close();
    const again = await bot();
    expect([...(await again.client.agents.whoami()).capabilities].sort()).toEqual(['hand.made', 'text.reverse', 'text.tools']);

    // A capability the hub refuses stops the start, with the hub's reason.
    const refused = startBot({ url: scene.hub.url, identityPath: join(scene.dir, 'other', 'identity.json'), capabilities: ['Not A Capability'], log: () => undefined });
    await expect(refused).rejects.toThrow(/capability/);
  });

  it('takes a task that asks for its capability and submits; the owner approves and it is done', async () => {
    const b = await bot();
    const alice = await agent('alice');
    // Not the bot's capability: it must stay open.
    const other = await alice.client.tasks.create({ title: 'stressed', capability: 'image.draw' });
    const task = await alice.client.tasks.create({ title: 'stressed', capability: 'text.reverse' });

    const inReview = await until('the submission', async () => {
      const t = await alice.client.tasks.get({ task_id: task.task_id });
      return t.status === 'review' && t;
    });
    expect(inReview).toMatchObject({ runner_id: b.agentId, output: 'desserts' });
    const timeline = (await alice.client.tasks.timeline({ task_id: task.task_id })).entries;
    expect(timeline.map((e) => e.kind)).toEqual(expect.arrayContaining(['joined', 'started', 'progress', 'submitted']));
    expect(timeline.find((e) => e.kind === 'progress')?.note).toContain('helper is on it');

    const done = await alice.client.tasks.review({ task_id: task.task_id, decision: 'approve' });
    expect(done.status).toBe('done');
    expect(await alice.client.tasks.get({ task_id: other.task_id })).toMatchObject({ status: 'todo', runner_id: null });
    expect(lines).toContain(`did task ${task.task_id} (text.reverse)`);
  });

  it('re-runs a rejected task with the reviewer comment in hand', async () => {
    const seen: Said[] = [];
    const b = await bot(recording(seen));
    const alice = await agent('alice');
    const task = await alice.client.tasks.create({ title: 'reverse abc', capability: 'text.tools' });
    await until('the first submission', async () => (await alice.client.tasks.get({ task_id: task.task_id })).status === 'review');
    expect((await alice.client.tasks.get({ task_id: task.task_id })).output).toBe('cba');

    await alice.client.tasks.review({ task_id: task.task_id, decision: 'reject', comment: 'say it louder' });
    const redone = await until('the second submission', async () => {
      const t = await alice.client.tasks.get({ task_id: task.task_id });
      return t.status === 'review' && t.output !== 'cba' && t;
    });
    expect(redone).toMatchObject({ runner_id: b.agentId, output: 'cba (redone after review: "say it louder")' });
    const asked = seen.filter((s) => s.kind === 'task');
    expect(asked).toHaveLength(2);
    expect(asked.map((s) => (s.kind === 'task' ? s.task.review_comment : 'not a task'))).toEqual([null, 'say it louder']);

    expect((await alice.client.tasks.review({ task_id: task.task_id, decision: 'approve' })).status).toBe('done');
    const works = (await alice.client.tasks.works({ task_id: task.task_id })).works;
    expect(works.map((w) => [w.output, w.review?.decision])).toEqual([
      ['cba', 'reject'],
      ['cba (redone after review: "say it louder")', 'approve'],
    ]);
  });

  it('blocks a task its brain cannot do, with the reason', async () => {
    await bot();
    const alice = await agent('alice');
    const task = await alice.client.tasks.create({ title: 'dance for me', capability: 'text.tools' });
    await until('the task blocked', async () => (await alice.client.tasks.get({ task_id: task.task_id })).status === 'blocked');
    const entries = (await alice.client.tasks.timeline({ task_id: task.task_id })).entries;
    expect(entries.find((e) => e.kind === 'blocked')?.note).toBe('helper cannot do this task (text.tools)');
  });

  it('answers a delegated request: the requester receives delegate.result with the output', async () => {
    const seen: Said[] = [];
    const b = await bot(recording(seen));
    const alice = await agent('alice');
    const req = await alice.client.delegate.request({ capability: 'text.reverse', input: 'stressed', timeout_ms: 10_000 });
    expect(req.worker_id).toBe(b.agentId);
    const result = await until('delegate.result', () => alice.results.find((r) => r.request_id === req.request_id));
    expect(result).toMatchObject({ state: 'done', output: 'desserts', error: null, worker_id: b.agentId, requester_id: alice.id.agentId });
    expect(seen).toEqual([
      {
        kind: 'delegation',
        capability: 'text.reverse',
        text: 'stressed',
        from: alice.id.agentId,
        request: { request_id: req.request_id, input: 'stressed', deadline: req.deadline },
      },
    ]);

    // Any JSON input: the brain gets it as JSON text (and the raw value).
    const json = await alice.client.delegate.request({ capability: 'text.tools', input: { n: 1 }, timeout_ms: 10_000 });
    await until('the second result', () => alice.results.find((r) => r.request_id === json.request_id));
    expect(seen[1]).toMatchObject({ kind: 'delegation', text: '{"n":1}', request: { input: { n: 1 } } });
  });

  it('answers a request its brain cannot do (or fails at) with an error, not silence', async () => {
    const brain: Brain = (said, signal) => {
      if (said.text === 'explode') throw new Error('the fuse was lit');
      return defaultBrain(said, signal);
    };
    const b = await bot(brain);
    const alice = await agent('alice');
    // Advertised on the profile by hand, but not one the bot was started with.
    await b.client.agents.update({ capabilities: [...CAPABILITIES, 'hand.made'] });

    const cannot = await alice.client.delegate.request({ capability: 'text.tools', input: 'dance for me', timeout_ms: 10_000 });
    const failed = await alice.client.delegate.request({ capability: 'text.tools', input: 'explode', timeout_ms: 10_000 });
    const r1 = await until('the first result', () => alice.results.find((r) => r.request_id === cannot.request_id));
    const r2 = await until('the second result', () => alice.results.find((r) => r.request_id === failed.request_id));
    expect(r1).toMatchObject({ state: 'failed', output: null, error: 'helper cannot do that (text.tools)' });
    expect(r2).toMatchObject({ state: 'failed', output: null, error: 'helper failed: the fuse was lit' });
    const notOffered = await alice.client.delegate.request({ capability: 'hand.made', input: 'reverse abc', timeout_ms: 10_000 });
    const r3 = await until('the third result', () => alice.results.find((r) => r.request_id === notOffered.request_id));
    expect(r3).toMatchObject({ state: 'failed', error: 'helper does not offer hand.made' });
    // The hub does not hand a declined request to another worker.
    expect(r1.attempts).toBe(1);
  });

  it('a request the bot is working on when the hub restarts is answered once the hub is back', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const asked: string[] = [];
    const slow: Brain = async (said, signal) => {
      asked.push(said.text);
      if (said.kind === 'delegation') await gate;
      return defaultBrain(said, signal);
    };
    const b = await bot(slow);
    const alice = await agent('alice');
    // A push on alice's own stream first. A client resumes only the streams it holds a cursor for: one that never had a push
    // on its own stream would miss what is pushed to it while it reconnects (the delegate.result, here).
    const pong = new Promise<void>((resolve) => alice.client.once('p2p.message', () => resolve()));
    await alice.client.p2p.send({ to: b.agentId, content: 'ping' });
    await pong;
    const req = await alice.client.delegate.request({ capability: 'text.reverse', input: 'stressed', timeout_ms: 20_000 });
    await until('the brain at work', () => asked.includes('stressed'));

    await scene.hub.close();
    await scene.startHub();
    release();
    const result = await until('delegate.result', () => alice.results.find((r) => r.request_id === req.request_id));
    expect(result).toMatchObject({ state: 'done', output: 'desserts', attempts: 1 });
    expect(asked).toEqual(['ping', 'stressed']);
  });

  it('a request replayed after a crash is not answered twice', async () => {
    const cursorFile = join(scene.dir, 'bot', 'identity.json.cursors.json');
    const seen: Said[] = [];
    const b1 = await bot(recording(seen));
    const alice = await agent('alice');
    const stream = `agent:${b1.agentId}`;

    // Something on the bot's stream first, so its cursor file exists and names the stream.
    await alice.client.p2p.send({ to: b1.agentId, content: 'ping' });
    await until('the answer', async () => (await alice.client.p2p.history({ with: b1.agentId })).messages.length === 2);
    const seq = b1.client.cursors[stream];
    await until('cursor saved', async () => (await readFile(cursorFile, 'utf8').catch(() => '')).includes(`"${stream}":${seq}`));
    const before = await readFile(cursorFile, 'utf8');

    const req = await alice.client.delegate.request({ capability: 'text.reverse', input: 'drawer', timeout_ms: 10_000 });
    await until('the result', () => alice.results.find((r) => r.request_id === req.request_id));
    await b1.idle();
    const handled = b1.client.cursors[stream] ?? 0;
    expect(handled).toBeGreaterThan(seq ?? 0);
    await b1.close();

    // A crash after answering but before the cursor was saved: the hub replays the request.
    await writeFile(cursorFile, before);
    const b2 = await bot(recording(seen));
    await until('the replayed request was handled', () => (b2.client.cursors[stream] ?? 0) >= handled);
    await b2.idle();
    expect(lines).toContain(`request ${req.request_id} is already done: not answering it`);
    // One more request, so a second answer to the first had every chance to arrive first.
    const next = await alice.client.delegate.request({ capability: 'text.reverse', input: 'live', timeout_ms: 10_000 });
    await until('the next result', () => alice.results.find((r) => r.request_id === next.request_id));
    expect(alice.results.map((r) => [r.request_id, r.output])).toEqual([
      [req.request_id, 'reward'],
      [next.request_id, 'evil'],
    ]);
    // The brain thought about each request once.
    expect(seen.filter((s) => s.kind === 'delegation').map((s) => s.text)).toEqual(['drawer', 'live']);
  });

  it('after a crash mid-task, the restarted bot finishes its own unfinished task; tasks created while it was down are taken too', async () => {
    let release!: () => void;
    const stuck = new Promise<void>((resolve) => (release = resolve));
    // The first bot's brain never gets past the first task: the process "dies" with the task in `doing`.
    const hanging: Brain = async (said, signal) => {
      await stuck;
      return defaultBrain(said, signal);
    };
    const b1 = await bot(hanging);
    const alice = await agent('alice');
    const first = await alice.client.tasks.create({ title: 'reverse stressed', capability: 'text.tools' });
    await until('the task in doing', async () => (await alice.client.tasks.get({ task_id: first.task_id })).status === 'doing');
    // The crash: the connection is gone, nothing was handed in.
    await b1.client.close();
    const second = await alice.client.tasks.create({ title: 'count while you were away', capability: 'text.tools' });

    const b2 = await bot();
    const [t1, t2] = await until('both submissions', async () => {
      const ts = await Promise.all([first, second].map((t) => alice.client.tasks.get({ task_id: t.task_id })));
      return ts.every((t) => t.status === 'review') && ts;
    });
    expect(t1).toMatchObject({ runner_id: b2.agentId, output: 'desserts' });
    expect(t2).toMatchObject({ runner_id: b2.agentId, output: '4 words' });
    expect(lines).toContain(`did task ${first.task_id} (text.tools)`);
    // The first bot's late run finds its connection closed: nothing more reaches the hub.
    release();
    await b1.close();
    expect((await alice.client.tasks.works({ task_id: first.task_id })).works).toHaveLength(1);
  });
});
