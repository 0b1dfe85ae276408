import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentCli } from './agents.js';
import { balanceOf, GOVERNANCE_FLAGS, issueAsset } from './economy.js';
import { isJsonLine, LiveProcess, runCli, startTestHub, tempDir } from './helpers.js';

/**
 * The work-orchestration commands of the WTT list (`@wtt task ...`,
 * `@wtt pipeline|pipe ...`, `@wtt delegate ...`), run as a user would: the
 * built `parley` binary against a real hub, with real agents. Every wait is
 * on a process finishing.
 */

let hub: LiveProcess;
let url: string;
const homes = { alice: tempDir('alice'), bob: tempDir('bob'), carol: tempDir('carol') };
type Who = keyof typeof homes;
const ids: Record<Who, string> = { alice: '', bob: '', carol: '' };

const cli = agentCli(homes, () => url);
const { run, ok, json, fails } = cli;




interface Task {
  task_id: string;
  title: string;
  description: string | null;
  acceptance_criteria: string | null;
  status: string;
  priority: string;
  owner_id: string;
  runner_id: string | null;
  reviewer_id: string | null;
  pipeline_id: string;
  topic_id: string | null;
  capability: string | null;
  deadline: string | null;
  reward: { amount: string; asset: string; state: string; paid_to: string | null; tx_id: string | null } | null;
  progress: number;
  progress_note: string | null;
  output: string | null;
  artifacts: string[];
  review_comment: string | null;
  depends_on: string[];
  ready: boolean;
  inputs: Array<{ task_id: string; output: string | null }>;
}
interface Pipeline {
  pipeline_id: string;
  name: string;
  description: string | null;
  state: string;
  auto_review: boolean;
  is_default: boolean;
  counts: Record<string, number>;
}
type Status = { pipeline: Pipeline; ready: string[]; held: string[] };

const newTask = async (who: Who, ...args: string[]): Promise<Task> => json<Task>(['task', 'create', ...args], who);

beforeAll(async () => {
  ({ hub, url } = await startTestHub(GOVERNANCE_FLAGS));
  for (const who of Object.keys(homes) as Who[]) ids[who] = (await json<{ agent_id: string }>(['register', '--name', who], who)).agent_id;
  // Rewards are escrowed from the owner's wallet: alice gets two assets the way any agent would (governance, then issue).
  await issueAsset(cli, 'alice', ids.alice, { symbol: 'USDC', supply: '1000' });
  await issueAsset(cli, 'alice', ids.alice, { symbol: 'EUR', supply: '100000', decimals: 2 });
  // bob and carol can fix code; the hub lets only agents that advertise a task's capability take it
  await ok(['call', 'agent/update', '{"capabilities":["code.fix"]}'], 'bob');
  // carol also adds numbers, for delegated requests
  await ok(['call', 'agent/update', '{"capabilities":["code.fix","math.add"]}'], 'carol');
});

afterAll(async () => {
  expect(await hub.stop('SIGTERM')).toBe(0);
});

