import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startTestHub, tempDir, withoutHelpHint, type LiveProcess, type RunResult } from './helpers.js';

/**
 * The messaging commands of the WTT list, run as a user would: the built
 * `parley` binary against a real hub, with real agents. Every wait is on a
 * process finishing; nothing here depends on timing.
 */

let hub: LiveProcess;
let url: string;
const homes = { alice: tempDir('alice'), bob: tempDir('bob'), carol: tempDir('carol'), dave: tempDir('dave') };
type Who = keyof typeof homes;
const ids: Record<Who, string> = { alice: '', bob: '', carol: '', dave: '' };

const run = (args: string[], who: Who): Promise<RunResult> => runCli(args, { PARLEY_HOME: homes[who], PARLEY_URL: url });

/** Runs a command that must succeed; its stdout. */
async function ok(args: string[], who: Who): Promise<string> {
  const r = await run(args, who);
  expect(r.code, `parley ${args.join(' ')} (as ${who}): ${r.stderr}`).toBe(0);
  return r.stdout;
}

/** Runs a command with --json; its parsed result. */
async function json<T>(args: string[], who: Who): Promise<T> {
  return JSON.parse(await ok([...args, '--json'], who)) as T;
}

/** Runs a command that must fail with `code`; its stderr (for a usage error, without the help hint it ends with). */
async function fails(args: string[], who: Who, code: number): Promise<string> {
  const r = await run(args, who);
  expect(r.code, `parley ${args.join(' ')} (as ${who}) should exit ${code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`).toBe(code);
  expect(r.stderr.trim().split('\n'), 'errors are one line').toHaveLength(1);
  return code === 2 ? withoutHelpHint(r.stderr) : r.stderr;
}

async function newTopic(who: Who, name: string, ...flags: string[]): Promise<string> {
  return (await json<{ topic_id: string }>(['topics', 'create', name, ...flags], who)).topic_id;
}

beforeAll(async () => {
  ({ hub, url } = await startTestHub());
  for (const who of Object.keys(homes) as Who[]) {
    ids[who] = (await json<{ agent_id: string }>(['register', '--name', who], who)).agent_id;
  }
});

afterAll(async () => {
  expect(await hub.stop('SIGTERM')).toBe(0);
});

interface Message {
  seq: number;
  from: string;
  content: string;
  content_type: string;
  title: string | null;
  blocks: string[] | null;
  sent_at: string;
}

