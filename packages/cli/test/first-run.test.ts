import { loadOrCreateIdentity } from '@parley/client/node';
import {
  actions,
  BroadcastEvent,
  ChatRequestStatus,
  CommitteeStatus,
  IssuanceStatus,
  ProposalStatus,
  VoteChoice,
  ContactPolicy,
  ContentType,
  EndMode,
  ExportFormat,
  FeedbackCategory,
  JoinMethod,
  ModerationAction,
  Rating,
  ReplyPolicy,
  ReviewDecision,
  TaskPriority,
  TaskStatus,
  TimeoutBehavior,
  TopicType,
  TopicVisibility,
  WorldJoinPolicy,
  WorldVisibility,
} from '@parley/protocol';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentCli } from './agents.js';
import { runCli, startTestHub, tempDir, type LiveProcess } from './helpers.js';

/**
 * What a new user runs into first: registering twice, advertising what they
 * can do, the WTT command names at the top level, and the README's examples.
 */

let hub: LiveProcess;
let url: string;
const homes = { alice: tempDir('first-alice'), bob: tempDir('first-bob'), carol: tempDir('first-carol') };
type Who = keyof typeof homes;
const ids: Record<Who, string> = { alice: '', bob: '', carol: '' };
const { ok, json, fails } = agentCli(homes, () => url);

interface Profile {
  agent_id: string;
  name: string | null;
  description: string | null;
  capabilities: string[];
  contact_policy: string;
  world_requests_only: boolean;
}

beforeAll(async () => {
  ({ hub, url } = await startTestHub());
  await Promise.all(
    (['alice', 'bob'] as const).map(async (who) => {
      ids[who] = (await json<{ agent_id: string }>(['register', '--name', who], who)).agent_id;
    }),
  );
});

afterAll(async () => {
  expect(await hub.stop('SIGTERM')).toBe(0);
});

describe('parley register over an existing identity', () => {
  it('refuses a new name unless --force, saying what is there and how to go on; the same name or none registers again', async () => {
    const { alice } = ids;
    const path = join(homes.alice, 'identity.json');
    expect(await fails(['register', '--name', 'bob'], 'alice', 2)).toBe(
      `parley: ${path} already holds ${alice}, registered as "alice": --name "bob" would rename it. ` +
        'For another agent, use another --home (or PARLEY_HOME); to rename this one, add --force\n',
    );
    expect((await json<Profile>(['whoami'], 'alice')).name).toBe('alice');
    // the same name, or no name: the same agent again, its name kept
    expect(await ok(['register', '--name', 'alice'], 'alice')).toBe(`registered ${alice} (alice)\nidentity: ${path}\n`);
    expect((await json<{ agent_id: string }>(['register'], 'alice')).agent_id).toBe(alice);
    expect((await json<Profile>(['whoami'], 'alice')).name).toBe('alice');
    // --force renames
    await ok(['register', '--name', 'alice2', '--force'], 'alice');
    expect((await json<Profile>(['whoami'], 'alice')).name).toBe('alice2');
    await ok(['register', '--name', 'alice', '--force'], 'alice');
  });

  it('naming an agent that has no name yet is not a rename', async () => {
    const carol = (await json<{ agent_id: string }>(['register'], 'carol')).agent_id;
    expect((await json<Profile>(['whoami'], 'carol')).name).toBeNull();
    await ok(['register', '--name', 'carol'], 'carol');
    expect(await json<Profile>(['whoami'], 'carol')).toMatchObject({ agent_id: carol, name: 'carol' });
    ids.carol = carol;
  });
});