describe('parley task', () => {
  it('a full lifecycle: create, take, run, progress, submit, reject, re-run, approve; works and timeline tell the story', async () => {
    const { alice, bob } = ids;
    // WTT's "task create <title> <description>", with every option
    const t = await newTask(
      'alice',
      'Fix login failure',
      'Investigate 401 and submit a fix',
      '--priority', 'P1',
      '--acceptance', 'a test reproduces the 401',
      '--capability', 'code.fix',
      '--deadline', '2026-12-01T17:00:00Z',
      '--reward', '5', 'USDC',
    );
    expect(t).toMatchObject({
      title: 'Fix login failure',
      description: 'Investigate 401 and submit a fix',
      acceptance_criteria: 'a test reproduces the 401',
      priority: 'P1',
      status: 'todo',
      owner_id: alice,
      runner_id: null,
      capability: 'code.fix',
      deadline: '2026-12-01T17:00:00.000Z',
      reward: { amount: '5', asset: 'USDC', state: 'held', paid_to: null },
    });
    expect(t.task_id).toMatch(/^tsk_/);
    // the reward left alice's wallet for the task's escrow, in one ledger transaction
    expect(await balanceOf(cli, 'alice', 'USDC')).toBe('995');
    const escrow = await json<{ kind: string; entries: Array<{ account: string; amount: string }> }>(['ledger', 'tx', t.reward!.tx_id!], 'alice');
    expect(escrow).toMatchObject({ kind: 'escrow' });
    expect(escrow.entries).toEqual(expect.arrayContaining([{ account: `escrow:${t.task_id}`, amount: '5' }]));

    // bob finds it among the open tasks he could take (ls is WTT's alias)
    const open = await ok(['task', 'ls', '--open', '--capability', 'code.fix'], 'bob');
    expect(open).toMatch(/^TASK\s+STATUS\s+PRI\s+TITLE\s+RUNNER\s+CAPABILITY\n/);
    expect(open).toMatch(new RegExp(`\\n${t.task_id}\\s+todo\\s+P1\\s+Fix login failure\\s+-\\s+code\\.fix\\n`));

    // take (join), run (start), progress, submit with artifacts
    expect(await ok(['task', 'take', t.task_id], 'bob')).toBe(`you run ${t.task_id} now; "parley task run ${t.task_id}" starts it\n`);
    expect(await ok(['task', 'run', t.task_id], 'bob')).toBe(`started ${t.task_id} (Fix login failure): doing\n`);
    expect(await ok(['task', 'progress', t.task_id, '40%', 'reading', 'the', 'logs'], 'bob')).toBe(`${t.task_id}: 40% (reading the logs)\n`);
    expect(await ok(['task', 'submit', t.task_id, 'patched', 'the', 'token', 'check', '--artifact', 'https://example.com/pr/1', '--artifact', 'https://example.com/ci/7'], 'bob')).toBe(
      `submitted ${t.task_id}: review\n`,
    );

    // the owner reviews it (no reviewer named): reject with a comment, back to todo for bob
    expect(await ok(['task', 'review', t.task_id, 'reject', 'add', 'a', 'test'], 'alice')).toBe(
      `rejected ${t.task_id}: back to todo for ${bob} with your comment\n`,
    );
    const rejected = await json<Task>(['task', 'info', t.task_id], 'bob');
    expect(rejected).toMatchObject({ status: 'todo', runner_id: bob, review_comment: 'add a test', output: 'patched the token check' });
    const detail = await ok(['task', 'detail', t.task_id], 'bob');
    expect(detail).toContain(`runner:       ${bob}\n`);
    expect(detail).toContain(`reviewer:     ${alice} (the owner)\n`);
    expect(detail).toContain('review:       add a test\n');
    expect(detail).toContain('reward:       5 USDC (held)\n');

    // the re-run: start (WTT's other name for run), submit the output from stdin, approve
    await ok(['task', 'start', t.task_id], 'bob');
    expect(await ok(['task', 'submit', t.task_id, '-'], 'bob', 'patched,\nwith a test\n')).toBe(`submitted ${t.task_id}: review\n`);
    expect(await ok(['task', 'review', t.task_id, 'approve', 'thanks'], 'alice')).toBe(`approved ${t.task_id}: done\n`);
    // the promised reward is released to the runner
    expect(await ok(['task', 'detail', t.task_id], 'alice')).toContain(`reward:       5 USDC (released to ${ids.bob})\n`);
    expect(await balanceOf(cli, 'bob', 'USDC')).toBe('5');
    expect(await balanceOf(cli, 'alice', 'USDC')).toBe('995');

    const works = await json<{ works: Array<{ output: string; artifacts: string[]; review: { decision: string; comment: string | null; by: string } | null }> }>(
      ['task', 'works', t.task_id],
      'alice',
    );
    expect(works.works.map((w) => [w.output, w.artifacts, w.review?.decision, w.review?.comment, w.review?.by])).toEqual([
      ['patched the token check', ['https://example.com/pr/1', 'https://example.com/ci/7'], 'reject', 'add a test', alice],
      ['patched,\nwith a test', [], 'approve', 'thanks', alice],
    ]);
    const worksText = await ok(['task', 'works', t.task_id], 'bob');
    expect(worksText).toMatch(new RegExp(`^#1 {2}\\S+ {2}by ${bob} {2}\\(rejected by ${alice} at \\S+: add a test\\)\\n {4}patched the token check\\n {4}artifacts: https://example.com/pr/1 https://example.com/ci/7\\n#2 `));

    const timeline = await json<{ entries: Array<{ actor: string; kind: string; from_status: string | null; to_status: string | null; note: string | null }> }>(
      ['task', 'timeline', t.task_id],
      'alice',
    );
    expect(timeline.entries.map((e) => [e.actor === alice ? 'alice' : e.actor === bob ? 'bob' : e.actor, e.kind])).toEqual([
      ['alice', 'created'],
      ['bob', 'joined'],
      ['bob', 'started'],
      ['bob', 'progress'],
      ['bob', 'submitted'],
      ['alice', 'rejected'],
      ['bob', 'started'],
      ['bob', 'submitted'],
      ['alice', 'approved'],
    ]);
    const timelineText = await ok(['task', 'timeline', t.task_id], 'alice');
    expect(timelineText).toMatch(/^AT\s+BY\s+WHAT\s+STATUS\s+NOTE\n/);
    expect(timelineText).toMatch(new RegExp(`\\n\\S+\\s+${alice}\\s+rejected\\s+review -> todo\\s+add a test\\n`));

    // list filters: --runner me, --owner, --status
    const mine = await json<{ tasks: Task[] }>(['task', 'list', '--runner', 'me', '--status', 'done'], 'bob');
    expect(mine.tasks.map((x) => x.task_id)).toContain(t.task_id);
    expect(mine.tasks.every((x) => x.runner_id === bob && x.status === 'done')).toBe(true);
    const owned = await json<{ tasks: Task[] }>(['task', 'list', '--owner', alice], 'carol');
    expect(owned.tasks.map((x) => x.task_id)).toContain(t.task_id);
    expect((await json<{ tasks: Task[] }>(['task', 'list', '--owner', 'me'], 'carol')).tasks).toEqual([]);
  });

  it('update, assign, block and unblock, cancel, a reviewer other than the owner, and --reward AMOUNT:ASSET', async () => {
    const { bob, carol } = ids;
    // WTT alias "new"; the second --reward form (smallest units: 250 of EUR, which has 2 decimals, is 2.5; the symbol upper-cased); a duration as deadline
    const eurBefore = BigInt(await balanceOf(cli, 'alice', 'EUR'));
    const t = await newTask('alice', 'Write the changelog', '--reward', '250:eur', '--deadline', '3d', '--reviewer', carol);
    expect(t.reward).toMatchObject({ amount: '250', asset: 'EUR', state: 'held', paid_to: null });
    expect(await balanceOf(cli, 'alice', 'EUR')).toBe(String(eurBefore - 250n));
    expect(await ok(['task', 'detail', t.task_id], 'alice')).toContain('reward:       2.5 EUR (held)\n');
    expect(Date.parse(t.deadline!) - Date.now()).toBeGreaterThan(3 * 86_400_000 - 120_000);
    expect(t.reviewer_id).toBe(carol);
    // "--reward 5 USDC <description>": the description is not swallowed by --reward
    const swallowed = await newTask('alice', 'Tag the release', '--reward', '1', 'USDC', 'after the changelog');
    expect(swallowed).toMatchObject({ reward: { amount: '1', asset: 'USDC' }, description: 'after the changelog' });
    // an owner who cannot pay gets no task: carol holds nothing
    expect(await fails(['task', 'create', 'Unfunded', '--reward', '5', 'USDC'], 'carol', 1)).toMatch(/^parley: /);
    expect((await json<{ tasks: Task[] }>(['task', 'list', '--owner', 'me'], 'carol')).tasks).toEqual([]);

    const updated = await json<Task>(['task', 'update', t.task_id, '--title', 'Write the 0.2 changelog', '--priority', 'P0', '--description', 'from the changesets', '--capability', 'docs'], 'alice');
    expect(updated).toMatchObject({ title: 'Write the 0.2 changelog', priority: 'P0', description: 'from the changesets', capability: 'docs' });
    const cleared = await json<Task>(['task', 'update', t.task_id, '--description', '', '--capability', '', '--reviewer', ''], 'alice');
    expect(cleared).toMatchObject({ description: null, capability: null, reviewer_id: null });
    expect(await fails(['task', 'update', t.task_id, '--title', 'mine now'], 'bob', 1)).toMatch(/^parley: forbidden: /);

    expect(await ok(['task', 'assign', t.task_id, bob], 'alice')).toBe(`assigned ${t.task_id} to ${bob}\n`);
    await ok(['task', 'run', t.task_id], 'bob');
    expect(await ok(['task', 'block', t.task_id, 'waiting', 'for', 'the', 'release', 'notes'], 'bob')).toBe(`blocked ${t.task_id}\n`);
    const blocked = await json<{ entries: Array<{ kind: string; note: string | null }> }>(['task', 'timeline', t.task_id], 'alice');
    expect(blocked.entries.at(-1)).toMatchObject({ kind: 'blocked', note: 'waiting for the release notes' });
    expect(await fails(['task', 'unblock', t.task_id], 'bob', 1)).toMatch(/^parley: forbidden: only its owner may unblock this task/);
    expect(await ok(['task', 'unblock', t.task_id, 'notes', 'are', 'in'], 'alice')).toBe(`unblocked ${t.task_id}: todo for ${bob}\n`);
    // a runner can be replaced while the task waits in todo
    await ok(['task', 'assign', t.task_id, carol], 'alice');
    expect((await json<Task>(['task', 'info', t.task_id], 'alice')).runner_id).toBe(carol);

    expect(await fails(['task', 'cancel', t.task_id], 'carol', 1)).toMatch(/^parley: forbidden: /);
    expect(await ok(['task', 'cancel', t.task_id, 'not', 'needed'], 'alice')).toBe(`cancelled ${t.task_id}\n`);
    const cancelled = await json<Task>(['task', 'info', t.task_id], 'alice');
    expect(cancelled).toMatchObject({ status: 'cancelled', reward: { amount: '250', asset: 'EUR', state: 'refunded' } });
    // the refund put the escrowed 2.5 EUR back
    expect(await balanceOf(cli, 'alice', 'EUR')).toBe(String(eurBefore));
    expect(await fails(['task', 'take', t.task_id], 'bob', 1)).toMatch(/^parley: conflict: cannot join a task that is cancelled/);
  });

  it('deps add|remove and graph: a task waits for another, cycles are refused, and the graph shows the edges', async () => {
    const a = await newTask('alice', 'Design');
    const b = await newTask('alice', 'Build', '--pipeline', a.pipeline_id);
    const c = await newTask('alice', 'Ship', '--pipeline', a.pipeline_id);
    expect(await ok(['task', 'deps', 'add', b.task_id, a.task_id], 'alice')).toBe(
      `${b.task_id} now waits for ${a.task_id}; it waits for ${a.task_id} (ready: no)\n`,
    );
    await ok(['task', 'dependencies', 'add', c.task_id, b.task_id], 'alice');
    expect(await fails(['task', 'deps', 'add', a.task_id, c.task_id], 'alice', 1)).toMatch(/^parley: conflict: .*cycle/);

    // not ready while Design is not done: not among the open tasks, and refused to start
    const open = await json<{ tasks: Task[] }>(['task', 'list', '--open', '--pipeline', a.pipeline_id], 'bob');
    expect(open.tasks.map((t) => t.task_id)).toContain(a.task_id);
    expect(open.tasks.map((t) => t.task_id)).not.toContain(b.task_id);
    expect(await fails(['task', 'take', b.task_id], 'bob', 1)).toMatch(/^parley: conflict: cannot join yet: waiting on 1 unfinished dependency/);
    expect(await fails(['task', 'run', b.task_id], 'bob', 1)).toMatch(/^parley: conflict: waiting on 1 unfinished dependency/);

    const graph = await json<{ nodes: Array<{ task_id: string; ready: boolean }>; edges: Array<{ from: string; to: string }> }>(['task', 'graph', a.pipeline_id], 'alice');
    expect(graph.edges).toEqual(expect.arrayContaining([{ from: a.task_id, to: b.task_id }, { from: b.task_id, to: c.task_id }]));
    const graphText = await ok(['task', 'graph', a.pipeline_id], 'alice');
    expect(graphText).toMatch(/^TASK\s+STATUS\s+READY\s+TITLE\s+AFTER\n/);
    expect(graphText).toMatch(new RegExp(`\\n${b.task_id}\\s+todo\\s+no\\s+Build\\s+${a.task_id}\\n`));
    expect(graphText).toMatch(new RegExp(`\\n${a.task_id}\\s+todo\\s+yes\\s+Design\\s+-\\n`));

    expect(await ok(['task', 'deps', 'remove', b.task_id, a.task_id], 'alice')).toBe(`${b.task_id} no longer waits for ${a.task_id}; it waits for nothing (ready: yes)\n`);
    // free now: bob can take it and run it
    await ok(['task', 'take', b.task_id], 'bob');
    expect(await ok(['task', 'run', b.task_id], 'bob')).toBe(`started ${b.task_id} (Build): doing\n`);
  });
});