describe('parley messaging commands against a real hub', () => {
  it('publishes plain and rich messages, pages history forward, finds, updates, lists and exports topics', async () => {
    const { alice, bob } = ids;
    const t = await newTopic('alice', 'zephyr release', '--description', 'shipping the zephyr build');
    expect(await ok(['topics', 'join', t], 'bob')).toBe(`joined ${t} as member\n`);
    await ok(['post', t, 'zephyr', 'beta', 'is', 'tagged'], 'bob');

    // The rich form: a title with repeated --block, and `rich` with one block.
    const rich = await json<{ seq: number }>(['publish', t, '--title', 'Weekly report', '--block', '**Done:** the beta', '--block', '- next: docs'], 'alice');
    expect(rich.seq).toBe(2);
    expect(await ok(['rich', t, 'Release plan', 'ship', 'on', 'friday'], 'alice')).toMatch(/^published msg_\S+ \(seq 3\)\n$/);

    // --after pages forward.
    const after = await json<{ messages: Message[]; has_more: boolean }>(['topics', 'history', t, '--after', '1'], 'bob');
    expect(after.messages.map((m) => [m.seq, m.from, m.content_type, m.title, m.blocks, m.content])).toEqual([
      [2, alice, 'markdown', 'Weekly report', ['**Done:** the beta', '- next: docs'], '# Weekly report\n\n**Done:** the beta\n\n- next: docs'],
      [3, alice, 'markdown', 'Release plan', ['ship on friday'], '# Release plan\n\nship on friday'],
    ]);
    expect(after.has_more).toBe(false);
    const first = await ok(['topics', 'messages', t, '--after', '0', '--limit', '1'], 'bob');
    expect(first.trim().split('\n')).toEqual([expect.stringMatching(new RegExp(`^#1 {2}\\S+ {2}${bob}: zephyr beta is tagged$`)), '(newer messages exist: --after 1)']);

    // find|search: topic id, name, and the matching passages.
    const found = await ok(['topics', 'find', 'beta', 'tagged'], 'alice');
    expect(found.split('\n')[0]).toBe(`${t}  zephyr release  (discussion, public, 2 members, you: owner)`);
    expect(found).toMatch(new RegExp(`\\n {4}#1 {2}${bob}: .*\\[beta\\]`));
    const searched = await json<{ results: Array<{ topic: { topic_id: string }; matches: Array<{ seq: number }> }> }>(['topics', 'search', 'zephyr'], 'bob');
    expect(searched.results.map((r) => r.topic.topic_id)).toEqual([t]);
    expect(await ok(['topics', 'search', 'nowhereword'], 'bob')).toBe('no topics match "nowhereword"\n');

    // update: the owner changes it; "" clears the description; members hear of it.
    const updated = await json<{ name: string; description: string | null; join_method: string }>(
      ['topics', 'update', t, '--name', 'zephyr releases', '--description', '', '--join', 'invite_only'],
      'alice',
    );
    expect(updated).toMatchObject({ name: 'zephyr releases', description: null, join_method: 'invite_only' });
    expect(await ok(['poll'], 'bob')).toContain(`topic updated: "zephyr releases" (${t}) is now discussion, public, invite_only`);
    expect(await fails(['topics', 'update', t, '--name', 'mine now'], 'bob', 1)).toMatch(/^parley: forbidden: /);

    // subscribed|mysubs: unread counts and last activity (bob has read everything up to now).
    const last = await json<{ seq: number }>(['post', t, 'one more thing'], 'alice');
    const subs = await json<{ topics: Array<{ topic_id: string; unread: number; last_message_at: string | null }> }>(['topics', 'mysubs'], 'bob');
    const mine = subs.topics.find((x) => x.topic_id === t)!;
    expect(mine.unread).toBe(1);
    const lastMsg = (await json<{ messages: Message[] }>(['topics', 'history', t, '--after', String(last.seq - 1)], 'bob')).messages[0]!;
    expect(mine.last_message_at).toBe(lastMsg.sent_at);
    const subsTable = await ok(['topics', 'subscribed'], 'bob');
    expect(subsTable).toMatch(/^TOPIC\s+NAME\s+YOU\s+UNREAD\s+LAST MESSAGE\n/);
    expect(subsTable).toMatch(new RegExp(`\\n${t}\\s+zephyr releases\\s+member\\s+1\\s+${lastMsg.sent_at}\\n`));

    // members: a table with online flags (the caller itself is online while it asks).
    const members = await ok(['topics', 'members', t], 'alice');
    expect(members).toMatch(/^AGENT\s+NAME\s+ROLE\s+ONLINE\s+JOINED\n/);
    expect(members).toMatch(new RegExp(`\\n${alice}\\s+alice\\s+owner\\s+yes\\s+`));
    expect(members).toMatch(new RegExp(`\\n${bob}\\s+bob\\s+member\\s+(yes|no)\\s+`));

    // export: Markdown to stdout, JSON to a file, and into a directory under the hub's file name.
    const md = await ok(['topics', 'export', t], 'bob');
    expect(md).toMatch(/^# zephyr releases\n/);
    expect(md).toContain('# Weekly report\n\n**Done:** the beta\n\n- next: docs');
    const file = join(tempDir('export'), 'zephyr.json');
    expect(await ok(['topics', 'export', t, 'json', '-o', file], 'alice')).toBe(`wrote 4 messages of ${t} as json to ${file}\n`);
    const doc = JSON.parse(readFileSync(file, 'utf8')) as { topic: { topic_id: string; name: string }; messages: Message[] };
    expect(doc.topic).toMatchObject({ topic_id: t, name: 'zephyr releases' });
    // Seqs are positions in the topic stream, which also carries the topic.updated push.
    expect(doc.messages.map((m) => [m.seq, m.title])).toEqual([
      [1, null],
      [2, 'Weekly report'],
      [3, 'Release plan'],
      [last.seq, null],
    ]);
    const dir = tempDir('exports');
    const exported = await json<{ filename: string; path: string; bytes: number; format: string; message_count: number }>(['topics', 'export', t, 'markdown', '--output', dir], 'alice');
    expect(exported).toMatchObject({ filename: `zephyr-releases-${t}.md`, path: join(dir, `zephyr-releases-${t}.md`), format: 'markdown', message_count: 4 });
    const written = readFileSync(exported.path, 'utf8');
    expect(written).toMatch(/^# zephyr releases\n/);
    expect(Buffer.byteLength(written)).toBe(exported.bytes);

    expect(await fails(['topics', 'export', t, 'pdf'], 'alice', 2)).toBe('parley: format must be one of json, markdown, got "pdf"\n');
  });

  it('files a join request for an invite-only topic; the owner approves, rejects, invites and promotes', async () => {
    const { alice, bob, carol } = ids;
    const t = await newTopic('alice', 'vault', '--join', 'invite_only');

    expect(await ok(['topics', 'subscribe', t], 'bob')).toMatch(new RegExp(`^requested to join ${t}: it is invite-only, so your request waits`));
    // Asking again is harmless, and scripts see the status.
    expect(await json(['topics', 'join', t], 'bob')).toEqual({ topic_id: t, status: 'requested', role: null, seq: null });

    const requests = await ok(['topics', 'requests', t], 'alice');
    expect(requests).toMatch(/^AGENT\s+NAME\s+REQUESTED\n/);
    expect(requests).toMatch(new RegExp(`\\n${bob}  bob   \\d{4}-\\d\\d-\\d\\dT`));
    expect(await ok(['check'], 'alice')).toContain(
      `join request: ${bob} (bob) asks to join "vault" (${t}); "parley topics approve|reject ${t} ${bob}"`,
    );
    expect(await ok(['topics', 'approve', t, bob], 'alice')).toBe(`approved ${bob} for ${t}\n`);
    expect(await ok(['topics', 'requests', t], 'alice')).toBe('no pending requests\n');
    expect(await ok(['poll'], 'bob')).toContain(`join approved: your request to join "vault" (${t}) was approved by ${alice}`);

    // Rejected, then invited: the invitation lets carol in without a request.
    await ok(['topics', 'join', t], 'carol');
    expect(await json(['topics', 'reject', t, carol], 'alice')).toEqual({ topic_id: t, agent_id: carol, status: 'rejected' });
    expect(await ok(['poll'], 'carol')).toContain(`join rejected: your request to join "vault" (${t}) was rejected by ${alice}`);
    expect(await ok(['topics', 'invite', t, carol], 'alice')).toBe(`invited ${carol} to ${t} (it joins with "parley topics join ${t}")\n`);
    expect(await ok(['topics', 'invite', t, bob], 'alice')).toBe(`${bob} is already a member of ${t}\n`);
    expect(await ok(['poll'], 'carol')).toContain(`invitation: ${alice} invited you to "vault" (${t}); accept with "parley topics join ${t}"`);
    expect(await ok(['topics', 'join', t], 'carol')).toBe(`joined ${t} as member\n`);

    // role: the owner makes bob an admin; members come owner first, then admins.
    expect(await ok(['topics', 'role', t, bob, 'admin'], 'alice')).toBe(`${bob} is now admin of ${t}\n`);
    const members = await json<{ members: Array<{ agent_id: string; role: string; online: boolean }> }>(['topics', 'members', t], 'alice');
    expect(members.members.map((m) => [m.agent_id, m.role])).toEqual([
      [alice, 'owner'],
      [bob, 'admin'],
      [carol, 'member'],
    ]);
    expect(members.members[0]!.online).toBe(true);
    expect(await fails(['topics', 'role', t, bob, 'king'], 'alice', 2)).toBe('parley: role must be one of admin, member, got "king"\n');
    expect(await fails(['topics', 'role', t, carol, 'admin'], 'bob', 1)).toMatch(/^parley: forbidden: /);
  });

  it('bars an agent for a while with blacklist|ban, lists and lifts bars, and rejects bad durations', async () => {
    const { alice, bob, carol } = ids;
    const t = await newTopic('alice', 'garden of bans');
    await ok(['topics', 'join', t], 'bob');

    const entry = await json<{ agent_id: string; reason: string; by: string; created_at: string; expires_at: string }>(
      ['blacklist', 'add', t, bob, '--for', '2h', '--reason', 'spam'],
      'alice',
    );
    expect(entry).toMatchObject({ agent_id: bob, reason: 'spam', by: alice });
    expect(Date.parse(entry.expires_at) - Date.parse(entry.created_at)).toBe(2 * 3600 * 1000);
    const list = await ok(['ban', 'list', t], 'alice');
    expect(list).toMatch(/^AGENT\s+EXPIRES\s+BY\s+SINCE\s+REASON\n/);
    expect(list).toContain(`${bob}  ${entry.expires_at}  ${alice}  ${entry.created_at}  spam`);
    expect(await ok(['poll'], 'bob')).toContain(`blacklisted: ${alice} barred you from "garden of bans" (${t}) until ${entry.expires_at}: spam`);
    expect(await fails(['post', t, 'let me in'], 'bob', 1)).toMatch(/^parley: forbidden: you are barred from this topic until /);

    // Without --for the bar lasts until lifted; compound durations add up; adding again replaces.
    expect(await ok(['ban', 'add', t, carol], 'alice')).toBe(`barred ${carol} from ${t} until lifted\n`);
    const again = await json<{ created_at: string; expires_at: string }>(['ban', 'add', t, carol, '--for', '1h30m'], 'alice');
    expect(Date.parse(again.expires_at) - Date.parse(again.created_at)).toBe(90 * 60 * 1000);

    expect(await ok(['blacklist', 'remove', t, bob], 'alice')).toBe(`lifted the bar on ${bob} in ${t}\n`);
    expect(await ok(['ban', 'rm', t, bob], 'alice')).toBe(`${bob} was not barred from ${t}\n`);
    const left = await json<{ entries: Array<{ agent_id: string }> }>(['blacklist', 'ls', t], 'alice');
    expect(left.entries.map((e) => e.agent_id)).toEqual([carol]);
    await ok(['ban', 'remove', t, carol], 'alice');
    expect(await ok(['ban', 'list', t], 'alice')).toBe('nobody is barred\n');

    const badUnit = await fails(['ban', 'add', t, bob, '--for', '3x'], 'alice', 2);
    expect(badUnit).toBe('parley: --for must be a duration like 30m, 2h, 7d or 1h30m (units s, m, h, d, w), got "3x"\n');
    expect(await fails(['ban', 'add', t, bob, '--for', '30'], 'alice', 2)).toContain('--for must be a duration');
    expect(await fails(['ban', 'add', t, bob, '--for', '0m'], 'alice', 2)).toContain('--for must be a duration');
    expect(await fails(['ban', 'add', t, bob, '--for', '4000d'], 'alice', 2)).toBe('parley: --for must be at most 3650d, got "4000d"\n');
    expect(await fails(['ban', 'list', t], 'bob', 1)).toMatch(/^parley: forbidden: /);
  });

  it('polls what is unread (moving the cursor), lists conversations with unread counts, and pages the feed', async () => {
    const { alice, carol, dave } = ids;
    // Every name of the direct-message command.
    await ok(['p2p', dave, 'first'], 'alice');
    await ok(['dm', dave, 'second'], 'alice');
    await ok(['send', dave, 'third'], 'carol');
    expect(await ok(['private', dave, 'fourth'], 'carol')).toMatch(new RegExp(`^sent msg_\\S+ to ${dave}\n$`));

    const inbox = await ok(['inbox'], 'dave');
    const rows = inbox.trim().split('\n');
    expect(rows[0]).toMatch(/^PEER\s+NAME\s+UNREAD\s+LAST AT\s+LAST MESSAGE$/);
    expect(rows.slice(2)).toEqual([
      expect.stringMatching(new RegExp(`^${carol}  carol  2 +\\S+  <- fourth$`)),
      expect.stringMatching(new RegExp(`^${alice}  alice  2 +\\S+  <- second$`)),
    ]);

    const firstPoll = (await ok(['poll', '--limit', '3'], 'dave')).trim().split('\n');
    expect(firstPoll).toEqual([
      expect.stringMatching(new RegExp(`^\\S+  direct from ${alice}: first$`)),
      expect.stringMatching(new RegExp(`^\\S+  direct from ${alice}: second$`)),
      expect.stringMatching(new RegExp(`^\\S+  direct from ${carol}: third$`)),
      '(1 more unread message remains: run "parley poll" again)',
    ]);
    const unread = await json<{ conversations: Array<{ peer: string; unread: number }> }>(['inbox'], 'dave');
    expect(unread.conversations.map((c) => [c.peer, c.unread])).toEqual([
      [carol, 1],
      [alice, 0],
    ]);
    expect((await ok(['check'], 'dave')).trim().split('\n')).toEqual([expect.stringMatching(new RegExp(`direct from ${carol}: fourth$`))]);
    // The cursor moved: nothing is handed out twice.
    expect(await ok(['poll'], 'dave')).toBe('nothing new\n');
    expect(await json(['poll'], 'dave')).toMatchObject({ pushes: [], has_more: false });
    await ok(['dm', carol, 'got them all'], 'dave');
    expect(await ok(['inbox'], 'dave')).toMatch(new RegExp(`\\n${carol}  carol  0 +\\S+  -> got them all\\n`));

    // The feed, newest first, paged by number or by cursor.
    const t = await newTopic('alice', 'feed lane');
    await ok(['topics', 'join', t], 'dave');
    for (const text of ['f1', 'f2', 'f3', 'f4', 'f5']) await ok(['post', t, text], 'alice');
    const page1 = (await ok(['feed', '--limit', '2'], 'dave')).trim().split('\n');
    expect(page1.slice(0, 2)).toEqual([
      expect.stringMatching(new RegExp(`^\\S+  \\[feed lane\\] #5 ${alice}: f5$`)),
      expect.stringMatching(new RegExp(`^\\S+  \\[feed lane\\] #4 ${alice}: f4$`)),
    ]);
    const more = /^\(more: "parley feed 2", or "parley feed --cursor (\S+)"\)$/.exec(page1[2] ?? '');
    expect(more, page1.join('\n')).not.toBeNull();
    const byNumber = await json<{ items: Array<{ content: string }>; next_cursor: string | null }>(['feed', '2', '--limit', '2'], 'dave');
    const byCursor = await json<{ items: Array<{ content: string }> }>(['feed', '--cursor', more![1]!, '--limit', '2'], 'dave');
    expect(byNumber.items.map((i) => i.content)).toEqual(['f3', 'f2']);
    expect(byCursor).toEqual(byNumber);
    expect((await ok(['feed', '3', '--limit', '2'], 'dave')).trim().split('\n')).toEqual([expect.stringMatching(/#1 \S+: f1$/)]);
    expect(await ok(['feed', '4', '--limit', '2'], 'dave')).toBe('no page 4: the feed ends at page 3\n');
    expect(await fails(['feed', '0'], 'dave', 2)).toBe('parley: page must be an integer from 1 to 1000, got "0"\n');

    // Topic pushes in a poll, and --limit checked before anything is sent.
    const topicPoll = await ok(['poll'], 'dave');
    expect(topicPoll.trim().split('\n')).toHaveLength(5);
    expect(topicPoll).toMatch(new RegExp(`^\\S+  topic ${t} #1 ${alice}: f1\\n`));
    expect(await fails(['poll', '--limit', '501'], 'dave', 2)).toBe('parley: --limit must be an integer from 1 to 500, got "501"\n');
  });

  it('talk|random finds related topics, joins one and publishes there', async () => {
    const { carol } = ids;
    const t = await newTopic('alice', 'quokka sightings', '--description', 'where quokkas were seen');
    const look = await ok(['talk', 'quokka', 'photos'], 'bob');
    expect(look).toMatch(/^TOPIC\s+NAME\s+TYPE\s+JOIN\s+MEMBERS\s+YOU\n/);
    expect(look).toContain(`${t}  quokka sightings`);

    const said = await json<{ joined: string | null; published: { topic_id: string; seq: number } | null }>(
      ['random', 'quokka', 'spotted', 'today', '--publish'],
      'carol',
    );
    expect(said.joined).toBe(t);
    expect(said.published).toMatchObject({ topic_id: t, seq: 1 });
    const history = await json<{ messages: Message[] }>(['topics', 'history', t], 'alice');
    expect(history.messages.map((m) => [m.from, m.content])).toEqual([[carol, 'quokka spotted today']]);

    expect((await ok(['talk', 'quokka', '--join'], 'bob')).trim().split('\n').at(-1)).toBe(`joined ${t}`);
    expect(await ok(['talk', 'xylophonic', '--join'], 'bob')).toBe('no related topics\nno related topic you may join at once: nothing joined\n');
  });

  it('writes an export of many pages whole, to a file and to stdout, and prints a note of many pages whole', async () => {
    const t = await newTopic('alice', 'long haul');
    // 9 messages of 60,000 characters: more than one 512 KiB page.
    const texts = Array.from({ length: 9 }, (_, i) => `${i + 1} ${String.fromCharCode(97 + i).repeat(60_000)}`.slice(0, 60_000));
    for (const text of texts) await ok(['post', t, text], 'alice');
    const file = join(tempDir('long'), 'long.json');
    expect(await ok(['topics', 'export', t, 'json', '-o', file], 'alice')).toBe(`wrote 9 messages of ${t} as json to ${file}\n`);
    const doc = JSON.parse(readFileSync(file, 'utf8')) as { messages: Message[] };
    expect(doc.messages.map((m) => m.content)).toEqual(texts);
    const md = await ok(['topics', 'export', t], 'alice');
    for (const text of texts) expect(md).toContain(text);
    expect(md.match(/^### /gm)).toHaveLength(9);

    await ok(['memory', 'export', t, 'long haul'], 'alice');
    const note = await ok(['memory', 'read', 'long haul'], 'alice');
    expect(Buffer.byteLength(note)).toBeGreaterThan(540_000);
    for (const text of texts) expect(note).toContain(text);
    expect(note.replace(/Exported: \S+/, '')).toBe(md.replace(/Exported: \S+/, ''));
    await ok(['memory', 'delete', 'long haul'], 'alice');
  }, 60_000);

  it('exports a topic to memory, then lists, reads (recall) and deletes notes', async () => {
    const t = await newTopic('alice', 'memory lane');
    await ok(['post', t, 'remember', 'the', 'milk'], 'alice');

    expect(await ok(['memory', 'export', t, 'groceries'], 'alice')).toMatch(
      new RegExp(`^saved 1 message of ${t} as note "groceries" \\(\\d+ bytes\\)\\n$`),
    );
    const byTopicName = await json<{ name: string; source_topic_id: string; message_count: number }>(['memory', 'export', t], 'alice');
    expect(byTopicName).toMatchObject({ name: 'memory lane', source_topic_id: t, message_count: 1 });

    const list = await ok(['memory', 'list'], 'alice');
    expect(list).toMatch(/^NAME\s+BYTES\s+FROM TOPIC\s+UPDATED\n/);
    expect(list).toMatch(new RegExp(`\\ngroceries\\s+\\d+\\s+${t}\\s+`));
    expect(list).toMatch(new RegExp(`\\nmemory lane\\s+\\d+\\s+${t}\\s+`));
    const note = await ok(['memory', 'read', 'groceries'], 'alice');
    expect(note).toMatch(/^# memory lane\n/);
    expect(note).toContain('remember the milk');
    expect(await ok(['memory', 'recall', 'groceries'], 'alice')).toBe(note);
    // Notes are private: bob has none of alice's.
    expect(await ok(['memory', 'ls'], 'bob')).toBe('no notes\n');
    expect(await fails(['memory', 'read', 'groceries'], 'bob', 1)).toMatch(/^parley: not_found: /);

    expect(await ok(['memory', 'delete', 'groceries'], 'alice')).toBe('deleted note "groceries"\n');
    expect(await ok(['memory', 'rm', 'groceries'], 'alice')).toBe('no note named "groceries"\n');
    expect((await json<{ notes: Array<{ name: string }> }>(['memory', 'list'], 'alice')).notes.map((n) => n.name)).toEqual(['memory lane']);
    expect(await fails(['memory', 'read', '../etc/passwd'], 'alice', 2)).toContain('is not a note name');
  });

  it('switches live pushes off and on per topic and per event, and lists settings and topics', async () => {
    const t = await newTopic('alice', 'quiet room');
    await ok(['topics', 'join', t], 'dave');
    expect(await ok(['notifications'], 'dave')).toBe(
      'defaults: topic.message on, topic.updated on, agent.presence off, proposal.created on, proposal.voted on, proposal.status on, ' +
        'committee.application on, committee.voted on, deliberation.started on, deliberation.voted on, asset.issued on, content.published on\nno settings of your own\n',
    );

    expect(await ok(['notifications', 'off', '--topic', t], 'dave')).toBe(`live pushes of topic ${t}: off\n`);
    const topics = await json<{ topics: Array<{ topic_id: string; push: boolean; unread: number }> }>(['notifications', 'topics'], 'dave');
    expect(topics.topics.find((x) => x.topic_id === t)).toEqual({ topic_id: t, name: 'quiet room', push: false, unread: 0 });
    // Switched off live, still stored: the message shows in the topics table's unread count and in a poll.
    await ok(['post', t, 'psst'], 'alice');
    expect(await ok(['notifications', 'topics'], 'dave')).toMatch(new RegExp(`\\n${t}\\s+quiet room\\s+off\\s+1\\n`));
    expect(await ok(['poll'], 'dave')).toMatch(new RegExp(`topic ${t} #1 ${ids.alice}: psst\\n$`));

    expect(await ok(['notifications', 'on', '--topic', t], 'dave')).toBe(`live pushes of topic ${t}: on\n`);
    expect(await ok(['notifications', 'on', '--event', 'agent.presence'], 'dave')).toBe('live pushes of event agent.presence: on\n');
    const settings = await json<{ settings: Array<{ topic_id: string | null; event: string | null; enabled: boolean }> }>(['notifications', 'list'], 'dave');
    expect(settings.settings.map((s) => [s.topic_id, s.event, s.enabled])).toEqual([
      [null, 'agent.presence', true],
      [t, null, true],
    ]);
    const table = await ok(['notifications'], 'dave');
    expect(table).toMatch(/\nSCOPE\s+PUSH\s+UPDATED\n/);
    expect(table).toMatch(/\nevent agent\.presence\s+on\s+\S+\n/);

    expect(await fails(['notifications', 'off'], 'dave', 2)).toBe(
      'parley: give exactly one of --topic <topic_id> and --event <topic.message|topic.updated|agent.presence|proposal.created|proposal.voted|' +
        'proposal.status|committee.application|committee.voted|deliberation.started|deliberation.voted|asset.issued|content.published>\n',
    );
    expect(await fails(['notifications', 'off', '--topic', t, '--event', 'topic.message'], 'dave', 2)).toContain('give exactly one of');
    expect(await fails(['notifications', 'off', '--event', 'topic.deleted'], 'dave', 2)).toBe(
      'parley: --event must be one of topic.message, topic.updated, agent.presence, proposal.created, proposal.voted, proposal.status, ' +
        'committee.application, committee.voted, deliberation.started, deliberation.voted, asset.issued, content.published, got "topic.deleted"\n',
    );
    const notMine = await newTopic('alice', 'not daves');
    expect(await fails(['notifications', 'off', '--topic', notMine], 'dave', 1)).toMatch(/^parley: not_found: /);
  });

  it('deletes a topic only with --yes and only as its owner; bad usage exits 2 before anything is sent', async () => {
    const t = await newTopic('alice', 'doomed');
    await ok(['topics', 'join', t], 'bob');

    expect(await fails(['topics', 'delete', t], 'alice', 2)).toBe(
      `parley: deleting ${t} removes its messages and memberships for everyone and cannot be undone; run "parley topics delete ${t} --yes" to delete it\n`,
    );
    await ok(['topics', 'detail', t], 'alice');
    expect(await fails(['topics', 'remove', t, '--yes'], 'bob', 1)).toMatch(/^parley: forbidden: /);
    expect(await ok(['topics', 'remove', t, '--yes'], 'alice')).toBe(`deleted ${t}\n`);
    expect(await fails(['topics', 'detail', t], 'alice', 1)).toMatch(/^parley: not_found: /);

    const live = await newTopic('alice', 'usage checks');
    expect(await fails(['topics', 'history', live, '--before', '3', '--after', '1'], 'alice', 2)).toBe('parley: give --before or --after, not both\n');
    expect(await fails(['topics', 'history', live, '--after', 'x'], 'alice', 2)).toContain('--after must be a seq number');
    expect(await fails(['post', live], 'alice', 2)).toContain('nothing to publish');
    expect(await fails(['post', live, 'text', '--title', 'T', '--block', 'b'], 'alice', 2)).toContain('not both');
    expect(await fails(['post', live, '--title', 'T'], 'alice', 2)).toBe('parley: a rich message needs at least one --block\n');
    expect(await fails(['post', live, '--block', 'b'], 'alice', 2)).toBe('parley: a rich message needs --title\n');
    expect(await fails(['post', live, '--title', 'T', '--block', 'b', '--type', 'json'], 'alice', 2)).toContain('a rich message is markdown');
    expect(await fails(['topics', 'update', live], 'alice', 2)).toContain('nothing to change');
    expect(await fails(['topics', 'update', live, '--visibility', 'secret'], 'alice', 2)).toContain('--visibility must be one of public, private');
    expect(await fails(['topics', 'find', 'x', '--matches', '21'], 'alice', 2)).toBe('parley: --matches must be an integer from 0 to 20, got "21"\n');
    expect(await fails(['topics', 'invite', live, 'bob'], 'alice', 2)).toContain('"bob" is not an agent id');
    expect(await fails(['dm', 'carol', 'hi'], 'alice', 2)).toContain('"carol" is not an agent id');
  });
});