describe('parley profile', () => {
  it('advertises capabilities (which lets you take tasks that ask for them), and changes name, description and contact policy', async () => {
    const { bob } = ids;
    expect(await ok(['profile'], 'bob')).toContain(`agent_id:       ${bob}\nname:           bob\n`);

    // a task that asks for a capability is bob's to take once he advertises it
    const t = (await json<{ task_id: string }>(['task', 'create', 'Summarize the notes', '--capability', 'summarize'], 'alice')).task_id;
    expect(await fails(['task', 'take', t], 'bob', 1)).toMatch(/^parley: forbidden: .*summarize/);
    const updated = await ok(['profile', '--capability', 'summarize', 'translate'], 'bob');
    expect(updated).toMatch(new RegExp(`^updated ${bob}\\n`));
    expect(updated).toContain('capabilities:   summarize, translate\n');
    expect(await ok(['task', 'take', t], 'bob')).toBe(`you run ${t} now; "parley task run ${t}" starts it\n`);

    // the flag repeated is the same list; --no-capabilities clears it
    await ok(['profile', '-c', 'code.review', '-c', 'summarize'], 'bob');
    expect((await json<Profile>(['whoami'], 'bob')).capabilities).toEqual(['code.review', 'summarize']);
    await ok(['profile', '--no-capabilities'], 'bob');
    expect((await json<Profile>(['whoami'], 'bob')).capabilities).toEqual([]);

    const p = await json<Profile>(
      ['profile', '--name', 'Bob the reviewer', '--description', 'reviews TypeScript', '--contact-policy', 'approval_required', '--world-requests-only', 'on'],
      'bob',
    );
    expect(p).toMatchObject({ name: 'Bob the reviewer', description: 'reviews TypeScript', contact_policy: 'approval_required', world_requests_only: true });
    expect(await ok(['profile'], 'bob')).toContain('contact policy: approval_required (world members only)\n');
    expect((await json<Profile>(['profile', '--description', '', '--world-requests-only', 'off'], 'bob'))).toMatchObject({ description: null, world_requests_only: false });
  });

  it('bad values are usage errors, before anything is sent', async () => {
    expect(await fails(['profile', '--contact-policy', 'maybe'], 'bob', 2)).toBe(
      'parley: --contact-policy must be one of open, approval_required, closed, got "maybe"\n',
    );
    expect(await fails(['profile', '--capability', 'Not Valid'], 'bob', 2)).toMatch(/^parley: --capability "Not Valid": /);
    expect(await fails(['profile', '--world-requests-only', 'yes'], 'bob', 2)).toBe('parley: --world-requests-only must be one of on, off, got "yes"\n');
    expect(await fails(['profile', '--name', ''], 'bob', 2)).toBe('parley: --name must not be empty\n');
  });
});

describe('WTT command names at the top level', () => {
  it('list, find, join, leave: the topic commands, the same output as under "parley topics"', async () => {
    const { alice } = ids;
    const t = (await json<{ topic_id: string }>(['topics', 'create', 'okapi watch', '--description', 'striped legs'], 'alice')).topic_id;
    await ok(['post', t, 'an okapi at the river'], 'alice');
    for (const [short, long] of [
      [['list'], ['topics', 'list']],
      [['ls', '--query', 'okapi'], ['topics', 'ls', '--query', 'okapi']],
      [['find', 'okapi', 'river'], ['topics', 'find', 'okapi', 'river']],
      [['search', 'okapi'], ['topics', 'search', 'okapi']],
    ]) {
      expect(await ok(short!, 'bob'), short!.join(' ')).toBe(await ok(long!, 'bob'));
    }
    expect(await ok(['find', 'okapi'], 'bob')).toContain(`${t}  okapi watch`);
    expect(await ok(['join', t], 'bob')).toBe(`joined ${t} as member\n`);
    expect(await ok(['leave', t], 'bob')).toBe(`left ${t}\n`);
    expect(await ok(['subscribe', t], 'bob')).toBe(`joined ${t} as member\n`);
    expect(await ok(['unsubscribe', t], 'bob')).toBe(`left ${t}\n`);
    // history takes a topic as well as an agent
    expect(await ok(['history', t], 'alice')).toBe(await ok(['topics', 'history', t], 'alice'));
    expect(await ok(['history', t], 'alice')).toMatch(new RegExp(`^#1  \\S+  ${alice}: an okapi at the river\\n$`));
    expect(await ok(['history', t, '--after', '1'], 'alice')).toBe('no messages\n');
    const top = (await runCli(['--help'], {})).stdout;
    for (const name of ['list|ls', 'find|search', 'join|subscribe', 'leave|unsubscribe', 'history', 'profile']) expect(top).toContain(`  ${name} `);
  });

  it('history <agent_id> is still the direct messages; anything else is a usage error', async () => {
    const { alice, bob } = ids;
    await ok(['dm', bob, 'hello', 'bob'], 'alice');
    expect(await ok(['history', alice], 'bob')).toMatch(/^\S+ {2}<- hello bob\n$/);
    expect(await fails(['history', 'bob'], 'alice', 2)).toBe('parley: "bob" is neither an agent id (agt_...) nor a topic id (top_...)\n');
    expect(await fails(['history', bob, '--after', '3'], 'alice', 2)).toBe('parley: --after pages a topic; direct messages page back with --before <message_id>\n');
    expect(await fails(['history', bob, '--before', '12'], 'alice', 2)).toBe('parley: "12" is not a message id (msg_...)\n');
    expect(await fails(['history', 'top_abc', '--before', 'msg_x'], 'alice', 2)).toBe('parley: --before must be a seq number (an integer from 1), got "msg_x"\n');
  });
});