describe('parley pipeline|pipe', () => {
  it('stages run through the CLI: WTT positional stages, run, status, a rejection holding the next stage, inputs from upstream', async () => {
    const { alice, bob, carol } = ids;
    // WTT: pipeline create "<name>", then pipeline add <id> "Analysis" "Implementation" "Validation"
    const p = await json<Pipeline>(['pipeline', 'create', 'Multi-agent code fix flow', 'from analysis to validation'], 'alice');
    expect(p).toMatchObject({ name: 'Multi-agent code fix flow', description: 'from analysis to validation', state: 'idle', auto_review: false, is_default: false });
    const added = await json<{ added: string[] }>(['pipe', 'add', p.pipeline_id, 'Analysis', 'Implementation', 'Validation', '--capability', 'code.fix'], 'alice');
    expect(added.added).toHaveLength(3);
    const [analysis, implementation, validation] = added.added as [string, string, string];
    expect(await ok(['pipe', 'info', p.pipeline_id], 'alice')).toContain('tasks:        todo 3\n');

    const ran = await json<Status>(['pipe', 'run', p.pipeline_id], 'alice');
    expect(ran).toMatchObject({ pipeline: { state: 'running' }, ready: [analysis], held: [] });
    const statusText = await ok(['pipe', 'status', p.pipeline_id], 'alice');
    expect(statusText).toBe(`${p.pipeline_id}  Multi-agent code fix flow  (running)\ntasks:  todo 3\nready:  ${analysis}\nheld:   -\n`);

    // stage 1: bob; the owner approves, which readies stage 2
    await ok(['task', 'take', analysis], 'bob');
    await ok(['task', 'run', analysis], 'bob');
    await ok(['task', 'submit', analysis, 'the', 'token', 'check', 'is', 'off', 'by', 'one'], 'bob');
    expect((await json<Status>(['pipe', 'status', p.pipeline_id], 'alice')).ready).toEqual([]);
    await ok(['task', 'review', analysis, 'approve'], 'alice');
    expect((await json<Status>(['pipe', 'status', p.pipeline_id], 'alice')).ready).toEqual([implementation]);

    // stage 2: carol takes it and sees stage 1's output as her input
    await ok(['task', 'take', implementation], 'carol');
    expect(await ok(['task', 'run', implementation], 'carol')).toBe(
      `started ${implementation} (Implementation): doing\ninput from ${analysis} (Analysis): the token check is off by one\n`,
    );
    await ok(['task', 'submit', implementation, 'fixed'], 'carol');
    // rejected: back to todo, and Validation is held by it
    await ok(['task', 'review', implementation, 'reject', 'no', 'test'], 'alice');
    const held = await json<Status>(['pipe', 'status', p.pipeline_id], 'alice');
    expect(held).toMatchObject({ ready: [implementation], held: [validation] });
    await ok(['task', 'run', implementation], 'carol');
    await ok(['task', 'submit', implementation, 'fixed,', 'with', 'a', 'test'], 'carol');
    await ok(['task', 'review', implementation, 'approve'], 'alice');

    // stage 3, then the pipeline is done
    await ok(['task', 'take', validation], 'bob');
    await ok(['task', 'run', validation], 'bob');
    await ok(['task', 'submit', validation, 'green'], 'bob');
    await ok(['task', 'review', validation, 'approve'], 'alice');
    const done = await json<Status>(['pipeline', 'status', p.pipeline_id], 'alice');
    expect(done.pipeline).toMatchObject({ state: 'done', counts: expect.objectContaining({ done: 3, todo: 0 }) });

    const listed = await ok(['pipeline', 'ls', '--mine'], 'alice');
    expect(listed).toMatch(/^PIPELINE\s+NAME\s+STATE\s+REVIEW\s+TASKS\n/);
    expect(listed).toMatch(new RegExp(`\\n${p.pipeline_id}\\s+Multi-agent code fix flow\\s+done\\s+owner\\s+done 3\\n`));
    const all = await json<{ pipelines: Pipeline[] }>(['pipeline', 'list'], 'bob');
    expect(all.pipelines.map((x) => x.pipeline_id)).toContain(p.pipeline_id);
    // who did what, as the hub recorded it
    expect(await json<Task>(['task', 'info', implementation], 'bob')).toMatchObject({ owner_id: alice, runner_id: carol, status: 'done', output: 'fixed, with a test' });
    expect((await json<Task>(['task', 'info', validation], 'alice')).runner_id).toBe(bob);
  });

  it('auto review, --stage and --task, --after-last, update and delete (--yes)', async () => {
    const p = await json<Pipeline>(['pipe', 'new', 'Docs flow', '--auto-review'], 'alice');
    expect(p.auto_review).toBe(true);
    const existing = await newTask('alice', 'Outline', '--capability', 'code.fix');
    const first = await json<{ added: string[] }>(['pipe', 'add', p.pipeline_id, '--task', existing.task_id, '--stage', 'Draft'], 'alice');
    expect(first.added).toHaveLength(2);
    expect(first.added).toContain(existing.task_id);
    const draft = first.added.find((x) => x !== existing.task_id)!;
    const second = await json<{ added: string[] }>(['pipe', 'add', p.pipeline_id, 'Publish', '--after-last'], 'alice');
    const publish = second.added[0]!;
    expect((await json<Task>(['task', 'info', publish], 'alice')).depends_on).toEqual([draft]);

    // with auto review a submission is approved at once and the next stage is ready
    await ok(['pipe', 'run', p.pipeline_id], 'alice');
    await ok(['task', 'take', draft], 'bob');
    await ok(['task', 'run', draft], 'bob');
    expect(await ok(['task', 'submit', draft, 'a', 'draft'], 'bob')).toBe(`submitted ${draft}: done (approved by the pipeline)\n`);
    expect((await json<Status>(['pipe', 'status', p.pipeline_id], 'alice')).ready).toEqual(expect.arrayContaining([existing.task_id, publish]));

    const updated = await json<Pipeline>(['pipe', 'update', p.pipeline_id, '--name', 'Docs', '--no-auto-review', '--description', 'docs only'], 'alice');
    expect(updated).toMatchObject({ name: 'Docs', auto_review: false, description: 'docs only' });
    expect((await json<Pipeline>(['pipe', 'update', p.pipeline_id, '--description', ''], 'alice')).description).toBeNull();
    expect(await fails(['pipe', 'update', p.pipeline_id, '--name', 'mine'], 'bob', 1)).toMatch(/^parley: forbidden: /);

    // delete: --yes or nothing happens; tasks move to the default pipeline
    expect(await fails(['pipe', 'delete', p.pipeline_id], 'alice', 2)).toMatch(/--yes/);
    expect(await ok(['pipe', 'remove', p.pipeline_id, '--yes'], 'alice')).toBe(`deleted ${p.pipeline_id} (3 tasks moved to your default pipeline)\n`);
    expect(await fails(['pipe', 'info', p.pipeline_id], 'alice', 1)).toMatch(/^parley: not_found: /);
    const moved = await json<Task>(['task', 'info', publish], 'alice');
    expect(moved.pipeline_id).not.toBe(p.pipeline_id);
    const defaults = await json<{ pipelines: Pipeline[] }>(['pipe', 'list', '--mine'], 'alice');
    expect(defaults.pipelines.find((x) => x.is_default)!.pipeline_id).toBe(moved.pipeline_id);
    expect(await fails(['pipe', 'delete', moved.pipeline_id, '--yes'], 'alice', 1)).toMatch(/^parley: (conflict|forbidden): .*default/);
  });
});

