import { ParleyClient } from '@parley/client';
import { loadIdentity } from '@parley/client/node';
import { events, type EventDataOf, type PushFrame } from '@parley/protocol';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describePush, isOwnPush, PUSH_KINDS } from '../src/pushes.js';
import { agentCli } from './agents.js';
import { startTestHub, tempDir, type LiveProcess } from './helpers.js';

/**
 * `parley poll` as people read it: one line per push, for every event the
 * protocol defines, and nothing the caller's own actions caused.
 */

let hub: LiveProcess;
let url: string;
const homes = { alice: tempDir('push-alice'), bob: tempDir('push-bob'), carol: tempDir('push-carol') };
type Who = keyof typeof homes;
const ids: Record<Who, string> = { alice: '', bob: '', carol: '' };
const { run, ok, json } = agentCli(homes, () => url);

beforeAll(async () => {
  ({ hub, url } = await startTestHub());
  await Promise.all(
    (Object.keys(homes) as Who[]).map(async (who) => {
      ids[who] = (await json<{ agent_id: string }>(['register', '--name', who], who)).agent_id;
    }),
  );
  await ok(['call', 'agent/update', '{"capabilities":["math.add"]}'], 'carol');
});

afterAll(async () => {
  expect(await hub.stop('SIGTERM')).toBe(0);
});

/** A poll's lines; every one readable: no raw JSON objects of the hub's, and not a wall of text. */
async function poll(who: Who): Promise<string[]> {
  const lines = (await ok(['poll'], who)).trim().split('\n');
  for (const line of lines) {
    expect(line.length, `a poll line of ${who} is too long: ${line}`).toBeLessThan(400);
    expect(line, 'no raw push data').not.toMatch(/"(task|stream|data|request_id|task_id)":/);
  }
  return lines;
}

describe('every event has a formatter', () => {
  it('walks the protocol\'s events: each has one entry in PUSH_KINDS, and nothing else does', () => {
    expect(Object.keys(PUSH_KINDS).sort()).toEqual(Object.keys(events).sort());
    for (const [name, kind] of Object.entries(PUSH_KINDS)) expect(typeof kind.text, name).toBe('function');
  });

  it('an event this parley does not know gets a short line that says where to see it, never its data', () => {
    const push: PushFrame = { type: 'push', stream: 'agent:agt_x', seq: 7, event: 'ledger.entry', data: { big: 'x'.repeat(2000) }, ts: '2026-01-01T00:00:00.000Z' };
    expect(describePush(push, 'agt_x')).toBe(
      '2026-01-01T00:00:00.000Z  ledger.entry on agent:agt_x #7 (an event this version of parley does not know; "parley poll --json" shows its data)',
    );
    expect(isOwnPush(push, 'agt_x')).toBe(false);
  });
});

