import type { ChatConversation as Conversation, ChatRequest, ResultOf } from '@parley/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentCli } from './agents.js';
import { LiveProcess, runCli, startTestHub, tempDir, withoutHelpHint } from './helpers.js';

/**
 * `parley chat ...` and `parley feedback`, run as a user would: the built
 * `parley` binary against a real hub, with real agents. bob takes chat
 * requests only after approving them (contact policy approval_required);
 * alice and carol keep the default, open. Every wait is on a process
 * finishing, except the one turn timeout, which is polled for.
 */

let hub: LiveProcess;
let url: string;
const homes = { alice: tempDir('chat-alice'), bob: tempDir('chat-bob'), carol: tempDir('chat-carol') };
type Who = keyof typeof homes;
const ids: Record<Who, string> = { alice: '', bob: '', carol: '' };
const { run, ok, json, fails } = agentCli(homes, () => url);

// The wire shapes as the protocol declares them: what `--json` prints is the hub's result unchanged.
type Requested = ResultOf<'chat/request'>;
type Sent = ResultOf<'chat/send'>;
type Transcript = ResultOf<'chat/get'>;

/** A command that failed before anything was sent: exit 2 even with no hub to talk to. */
async function usageError(args: string[], who: Who = 'alice'): Promise<string> {
  const res = await runCli(args, { PARLEY_HOME: homes[who], PARLEY_URL: 'http://127.0.0.1:9' });
  expect(res.code, `parley ${args.join(' ')} should exit 2 before connecting\nstderr: ${res.stderr}`).toBe(2);
  return withoutHelpHint(res.stderr);
}

beforeAll(async () => {
  ({ hub, url } = await startTestHub());
  for (const who of Object.keys(homes) as Who[]) ids[who] = (await json<{ agent_id: string }>(['register', '--name', who], who)).agent_id;
  await ok(['call', 'agent/update', '{"contact_policy":"approval_required"}'], 'bob');
});

afterAll(async () => {
  expect(await hub.stop('SIGTERM')).toBe(0);
});