describe('parley delegate', () => {
  it('grant, list, publish and p2p as another agent (the messages carry "via"), revoke', async () => {
    const { alice, bob, carol } = ids;
    const topic = (await json<{ topic_id: string }>(['topics', 'create', 'alice news'], 'alice')).topic_id;
    expect(await ok(['delegate', 'grant', bob, '--publish', '--p2p'], 'alice')).toBe(`${bob} may now publish, p2p as you\n`);

    const given = await ok(['delegate', 'list'], 'alice');
    expect(given).toMatch(new RegExp(`^given \\(they may act as you\\):\\nMANAGER\\s+MAY\\s+SINCE\\n-+.*\\n${bob}\\s+publish, p2p\\s+\\S+\\n\\nheld \\(you may act as them\\):\\n {2}none\\n$`));
    const held = await json<{ given: unknown[]; held: Array<{ agent_id: string; manager_id: string; can_publish: boolean; can_p2p: boolean }> }>(['delegate', 'ls'], 'bob');
    expect(held).toEqual({ given: [], held: [expect.objectContaining({ agent_id: alice, manager_id: bob, can_publish: true, can_p2p: true })] });

    const posted = await json<{ message_id: string; via: string }>(['delegate', 'publish', alice, topic, 'shipped', 'on', 'time', '--semantic', 'status'], 'bob');
    expect(posted.via).toBe(bob);
    const history = await json<{ messages: Array<{ message_id: string; from: string; via?: string | null; content: string; semantic_type: string | null }> }>(
      ['topics', 'history', topic],
      'alice',
    );
    expect(history.messages.at(-1)).toMatchObject({ message_id: posted.message_id, from: alice, via: bob, content: 'shipped on time', semantic_type: 'status' });

    expect(await ok(['delegate', 'dm', alice, carol, 'lunch', 'at', 'noon?'], 'bob')).toMatch(new RegExp(`^sent msg_\\S+ to ${carol} as ${alice}\\n$`));
    const dm = await json<{ messages: Array<{ from: string; via?: string | null; content: string }> }>(['history', alice], 'carol');
    expect(dm.messages.at(-1)).toMatchObject({ from: alice, via: bob, content: 'lunch at noon?' });

    // only what was granted, only while it is
    await ok(['delegate', 'grant', bob, '--p2p'], 'alice');
    expect(await fails(['delegate', 'publish', alice, topic, 'nope'], 'bob', 1)).toMatch(/^parley: forbidden: /);
    expect(await ok(['delegate', 'revoke', bob], 'alice')).toBe(`revoked the grant to ${bob}\n`);
    expect(await ok(['delegate', 'revoke', bob], 'alice')).toBe(`${bob} held no grant from you\n`);
    expect(await fails(['delegate', 'p2p', alice, carol, 'nope'], 'bob', 1)).toMatch(/^parley: forbidden: /);
    expect(await fails(['delegate', 'publish', carol, topic, 'never granted'], 'bob', 1)).toMatch(/^parley: forbidden: /);
  });

  it('request waits for the worker\'s delegate/respond: an output, an error, nobody offering it', async () => {
    const { alice, carol } = ids;
    // carol's daemon prints each delegate.request push; carol answers with `parley delegate respond`
    const worker = new LiveProcess(['daemon'], { PARLEY_HOME: homes.carol, PARLEY_URL: url });
    try {
      await worker.waitFor(isJsonLine((v) => v.type === 'state' && v.state === 'connected'), 15_000, 'the daemon to connect');
      const pushes = (): Array<{ request_id: string; input: unknown; requester_id: string }> =>
        worker
          .json()
          .filter((v) => v.type === 'push' && v.event === 'delegate.request')
          .map((v) => v.data as { request_id: string; input: unknown; requester_id: string });
      const nextRequest = async (n: number) => {
        await worker.waitFor(() => pushes().length >= n, 15_000, `delegate.request #${n}`);
        return pushes()[n - 1]!;
      };

      // 1: answered with an output; the requester prints it (--json: the delegation)
      const asking = run(['delegate', 'request', 'math.add', '{"a":1,"b":2}', '--timeout', '10000', '--json'], 'alice');
      const first = await nextRequest(1);
      expect(first).toMatchObject({ input: { a: 1, b: 2 }, requester_id: alice });
      expect(await ok(['delegate', 'respond', first.request_id, '--output', '{"sum":3}'], 'carol')).toBe(`answered ${first.request_id}: done\n`);
      const answered = await asking;
      expect(answered.code, answered.stderr).toBe(0);
      expect(JSON.parse(answered.stdout)).toMatchObject({ request_id: first.request_id, state: 'done', output: { sum: 3 }, worker_id: carol, error: null });
      const shown = await ok(['delegate', 'get', first.request_id], 'alice');
      expect(shown).toContain('state:       done\n');
      expect(shown).toContain('output:      {"sum":3}\n');
      expect(await ok(['delegate', 'status', first.request_id], 'carol')).toContain(`worker:      ${carol} (attempt 1)\n`);

      // 2: declined with an error: printed, and exit 1 with the reason on stderr; input from stdin
      const declined = runCli(['delegate', 'request', 'math.add', '-'], { PARLEY_HOME: homes.alice, PARLEY_URL: url }, '"two plus two"');
      const second = await nextRequest(2);
      expect(second.input).toBe('two plus two');
      await ok(['delegate', 'respond', second.request_id, '--error', 'I add numbers, not words'], 'carol');
      const failed = await declined;
      expect(failed.code).toBe(1);
      expect(failed.stdout).toContain('state:       failed\n');
      expect(failed.stderr).toBe('parley: the delegated request failed: I add numbers, not words\n');
      // answered once: a second answer is refused
      expect(await fails(['delegate', 'respond', second.request_id, '--output', '4'], 'carol', 1)).toMatch(/^parley: conflict: /);

      // 3: never answered: the hub fails it at the deadline (--timeout), and the requester says so
      const unanswered = await run(['delegate', 'request', 'math.add', '{"a":1}', '--timeout', '500'], 'alice');
      await nextRequest(3);
      expect(unanswered.code).toBe(1);
      expect(unanswered.stdout).toContain('state:       failed\n');
      expect(unanswered.stderr).toMatch(/^parley: the delegated request failed: timed out after 500 ms/);
    } finally {
      await worker.stop();
    }
    // nobody online offers it
    expect(await fails(['delegate', 'request', 'math.add', '{}'], 'alice', 1)).toMatch(/^parley: unavailable: no online agent offers math.add/);
  });

  it('usage errors exit 2', async () => {
    const { bob } = ids;
    for (const [args, message] of [
      [['delegate', 'grant', bob], /grant at least one of --publish and --p2p/],
      [['delegate', 'grant', 'bob', '--p2p'], /"bob" is not an agent id/],
      [['delegate', 'request', 'math.add', '{a:1}'], /the input is not valid JSON/],
      [['delegate', 'request', 'Math Add', '{}'], /is not a capability/],
      [['delegate', 'request', 'math.add', '{}', '--timeout', '700000'], /--timeout must be from 100 to 600000 ms/],
      [['delegate', 'respond', 'dlg_abc'], /give exactly one of --output and --error/],
      [['delegate', 'respond', 'dlg_abc', '--output', '1', '--error', 'x'], /give exactly one of --output and --error/],
      [['delegate', 'respond', 'dlg_abc', '--output', 'not json'], /--output is not valid JSON/],
      [['delegate', 'respond', 'req-1', '--output', '1'], /is not a delegated request id/],
      [['delegate', 'publish', bob, 'top-1', 'hi'], /is not a topic id/],
      [['delegate', 'p2p', bob, bob, 'hi', '--type', 'video'], /--type must be one of/],
    ] as Array<[string[], RegExp]>) {
      expect(await fails(args, 'alice', 2), args.join(' ')).toMatch(message);
    }
  });
});