describe('parley poll', () => {
  it('tasks: one line per change with what to do next; your own changes are not echoed back', async () => {
    const { alice, bob } = ids;
    const t = (await json<{ task_id: string }>(['task', 'create', 'Fix login', '--runner', bob], 'alice')).task_id;
    expect(await poll('bob')).toEqual([
      expect.stringMatching(new RegExp(`^\\S+  task ${t} "Fix login" created by ${alice}, todo; "parley task run ${t}"$`)),
      // the default pipeline runs: a task with nothing to wait for is ready at once
      expect.stringMatching(new RegExp(`^\\S+  task ${t} "Fix login" is ready in pip_\\w+; yours: "parley task run ${t}"$`)),
    ]);
    // alice made it: her poll does not show it back, and says so; --json keeps it
    expect(await poll('alice')).toEqual(['nothing new', '(1 push from your own actions not shown; --json has them)']);

    await ok(['task', 'run', t], 'bob');
    await ok(['task', 'progress', t, '40', 'half', 'way'], 'bob');
    await ok(['task', 'submit', t, 'fixed the cookie path'], 'bob');
    expect(await poll('alice')).toEqual([
      expect.stringMatching(new RegExp(`^\\S+  task ${t} "Fix login" started by ${bob}, todo -> doing$`)),
      expect.stringMatching(new RegExp(`^\\S+  task ${t} "Fix login" progress by ${bob}: 40%: half way$`)),
      expect.stringMatching(new RegExp(`^\\S+  task ${t} "Fix login" submitted by ${bob}, doing -> review: fixed the cookie path; "parley task review ${t} approve\\|reject\\|block"$`)),
    ]);
    await ok(['task', 'review', t, 'reject', 'add', 'a', 'test'], 'alice');
    // bob's own start, progress and submit are not echoed; alice's review is
    expect(await poll('bob')).toEqual([
      expect.stringMatching(new RegExp(`^\\S+  task ${t} "Fix login" rejected by ${alice}, review -> todo: add a test; "parley task run ${t}"$`)),
      expect.stringMatching(new RegExp(`^\\S+  task ${t} "Fix login" is ready in pip_\\w+; yours: "parley task run ${t}"$`)),
      '(3 pushes from your own actions not shown; --json has them)',
    ]);
    const raw = await json<{ pushes: Array<PushFrame & { data: EventDataOf<'task.updated'> }> }>(['poll'], 'alice');
    expect(raw.pushes.map((p) => [p.event, p.data.change, p.data.actor])).toEqual([['task.updated', 'rejected', alice]]);
  });

  it('task.ready: a ready task nobody runs, with the command that takes it', async () => {
    const p = (await json<{ pipeline_id: string }>(['pipe', 'create', 'Release'], 'alice')).pipeline_id;
    const added = await json<{ added: string[] }>(['pipe', 'add', p, 'Analysis', 'Build'], 'alice');
    await ok(['pipe', 'run', p], 'alice');
    const [analysis] = added.added;
    const lines = await poll('alice');
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^\\S+  task ${analysis} "Analysis" is ready in ${p}; nobody runs it: "parley task take ${analysis}"$`)));
    // what alice did herself is not echoed
    expect(lines.join('\n')).not.toContain(`by ${ids.alice}`);
  });

  it('delegation: the worker reads the request with the command that answers it; the requester reads the result', async () => {
    const { alice, carol } = ids;
    // carol is online (delegated requests go to online agents) without reading her pushes: poll does
    const worker = new ParleyClient({ url, identity: await loadIdentity(join(homes.carol, 'identity.json')), autoAck: false, reconnect: { enabled: false } });
    const delivered = new Promise<string>((resolve) => worker.on('delegate.request', (r) => resolve(r.request_id)));
    await worker.connect();
    try {
      const asking = run(['delegate', 'request', 'math.add', '{"a":1,"b":2}', '--timeout', '20000'], 'alice');
      const id = await delivered;
      expect(await poll('carol')).toEqual([
        expect.stringMatching(
          new RegExp(
            `^\\S+  delegated request ${id} from ${alice}: math\\.add \\{"a":1,"b":2\\}; answer before \\S+ with "parley delegate respond ${id} --output <json>" \\(or --error <text>\\)$`,
          ),
        ),
      ]);
      await ok(['delegate', 'respond', id, '--output', '{"sum":3}'], 'carol');
      expect((await asking).code).toBe(0);
      expect(await poll('alice')).toEqual([expect.stringMatching(new RegExp(`^\\S+  delegated request ${id} \\(math\\.add\\) done by ${carol}: \\{"sum":3\\}$`))]);
    } finally {
      await worker.close();
    }
  });

  it("topic messages: the others' are shown, your own are not", async () => {
    const { bob } = ids;
    const t = (await json<{ topic_id: string }>(['topics', 'create', 'standup'], 'alice')).topic_id;
    await ok(['topics', 'join', t], 'bob');
    await ok(['post', t, 'morning'], 'alice');
    await ok(['post', t, 'hi', 'alice'], 'bob');
    expect(await poll('alice')).toEqual([
      expect.stringMatching(new RegExp(`^\\S+  topic ${t} #2 ${bob}: hi alice$`)),
    ]);
  });
});