describe('parley chat', () => {
  it('request, accept, alternating turns (out of turn refused, re-runs kept once), a dual end, transcript and ratings', async () => {
    const { alice, bob } = ids;
    const asked = await json<Requested>(
      ['chat', 'request', bob, 'Pair', 'on', 'the', 'login', 'bug?', '--ttl', '10m', '--max-turns', '6', '--turn-timeout', '5m', '--on-timeout', 'skip_turn', '--end-mode', 'dual'],
      'alice',
    );
    // bob approves requests himself: nothing started yet
    expect(asked.conversation).toBeNull();
    expect(asked.request).toMatchObject({ from: alice, to: bob, status: 'pending', conversation_id: null });
    expect(Date.parse(asked.request.expires_at) - Date.parse(asked.request.created_at)).toBe(10 * 60_000);
    const chr = asked.request.request_id;
    expect(chr).toMatch(/^chr_/);

    // bob sees it among his inbound requests (the default), with how to answer it
    const inbound = await ok(['chat', 'list'], 'bob');
    expect(inbound).toMatch(/^REQUEST\s+FROM\s+NAME\s+STATUS\s+WORLD\s+OPENING\n/);
    expect(inbound).toMatch(new RegExp(`\\n${chr}\\s+${alice}\\s+alice\\s+pending until ${asked.request.expires_at}\\s+-\\s+Pair on the login bug\\?\\n`));
    expect(inbound).toContain('(answer with "parley chat accept <request_id>" or "parley chat reject <request_id> [reason]")');
    expect((await json<{ requests: ChatRequest[] }>(['chat', 'list', '--outbound', '--status', 'pending'], 'alice')).requests.map((r) => r.request_id)).toEqual([chr]);
    expect(await ok(['chat', 'list', '--status', 'accepted'], 'bob')).toBe('no accepted inbound chat requests\n');

    // accepting starts the conversation; alice, who asked, speaks first
    const accepted = await ok(['chat', 'accept', chr], 'bob');
    const cnv = /conversation (cnv_[a-z0-9]+) /.exec(accepted)?.[1] ?? '';
    expect(accepted).toBe(
      `accepted ${chr}: conversation ${cnv} with alice (${alice}) started (at most 6 turns, 5m a turn, on timeout skip_turn, end mode dual); they speak first\n`,
    );

    // bob out of turn: the hub's refusal, exit 1
    expect(await fails(['chat', 'send', cnv, 'me', 'first'], 'bob', 1)).toBe(`parley: conflict: it is not your turn: waiting for ${alice} to answer\n`);

    // alice's turn; the same command again (a lost response) is kept once by the hub
    expect(await ok(['chat', 'send', cnv, 'hi', 'bob,', 'shall', 'we?'], 'alice')).toBe(`sent turn 1 of 6 to bob (${bob}) in ${cnv}; their turn now\n`);
    expect(await ok(['chat', 'send', cnv, 'hi', 'bob,', 'shall', 'we?'], 'alice')).toBe(`already sent as turn 1 of ${cnv}; nothing was sent again\n`);
    const again = await json<Sent>(['chat', 'say', cnv, 'hi bob, shall we?'], 'alice');
    expect(again).toMatchObject({ duplicate: true, turn: { turn: 1, from: alice, client_message_id: 'parley-turn-1' }, conversation: { turns_taken: 1, next_turn: bob } });
    // other words now are a new message, out of turn
    expect(await fails(['chat', 'send', cnv, 'anyone?'], 'alice', 1)).toBe(`parley: conflict: it is not your turn: waiting for ${bob} to answer\n`);

    const second = await json<Sent>(['chat', 'send', cnv, 'sure,', 'share', 'the', 'logs'], 'bob');
    expect(second).toMatchObject({ duplicate: false, turn: { turn: 2, kind: 'message', from: bob, text: 'sure, share the logs', client_message_id: 'parley-turn-2' } });

    // an id of your own is kept once too
    expect(await ok(['chat', 'send', cnv, 'here', 'they', 'are', '--id', 'logs-1'], 'alice')).toBe(`sent turn 3 of 6 to bob (${bob}) in ${cnv}; their turn now\n`);
    expect(await ok(['chat', 'send', cnv, 'here', 'they', 'are', '--id', 'logs-1'], 'alice')).toBe(`already sent as turn 3 of ${cnv}; nothing was sent again\n`);

    // dual: alice's hand alone does not end it, and raising it twice changes nothing
    const waiting = `your hand is raised in ${cnv}; waiting for the other hand: it ends once bob (${bob}) ends it too (end mode dual); the turns go on until then\n`;
    expect(await ok(['chat', 'end', cnv], 'alice')).toBe(waiting);
    expect(await ok(['chat', 'end', cnv], 'alice')).toBe(waiting);
    const active = await ok(['chat', 'conversations', '--active'], 'bob');
    expect(active).toMatch(/^CONVERSATION\s+WITH\s+NAME\s+STATUS\s+TURNS\s+WORLD\s+STARTED\n/);
    expect(active).toMatch(new RegExp(`\\n${cnv}\\s+${alice}\\s+alice\\s+your turn\\s+3/6\\s+-\\s+\\S+\\n`));
    expect(await ok(['chat', 'end', cnv], 'bob')).toBe(`${cnv} ended (hands_raised); "parley chat transcript ${cnv}" shows it\n`);
    expect(await fails(['chat', 'send', cnv, 'one', 'more'], 'bob', 1)).toBe('parley: conflict: the conversation has ended (hands_raised)\n');

    // the transcript: the state, the brief first, every turn with who spoke, the end
    const transcript = await ok(['chat', 'transcript', cnv], 'bob');
    expect(transcript).toContain(`conversation: ${cnv} (request ${chr})\n`);
    expect(transcript).toContain(`asked by:     alice (${alice})\nwith:         bob (${bob})\n`);
    expect(transcript).toContain('policy:       at most 6 turns, 5m a turn, on timeout skip_turn, end mode dual\n');
    expect(transcript).toContain('status:       ended (hands_raised), 3 of 6 turns taken\n');
    expect(transcript).toContain('hands raised: alice, bob (you)\n');
    const turnLines = transcript.split('\n').filter((l) => l.startsWith('#') || l.startsWith('-- '));
    expect(turnLines.map((l) => l.replace(/ {2}\S+Z {2}/, ' '))).toEqual([
      '#0 kickoff, the brief for alice: Pair on the login bug?',
      '#1 alice: hi bob, shall we?',
      '#2 bob (you): sure, share the logs',
      '#3 alice: here they are',
      expect.stringMatching(/^-- ended \(hands_raised\) at \S+Z$/),
    ]);
    const got = await json<Transcript>(['chat', 'get', cnv], 'alice');
    expect(got.turns.map((t) => [t.turn, t.kind, t.from])).toEqual([
      [0, 'kickoff', null],
      [1, 'message', alice],
      [2, 'message', bob],
      [3, 'message', alice],
    ]);
    expect(got.conversation).toMatchObject({ status: 'ended', ended_reason: 'hands_raised', next_turn: null, turns_taken: 3 });
    expect([...got.conversation.hands_raised].sort()).toEqual([alice, bob].sort());

    // ratings, each side its own; rating again replaces it
    expect(await ok(['chat', 'rate', cnv, 'dislike'], 'alice')).toBe(`rated ${cnv}: dislike\n`);
    expect(await ok(['chat', 'rate', cnv, 'like'], 'alice')).toBe(`rated ${cnv}: like\n`);
    const rated = await json<{ conversation: Conversation }>(['chat', 'rate', cnv, 'dislike'], 'bob');
    expect(rated.conversation.ratings).toEqual({ [alice]: 'like', [bob]: 'dislike' });
    expect(await ok(['chat', 'get', cnv], 'alice')).toContain('ratings:      alice (you) like, bob dislike\n');

    const ended = await ok(['chat', 'ls', '--ended'], 'alice');
    expect(ended).toMatch(new RegExp(`\\n${cnv}\\s+${bob}\\s+bob\\s+ended \\(hands_raised\\)\\s+3/6\\s+-\\s+\\S+\\n`));
    expect(await ok(['chat', 'ls', '--active'], 'alice')).toBe('no active conversations\n');

    // what each side was told, as poll prints it
    const bobPushes = await ok(['poll'], 'bob');
    expect(bobPushes).toContain(
      `chat request ${chr} from alice (${alice}): "Pair on the login bug?"; "parley chat accept ${chr}" or "parley chat reject ${chr} [reason]" before ${asked.request.expires_at}\n`,
    );
    expect(bobPushes).toContain(`conversation ${cnv} turn 1 from alice (${alice}) (your turn: "parley chat send ${cnv} <text>"): hi bob, shall we?\n`);
    expect(bobPushes).toContain(`conversation ${cnv}: alice (${alice}) asks to end it (end mode dual); "parley chat end ${cnv}" ends it\n`);
    expect(bobPushes).toContain(
      `conversation ${cnv} with alice (${alice}) ended (hands_raised) after 3 turns; "parley chat transcript ${cnv}" shows it, "parley chat rate ${cnv} like|dislike" rates it\n`,
    );
    const alicePushes = await ok(['poll'], 'alice');
    expect(alicePushes).toContain(`chat request ${chr} accepted by bob (${bob}): conversation ${cnv}; you speak first (the kickoff turn carries your brief)\n`);
    expect(alicePushes).toContain(`conversation ${cnv} with bob (${bob}) started (your turn: "parley chat send ${cnv} <text>"); the brief: Pair on the login bug?\n`);
    expect(alicePushes).toContain(`conversation ${cnv} turn 2 from bob (${bob}) (your turn: "parley chat send ${cnv} <text>"): sure, share the logs\n`);
    expect(alicePushes).not.toMatch(/"?(chat|conversation)\.[a-z_]+"? on agent:/);
  });

  it('rejects with a reason the asker reads; a decided request cannot be accepted', async () => {
    const { alice, bob } = ids;
    const asked = await ok(['chat', 'ask', bob, 'Coffee?'], 'alice');
    const chr = /^request (chr_[a-z0-9]+) /.exec(asked)?.[1] ?? '';
    expect(asked).toMatch(new RegExp(`^request ${chr} to bob \\(${bob}\\): pending until \\S+Z; "parley chat list --outbound" shows their answer\\n$`));
    // one request at a time per pair
    expect(await fails(['chat', 'request', alice, 'Tea?'], 'bob', 1)).toBe(`parley: conflict: ${alice} has already asked you: chat/accept ${chr}\n`);

    expect(await ok(['chat', 'reject', chr, 'not', 'today,', 'busy'], 'bob')).toBe(`rejected ${chr} from alice (${alice}): not today, busy\n`);
    expect(await fails(['chat', 'accept', chr], 'bob', 1)).toBe('parley: conflict: the chat request is already rejected\n');
    const outbound = await ok(['chat', 'list', '--outbound', '--status', 'rejected'], 'alice');
    expect(outbound).toMatch(new RegExp(`\\n${chr}\\s+${bob}\\s+bob\\s+rejected: not today, busy\\s+-\\s+Coffee\\?\\n`));
    expect(outbound).not.toContain('answer with');
    expect(await ok(['poll'], 'alice')).toContain(`chat request ${chr} rejected by bob (${bob}): not today, busy\n`);
    // the requester may not decide its own request
    expect(await fails(['chat', 'reject', chr], 'alice', 1)).toBe(`parley: forbidden: only ${bob}, the agent you asked, can reject this request\n`);
  });

  it('an open agent accepts at once; a turn let pass is marked skipped, and the last one ends the conversation', async () => {
    const { alice, carol } = ids;
    const started = await ok(['chat', 'request', carol, 'Quick', 'question', '--max-turns', '1', '--turn-timeout', '1s', '--on-timeout', 'skip_turn', '--end-mode', 'either'], 'alice');
    const chr = /^request (chr_[a-z0-9]+) /.exec(started)?.[1] ?? '';
    const cnv = /conversation (cnv_[a-z0-9]+) /.exec(started)?.[1] ?? '';
    expect(started).toBe(
      `request ${chr} to carol (${carol}): accepted at once (their contact policy is open)\n` +
        `conversation ${cnv} started (at most 1 turn, 1s a turn, on timeout skip_turn, end mode either); you speak first: "parley chat send ${cnv} <text>"\n`,
    );

    // alice says nothing: her turn times out after 1 s, is recorded as skipped, and that was the one turn
    const deadline = Date.now() + 15_000;
    let now = await json<Transcript>(['chat', 'get', cnv], 'carol');
    while (now.conversation.status === 'active' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      now = await json<Transcript>(['chat', 'get', cnv], 'carol');
    }
    expect(now.conversation).toMatchObject({ status: 'ended', ended_reason: 'max_turns', turns_taken: 1 });
    expect(now.turns.map((t) => [t.kind, t.from, t.text])).toEqual([
      ['kickoff', null, 'Quick question'],
      ['skipped', alice, ''],
    ]);
    const transcript = await ok(['chat', 'transcript', cnv], 'alice');
    expect(transcript).toContain('status:       ended (max_turns), 1 of 1 turn taken\n');
    expect(transcript).toMatch(/\n#0 {2}\S+Z {2}kickoff, the brief for alice \(you\): Quick question\n#1 {2}\S+Z {2}alice \(you\): \[skipped: the turn timed out\]\n-- ended \(max_turns\) at \S+Z\n$/);
    expect(await fails(['chat', 'send', cnv, 'sorry,', 'here', 'now'], 'alice', 1)).toBe('parley: conflict: the conversation has ended (max_turns)\n');

    const carolPushes = await ok(['poll'], 'carol');
    expect(carolPushes).toContain(`chat started: alice (${alice}) opened ${cnv} with you (your contact policy is open): "Quick question"; they speak first\n`);
    expect(carolPushes).toContain(`conversation ${cnv} turn 1: alice (${alice}) let the turn time out (skipped)\n`);
    expect(carolPushes).toContain(`conversation ${cnv} with alice (${alice}) ended (max_turns) after 1 turn;`);
  });

  it('bad ids and bad input are usage errors (exit 2) caught before connecting; unknown ids are the hub\'s not_found', async () => {
    const { bob } = ids;
    expect(await usageError(['chat', 'accept', 'nope'])).toBe('parley: "nope" is not a chat request id (chr_ followed by lowercase letters and digits)\n');
    expect(await usageError(['chat', 'reject', 'cnv_abc'])).toBe('parley: "cnv_abc" is not a chat request id (chr_ followed by lowercase letters and digits)\n');
    expect(await usageError(['chat', 'send', 'chr_abc', 'hi'])).toBe('parley: "chr_abc" is not a conversation id (cnv_ followed by lowercase letters and digits)\n');
    expect(await usageError(['chat', 'transcript', 'cnv_'])).toBe('parley: "cnv_" is not a conversation id (cnv_ followed by lowercase letters and digits)\n');
    expect(await usageError(['chat', 'request', 'agt_nope', 'hi'])).toBe('parley: "agt_nope" is not an agent id (agt_ followed by 32 base32 characters)\n');
    expect(await usageError(['chat', 'request', bob, 'hi', '--world', 'top_x'])).toContain('is not a world id');
    expect(await usageError(['chat', 'request', bob, 'hi', '--ttl', '10'])).toContain('--ttl must be a duration like 30m');
    expect(await usageError(['chat', 'request', bob, 'hi', '--ttl', '8d'])).toBe('parley: --ttl must be at most 7d, got "8d"\n');
    expect(await usageError(['chat', 'request', bob, 'hi', '--turn-timeout', '2d'])).toBe('parley: --turn-timeout must be at most 1d, got "2d"\n');
    expect(await usageError(['chat', 'request', bob, 'hi', '--max-turns', '0'])).toBe('parley: --max-turns must be an integer from 1 to 200, got "0"\n');
    expect(await usageError(['chat', 'request', bob, 'hi', '--on-timeout', 'wait'])).toBe('parley: --on-timeout must be one of skip_turn, end, got "wait"\n');
    expect(await usageError(['chat', 'request', bob, 'hi', '--end-mode', 'both'])).toBe('parley: --end-mode must be one of dual, single, either, got "both"\n');
    expect(await usageError(['chat', 'request', bob, ' '])).toBe('parley: the opening message must not be empty\n');
    expect(await usageError(['chat', 'send', 'cnv_abc', '   '])).toBe('parley: the message must not be empty\n');
    expect(await usageError(['chat', 'send', 'cnv_abc', 'x'.repeat(8001)])).toBe('parley: the message is too long: at most 8000 characters\n');
    expect(await usageError(['chat', 'rate', 'cnv_abc', 'meh'])).toBe('parley: rating must be one of like, dislike, got "meh"\n');
    expect(await usageError(['chat', 'list', '--status', 'open'])).toBe('parley: --status must be one of pending, accepted, rejected, expired, got "open"\n');
    expect(await usageError(['chat', 'list', '--limit', '101'])).toBe('parley: --limit must be an integer from 1 to 100, got "101"\n');
    expect(await usageError(['chat', 'ls', '--active', '--ended'])).toBe('parley: give at most one of --active and --ended\n');

    // well-formed but unknown (or not yours): the hub says so, exit 1
    expect(await fails(['chat', 'transcript', 'cnv_doesnotexist'], 'alice', 1)).toBe('parley: not_found: conversation not found\n');
    expect(await fails(['chat', 'send', 'cnv_doesnotexist', 'hello'], 'alice', 1)).toBe('parley: not_found: conversation not found\n');
    expect(await fails(['chat', 'accept', 'chr_doesnotexist'], 'bob', 1)).toBe('parley: not_found: chat request not found\n');
  });
});

describe('parley feedback', () => {
  it('sends a report about ids to the operators; bad categories and ids are usage errors', async () => {
    const { alice, bob } = ids;
    expect(await ok(['feedback', 'abuse', 'Spam', 'in', 'a', 'chat', '--details', 'the same link every turn', '--about', 'cnv_abc123', '--about', bob], 'alice')).toMatch(
      new RegExp(`^sent abuse feedback fbk_[a-z0-9]+ about cnv_abc123, ${bob} to the hub's operators\\n$`),
    );
    const sent = await json<{ feedback_id: string; submitted_at: string }>(['feedback', 'suggestion', 'Show ratings', '-d', 'in chat ls'], 'bob');
    expect(sent.feedback_id).toMatch(/^fbk_/);
    expect(Number.isNaN(Date.parse(sent.submitted_at))).toBe(false);

    expect(await usageError(['feedback', 'praise', 'Nice', '--details', 'x'])).toBe('parley: category must be one of bug, abuse, suggestion, other, got "praise"\n');
    expect(await usageError(['feedback', 'bug', 'Broken', '--details', 'x', '--about', alice, '--about', 'bogus'])).toBe(
      'parley: --about "bogus": a context id is a Parley id such as "cnv_…" or "wld_…"\n',
    );
    expect(await usageError(['feedback', 'bug', 'Broken', '--details', ' '])).toBe('parley: --details must not be empty\n');
    expect(await usageError(['feedback', 'bug', 'x'.repeat(201), '--details', 'd'])).toBe('parley: the title is too long: at most 200 characters\n');
    // a missing --details is commander's usage error
    const missing = await run(['feedback', 'bug', 'Broken'], 'alice');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("required option '-d, --details <text>' not specified");
  });
});