describe('usage errors', () => {
  it('exit 2 with one line, before anything is sent', async () => {
    const t = await newTask('alice', 'Usage target');
    const cases: Array<[string[], RegExp]> = [
      [['task', 'info', 'task-1'], /"task-1" is not a task id/],
      [['task', 'list', '--status', 'finished'], /--status must be one of todo, doing, review, done, blocked, cancelled/],
      [['task', 'list', '--owner', 'bob'], /"bob" is not an agent id/],
      [['task', 'list', '--limit', '0'], /--limit must be an integer from 1 to 200/],
      [['task', 'create', 'x', '--priority', 'urgent'], /--priority must be one of P0, P1, P2, P3/],
      [['task', 'create', 'x', '--reward', '5'], /--reward must be AMOUNT SYMBOL or AMOUNT:SYMBOL \(e\.g\. 5 PLY\): no asset symbol/],
      [['task', 'create', 'x', '--reward', '-1:USDC'], /--reward must be .*positive integer/],
      [['task', 'create', 'x', '--reward', '2.5:EUR'], /--reward must be .*smallest units \(2\.5 of an asset with 2 decimals is 250\)/],
      [['task', 'create', 'x', '--reward', '5', 'U$D'], /--reward must be .*symbol is 2 to 12/],
      [['task', 'create', 'x', 'desc', '--reward', '5', 'USDC', 'more'], /--reward takes two values/],
      [['task', 'create', 'x', '--deadline', 'next week'], /--deadline must be a date/],
      [['task', 'create', 'x', '--capability', 'Code Review'], /is not a capability/],
      [['task', 'update', t.task_id], /nothing to change/],
      [['task', 'progress', t.task_id, '150'], /percent must be an integer from 0 to 100/],
      [['task', 'submit', t.task_id, 'done', '--artifact', 'ftp://x'], /--artifact must be an http\(s\) URL/],
      [['task', 'review', t.task_id, 'maybe'], /decision must be one of approve, reject, block/],
      [['task', 'review', t.task_id, 'reject'], /say why/],
      [['task', 'deps', 'add', t.task_id, 'nope'], /"nope" is not a task id/],
      [['task', 'graph', t.task_id], /is not a pipeline id/],
      [['pipeline', 'add', t.pipeline_id], /nothing to add/],
      [['pipeline', 'add', t.pipeline_id, '--task', t.task_id, '--capability', 'code.fix'], /apply to new stages/],
      [['pipeline', 'update', t.pipeline_id], /nothing to change/],
      [['pipe', 'delete', t.pipeline_id], /--yes/],
    ];
    for (const [args, message] of cases) expect(await fails(args, 'alice', 2), args.join(' ')).toMatch(message);
    // commander's own usage errors: exit 2 too, with its hint to --help on a second line
    for (const [args, message] of [
      [['task', 'nosuch'], /unknown command 'nosuch'/],
      [['task', 'take'], /missing required argument 'task_id'/],
      [['pipe', 'run'], /missing required argument 'pipeline_id'/],
    ] as Array<[string[], RegExp]>) {
      const r = await run(args, 'alice');
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    // nothing reached the hub: the task is as it was
    expect(await json<Task>(['task', 'info', t.task_id], 'alice')).toMatchObject({ status: 'todo', progress: 0, title: 'Usage target' });
  });

  it('hub refusals exit 1 with the code first', async () => {
    const t = await newTask('alice', 'Refusals', '--capability', 'needs.this');
    expect(await fails(['task', 'take', t.task_id], 'bob', 1)).toMatch(/^parley: forbidden: this task needs the capability "needs.this"/);
    expect(await fails(['task', 'run', t.task_id], 'bob', 1)).toMatch(/^parley: forbidden: /);
    expect(await fails(['task', 'review', t.task_id, 'approve'], 'alice', 1)).toMatch(/^parley: conflict: /);
    expect(await fails(['task', 'info', 'tsk_doesnotexist'], 'alice', 1)).toBe('parley: not_found: task not found\n');
  });
});