describe('the README', () => {
  /** The `parley ...` lines of the first ```sh block after `heading` in a README, without their comments. */
  function examples(file: string, heading: string): string[] {
    const text = readFileSync(new URL(file, import.meta.url), 'utf8');
    const block = /```sh\n([\s\S]*?)```/.exec(text.slice(text.indexOf(heading)))![1]!;
    return block
      .split('\n')
      .filter((l) => l.startsWith('parley '))
      .map((l) => l.replace(/\s+#.*$/, ''));
  }

  /** Shell words, with '...' and "..." quoting: enough for the README's lines. */
  function words(line: string): string[] {
    return [...line.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
  }

  /** The README's placeholder ids (agt_..., tsk_...) as ids of the right shape; ~ as the shell expands it, in a temp dir. */
  const shellHome = tempDir('readme-home');
  // The folder an example's relative paths (`./web-search`) stand for, holding what the README says is there.
  const project = tempDir('readme-project');
  for (const dir of ['web-search', 'skills/web-search']) {
    mkdirSync(join(project, dir), { recursive: true });
    writeFileSync(join(project, dir, 'SKILL.md'), '---\nname: web-search\ndescription: searches the web\n---\n# Web search\n');
  }
  const real = (w: string): string =>
    w === 'agt_...'
      ? `agt_${'a'.repeat(32)}`
      : w.startsWith('~/')
        ? join(shellHome, w.slice(2))
        : w.startsWith('./')
          ? join(project, w.slice(2))
          : w.replace(/^([a-z]{3}_)\.\.\.$/, '$1example');

  it("the CLI README's table of values is the protocol's enums, row by row", () => {
    const text = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const section = text.slice(text.indexOf('## Values'), text.indexOf('## Exit codes'));
    const rows = section
      .split('\n')
      .filter((l) => l.startsWith('| `'))
      .map((l) => l.split(/(?<!\\)\|/).map((c) => c.trim()));
    const table = new Map(rows.map(([, label, values]) => [label!, [...values!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!)]));
    const expected: Record<string, { options: readonly string[] } | readonly string[]> = {
      '`task create\\|update --priority`': TaskPriority,
      '`task list --status`': TaskStatus,
      '`task review` decision': ReviewDecision,
      '`topics create\\|update --type`': TopicType,
      '`topics create\\|update --visibility`': TopicVisibility,
      '`topics create\\|update --join`': JoinMethod,
      '`topics role`': actions['topic/role/set'].params.shape.role,
      '`p2p`, `publish`, `delegate publish\\|p2p --type`': ContentType,
      '`topics export` format': ExportFormat,
      '`notifications on\\|off --event`': BroadcastEvent,
      '`proposal list --status`': ProposalStatus,
      '`committee applications\\|candidates --status`': [...CommitteeStatus.options, 'ANY'],
      '`deliberation vote` choice': VoteChoice,
      '`asset issuances --status`': IssuanceStatus,
      '`proposal vote`, `committee vote`, `--support`': ['yes', 'no', 'true', 'false', 'for', 'against'],
      '`worlds create\\|update --visibility`': WorldVisibility,
      '`worlds create\\|update --join-policy`': WorldJoinPolicy,
      '`worlds list --sort`': actions['world/list'].params.shape.sort.unwrap(),
      '`worlds broadcast --reply-policy`': ReplyPolicy,
      '`worlds --timeout-behavior`, `chat request --on-timeout`': TimeoutBehavior,
      '`worlds --end-mode`, `chat request --end-mode`': EndMode,
      '`worlds moderate` action': ModerationAction,
      '`chat list --status`': ChatRequestStatus,
      '`chat rate`': Rating,
      '`feedback` category': FeedbackCategory,
      '`profile --contact-policy`': ContactPolicy,
      '`profile --world-requests-only`': ['on', 'off'],
    };
    expect([...table.keys()]).toEqual(Object.keys(expected));
    for (const [label, values] of Object.entries(expected)) {
      expect(table.get(label), label).toEqual('options' in values ? [...values.options] : values);
    }
  });

  it('every example of the CLI parses as written: nothing is a usage error', async () => {
    const lines = [...examples('../../../README.md', '## The `parley` CLI'), ...examples('../README.md', '## Examples')];
    expect(lines.length).toBeGreaterThan(30);
    // an identity, and a hub that is not there: a command that gets as far as connecting has passed every check
    const home = tempDir('readme');
    await loadOrCreateIdentity(join(home, 'identity.json'));
    for (const line of lines) {
      const args = words(line).slice(1).map(real);
      // serve, daemon and demo would start something and keep running; migrate would change the database it names.
      if (['serve', 'daemon', 'demo', 'migrate'].includes(args[0]!)) continue;
      const r = await runCli([...args, '--timeout', '200'], { PARLEY_HOME: home, PARLEY_URL: 'http://127.0.0.1:9' });
      expect(r.code, `README: ${line}\n${r.stderr}`).not.toBe(2);
    }
  });
});
