// The chat command language, command by command and alias by alias: which
// action each spelling runs with which params, and what bad input answers.
// (test/plugin.test.ts runs the same commands against a real hub.)
import type { TransferRequest } from '@parley/client';
import type { ActionName } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import { CommandTable, matchFreeText, runCommandLine, suggest } from '../src/commands/parser.js';
import { parseDuration, parseWhen, type CommandHost, type CommandRunContext, type CommandSpec } from '../src/commands/spec.js';
import { CommandSyntaxError, tokenize } from '../src/commands/tokenizer.js';
import type { ParleyCaller } from '../src/domain.js';
import { DOMAINS } from '../src/domains/index.js';

const TOPIC = 'top_abc123';
const AGENT = `agt_${'a'.repeat(32)}`;
const TASK = 'tsk_abc123';
const TASK2 = 'tsk_def456';
const PIPE = 'pip_abc123';
const DLG = 'dlg_abc123';
const MSG = 'msg_abc123';
const WORLD = 'wld_abc123';
const WBC = 'wbc_abc123';
const CHR = 'chr_abc123';
const CNV = 'cnv_abc123';
const PRP = 'prp_abc123';
const DLB = 'dlb_abc123';
const LTX = 'ltx_abc123';
const CNT = 'cnt_abc123';
const WAL = `wal_${'b'.repeat(32)}`;
const AGENT2 = `agt_${'b'.repeat(32)}`;

/** Records the first call and stops the command there. */
class Recorder implements ParleyCaller {
  calls: Array<{ action: ActionName; params: unknown }> = [];
  async call<A extends ActionName>(action: A, params: unknown): Promise<never> {
    this.calls.push({ action, params });
    throw Object.assign(new Error('recorded'), { code: 'recorded' });
  }
  /** A signed transfer is recorded as the request the client would sign (it adds the nonce and signature). */
  async transfer(req: TransferRequest): Promise<never> {
    return this.call('asset/transfer', req);
  }
}

const table = new CommandTable(DOMAINS.flatMap((d) => d.commands ?? []));

function host(log: string[]): CommandHost {
  return {
    commands: table.commands,
    describeSettings: () => 'SETTINGS',
    routeHere: async (o) => {
      log.push(`here ${o.channel} ${o.to}`);
      return 'ROUTED';
    },
    routeOff: async () => {
      log.push('off');
      return 'OFF';
    },
    routeReset: async () => {
      log.push('reset');
      return 'RESET';
    },
  };
}

async function run(line: string, prefix = '/parley'): Promise<{ out: string; calls: Recorder['calls']; log: string[] }> {
  const rec = new Recorder();
  const log: string[] = [];
  const ctx: CommandRunContext = {
    caller: rec,
    prefix,
    format: { selfId: AGENT, hubUrl: 'http://127.0.0.1:8787', describePush: () => 'PUSH' },
    chat: { surface: 'slash', channel: 'telegram', to: '4242', senderId: '4242' },
    host: host(log),
  };
  const out = await runCommandLine(table, line, ctx);
  return { out, calls: rec.calls, log };
}

/** Every spelling of every command runs the action with the params the hub expects. */
const CASES: Array<[string, ActionName, Record<string, unknown>]> = [
  ['list', 'topic/list', { limit: 50 }],
  ['ls', 'topic/list', { limit: 50 }],
  ['topics standup notes', 'topic/list', { limit: 50, query: 'standup notes' }],
  ['find standup notes', 'topic/search', { query: 'standup notes', limit: 10, matches_per_topic: 2 }],
  ['search "release plan"', 'topic/search', { query: 'release plan', limit: 10, matches_per_topic: 2 }],
  ['create standup "Daily status" broadcast', 'topic/create', { name: 'standup', description: 'Daily status', type: 'broadcast' }],
  ['new "team chat"', 'topic/create', { name: 'team chat' }],
  [`detail ${TOPIC}`, 'topic/get', { topic_id: TOPIC }],
  [`info ${TOPIC}`, 'topic/get', { topic_id: TOPIC }],
  [`delete ${TOPIC} --yes`, 'topic/delete', { topic_id: TOPIC }],
  [`remove ${TOPIC} -y`, 'topic/delete', { topic_id: TOPIC }],
  [`join ${TOPIC}`, 'topic/join', { topic_id: TOPIC }],
  [`subscribe ${TOPIC}`, 'topic/join', { topic_id: TOPIC }],
  [`leave ${TOPIC}`, 'topic/leave', { topic_id: TOPIC }],
  [`unsubscribe ${TOPIC}`, 'topic/leave', { topic_id: TOPIC }],
  ['subscribed', 'topic/subscribed', { limit: 50 }],
  ['mysubs', 'topic/subscribed', { limit: 50 }],
  [`members ${TOPIC}`, 'topic/members', { topic_id: TOPIC, limit: 100 }],
  [`publish ${TOPIC} hello world`, 'topic/publish', { topic_id: TOPIC, content: 'hello world' }],
  [`post ${TOPIC} line one\nline  two`, 'topic/publish', { topic_id: TOPIC, content: 'line one\nline  two' }],
  [`send ${TOPIC} "quoted  text"`, 'topic/publish', { topic_id: TOPIC, content: 'quoted  text' }],
  [`rich ${TOPIC} "Weekly report" **Done:** search`, 'topic/publish', { topic_id: TOPIC, title: 'Weekly report', blocks: ['**Done:** search'] }],
  [`history ${TOPIC}`, 'topic/history', { topic_id: TOPIC, limit: 20 }],
  [`messages ${TOPIC} 5`, 'topic/history', { topic_id: TOPIC, limit: 5 }],
  [`export ${TOPIC}`, 'topic/export', { topic_id: TOPIC, format: 'markdown', limit: 200, max_bytes: 16_384 }],
  [`export ${TOPIC} json`, 'topic/export', { topic_id: TOPIC, format: 'json', limit: 200, max_bytes: 16_384 }],
  [`blacklist add ${TOPIC} ${AGENT} 7d spamming a lot`, 'topic/blacklist/add', { topic_id: TOPIC, agent_id: AGENT, duration_seconds: 604_800, reason: 'spamming a lot' }],
  [`ban add ${TOPIC} ${AGENT}`, 'topic/blacklist/add', { topic_id: TOPIC, agent_id: AGENT }],
  [`ban add ${TOPIC} ${AGENT} off topic`, 'topic/blacklist/add', { topic_id: TOPIC, agent_id: AGENT, reason: 'off topic' }],
  [`blacklist remove ${TOPIC} ${AGENT}`, 'topic/blacklist/remove', { topic_id: TOPIC, agent_id: AGENT }],
  [`ban rm ${TOPIC} ${AGENT}`, 'topic/blacklist/remove', { topic_id: TOPIC, agent_id: AGENT }],
  [`blacklist list ${TOPIC}`, 'topic/blacklist/list', { topic_id: TOPIC }],
  [`ban ls ${TOPIC}`, 'topic/blacklist/list', { topic_id: TOPIC }],
  [`invite ${TOPIC} ${AGENT}`, 'topic/invite', { topic_id: TOPIC, agent_id: AGENT }],
  [`requests ${TOPIC}`, 'topic/requests', { topic_id: TOPIC }],
  [`approve ${TOPIC} ${AGENT}`, 'topic/approve', { topic_id: TOPIC, agent_id: AGENT }],
  [`reject ${TOPIC} ${AGENT}`, 'topic/reject', { topic_id: TOPIC, agent_id: AGENT }],
  [`role ${TOPIC} ${AGENT} ADMIN`, 'topic/role/set', { topic_id: TOPIC, agent_id: AGENT, role: 'admin' }],
  [`p2p ${AGENT} hi there`, 'p2p/send', { to: AGENT, content: 'hi there' }],
  [`dm ${AGENT} hi`, 'p2p/send', { to: AGENT, content: 'hi' }],
  [`private ${AGENT} "psst"`, 'p2p/send', { to: AGENT, content: 'psst' }],
  ['inbox', 'p2p/conversations', { limit: 20 }],
  ['poll', 'inbox/poll', { limit: 30 }],
  ['check', 'inbox/poll', { limit: 30 }],
  ['feed', 'inbox/feed', { limit: 10 }],
  ['feed 3', 'inbox/feed', { limit: 10 }],
  ['talk rust async runtimes', 'talk/random', { text: 'rust async runtimes', join: false, publish: false, limit: 5 }],
  ['random "hello there" --join', 'talk/random', { text: 'hello there', join: true, publish: false, limit: 5 }],
  ['talk --publish ship it', 'talk/random', { text: 'ship it', join: false, publish: true, limit: 5 }],
  [`memory export ${TOPIC}`, 'memory/export', { topic_id: TOPIC }],
  [`memory export ${TOPIC} "standup notes"`, 'memory/export', { topic_id: TOPIC, name: 'standup notes' }],
  ['memory read standup', 'memory/read', { name: 'standup', max_bytes: 16_384, offset: 0 }],
  ['memory recall "standup notes"', 'memory/read', { name: 'standup notes', max_bytes: 16_384, offset: 0 }],
  ['memory list', 'memory/list', { limit: 50 }],
  ['memory ls', 'memory/list', { limit: 50 }],
  ['memory delete standup', 'memory/delete', { name: 'standup' }],
  ['memory rm standup', 'memory/delete', { name: 'standup' }],
  ['notifications', 'notification/subscription/list', {}],
  ['notifications list', 'notification/subscription/list', {}],
  [`notifications on ${TOPIC}`, 'notification/subscription/set', { topic_id: TOPIC, enabled: true }],
  ['notifications off agent.presence', 'notification/subscription/set', { event: 'agent.presence', enabled: false }],
  ['notifications topics', 'notification/topics', {}],
  ['whoami', 'agent/whoami', {}],
  ['WHOAMI', 'agent/whoami', {}],
  // the agent's side of people
  ['bind', 'account/claim_code', {}],
  ['BIND', 'account/claim_code', {}],
  ['owners', 'account/owners', {}],
  // tasks
  ['task list', 'task/list', { limit: 20 }],
  ['tasks ls --open --capability code.review', 'task/list', { limit: 20, capability: 'code.review', open: true }],
  [`task list --status doing --owner me --runner ${AGENT} --pipeline ${PIPE} --limit 5 --cursor abc`, 'task/list', {
    limit: 5,
    status: 'doing',
    owner: AGENT,
    runner: AGENT,
    pipeline_id: PIPE,
    cursor: 'abc',
  }],
  ['task list --status=REVIEW', 'task/list', { limit: 20, status: 'review' }],
  ['task create "Fix login"', 'task/create', { title: 'Fix login', priority: 'P2' }],
  [
    `task new "Fix login" Investigate the 401s\nand fix them --priority p1 --runner me --reviewer ${AGENT} --acceptance "tests pass" --reward 5:USDC`,
    'task/create',
    { title: 'Fix login', priority: 'P1', description: 'Investigate the 401s\nand fix them', runner: AGENT, reviewer: AGENT, acceptance_criteria: 'tests pass', reward: { amount: '5', asset: 'USDC' } },
  ],
  [
    // Smallest units: 2.5 EUR of an asset with 2 decimals is written 250 (a fraction is refused, see BAD); symbols any case.
    `task create Review --pipeline ${PIPE} --topic ${TOPIC} --capability code.review --deadline 2026-12-01 --reward "250 eur"`,
    'task/create',
    { title: 'Review', priority: 'P2', pipeline_id: PIPE, topic_id: TOPIC, capability: 'code.review', deadline: '2026-12-01T00:00:00.000Z', reward: { amount: '250', asset: 'EUR' } },
  ],
  ['task create Big --reward=12345678901234567890123:PLY', 'task/create', { title: 'Big', priority: 'P2', reward: { amount: '12345678901234567890123', asset: 'PLY' } }],
  [`task detail ${TASK}`, 'task/get', { task_id: TASK }],
  [`task info ${TASK}`, 'task/get', { task_id: TASK }],
  [`task update ${TASK} --title "New title" --priority P0`, 'task/update', { task_id: TASK, title: 'New title', priority: 'P0' }],
  [`task update ${TASK} --description "" --reviewer "" --topic ""`, 'task/update', { task_id: TASK, description: null, reviewer: null, topic_id: null }],
  [`task assign ${TASK} ${AGENT}`, 'task/assign', { task_id: TASK, runner: AGENT }],
  [`task assign ${TASK} me`, 'task/assign', { task_id: TASK, runner: AGENT }],
  [`task join ${TASK}`, 'task/join', { task_id: TASK }],
  [`task take ${TASK}`, 'task/join', { task_id: TASK }],
  [`task run ${TASK}`, 'task/start', { task_id: TASK }],
  [`task start ${TASK}`, 'task/start', { task_id: TASK }],
  [`task progress ${TASK} 40% tests written`, 'task/progress', { task_id: TASK, percent: 40, note: 'tests written' }],
  [`task progress ${TASK} 0`, 'task/progress', { task_id: TASK, percent: 0 }],
  [`task submit ${TASK} Fixed in PR 12 --artifact https://example.com/pr/12 --artifact=https://example.com/log`, 'task/submit', {
    task_id: TASK,
    output: 'Fixed in PR 12',
    artifacts: ['https://example.com/pr/12', 'https://example.com/log'],
  }],
  [`task submit ${TASK} "all done"`, 'task/submit', { task_id: TASK, output: 'all done', artifacts: [] }],
  [`task review ${TASK} approve`, 'task/review', { task_id: TASK, decision: 'approve' }],
  [`task review ${TASK} Reject the tests miss the 401 case`, 'task/review', { task_id: TASK, decision: 'reject', comment: 'the tests miss the 401 case' }],
  [`task review ${TASK} block waiting for credentials`, 'task/review', { task_id: TASK, decision: 'block', comment: 'waiting for credentials' }],
  [`task block ${TASK} no access to staging`, 'task/block', { task_id: TASK, reason: 'no access to staging' }],
  [`task unblock ${TASK}`, 'task/unblock', { task_id: TASK }],
  [`task unblock ${TASK} access granted`, 'task/unblock', { task_id: TASK, note: 'access granted' }],
  [`task cancel ${TASK}`, 'task/cancel', { task_id: TASK }],
  [`task cancel ${TASK} not needed any more`, 'task/cancel', { task_id: TASK, reason: 'not needed any more' }],
  [`task works ${TASK}`, 'task/works', { task_id: TASK }],
  [`task timeline ${TASK}`, 'task/timeline', { task_id: TASK }],
  [`task deps add ${TASK} ${TASK2}`, 'task/dependencies/add', { task_id: TASK, depends_on: TASK2 }],
  [`task dependencies new ${TASK} ${TASK2}`, 'task/dependencies/add', { task_id: TASK, depends_on: TASK2 }],
  [`task deps remove ${TASK} ${TASK2}`, 'task/dependencies/remove', { task_id: TASK, depends_on: TASK2 }],
  [`task deps rm ${TASK} ${TASK2}`, 'task/dependencies/remove', { task_id: TASK, depends_on: TASK2 }],
  [`task graph ${PIPE}`, 'task/graph', { pipeline_id: PIPE }],
  // pipelines
  ['pipeline list', 'pipeline/list', { mine: false, limit: 20 }],
  ['pipe ls --mine --limit 3', 'pipeline/list', { mine: true, limit: 3 }],
  ['pipelines list --cursor next1', 'pipeline/list', { mine: false, limit: 20, cursor: 'next1' }],
  ['pipeline create release', 'pipeline/create', { name: 'release', auto_review: false }],
  ['pipe new release Ship version two --auto-review', 'pipeline/create', { name: 'release', auto_review: true, description: 'Ship version two' }],
  [`pipeline detail ${PIPE}`, 'pipeline/get', { pipeline_id: PIPE }],
  [`pipe info ${PIPE}`, 'pipeline/get', { pipeline_id: PIPE }],
  [`pipeline update ${PIPE} --name "v2 release" --no-auto-review`, 'pipeline/update', { pipeline_id: PIPE, name: 'v2 release', auto_review: false }],
  [`pipeline update ${PIPE} --description "" --auto-review`, 'pipeline/update', { pipeline_id: PIPE, description: null, auto_review: true }],
  [`pipeline delete ${PIPE} --yes`, 'pipeline/delete', { pipeline_id: PIPE }],
  [`pipe remove ${PIPE} -y`, 'pipeline/delete', { pipeline_id: PIPE }],
  [`pipeline add ${PIPE} Analysis Implementation "Final review"`, 'pipeline/add', {
    pipeline_id: PIPE,
    after_last: false,
    stages: [{ title: 'Analysis' }, { title: 'Implementation' }, { title: 'Final review' }],
  }],
  [`pipe add ${PIPE} --task ${TASK} --task ${TASK2} --stage Review --capability code.review --runner ${AGENT} --after-last`, 'pipeline/add', {
    pipeline_id: PIPE,
    after_last: true,
    task_ids: [TASK, TASK2],
    stages: [{ title: 'Review', capability: 'code.review', runner: AGENT }],
  }],
  [`pipeline run ${PIPE}`, 'pipeline/run', { pipeline_id: PIPE }],
  [`pipe status ${PIPE}`, 'pipeline/status', { pipeline_id: PIPE }],
  // delegation
  [`delegate grant ${AGENT} --publish`, 'delegate/grant', { manager: AGENT, can_publish: true, can_p2p: false }],
  [`delegate grant ${AGENT} --p2p --publish`, 'delegate/grant', { manager: AGENT, can_publish: true, can_p2p: true }],
  [`delegate revoke ${AGENT}`, 'delegate/revoke', { manager: AGENT }],
  ['delegate list', 'delegate/list', {}],
  ['delegate ls', 'delegate/list', {}],
  [`delegate publish ${AGENT} ${TOPIC} build is green --semantic status --reply-to ${MSG}`, 'delegate/publish_as', {
    as: AGENT,
    topic_id: TOPIC,
    content: 'build is green',
    content_type: 'text',
    semantic_type: 'status',
    reply_to: MSG,
  }],
  [`delegate publish ${AGENT} ${TOPIC} --type markdown **bold**`, 'delegate/publish_as', { as: AGENT, topic_id: TOPIC, content: '**bold**', content_type: 'markdown' }],
  [`delegate p2p ${AGENT} ${AGENT} hello there`, 'delegate/p2p_as', { as: AGENT, to: AGENT, content: 'hello there', content_type: 'text' }],
  [`delegate dm ${AGENT} ${AGENT} "hi"`, 'delegate/p2p_as', { as: AGENT, to: AGENT, content: 'hi', content_type: 'text' }],
  ['delegate request math.add {"a": 1, "b": 2}', 'delegate/request', { capability: 'math.add', input: { a: 1, b: 2 } }],
  ['delegate request math.add {"a":1,"b":2}', 'delegate/request', { capability: 'math.add', input: { a: 1, b: 2 } }],
  ['delegate request text.summarize "two words" --timeout 2m', 'delegate/request', { capability: 'text.summarize', input: 'two words', timeout_ms: 120_000 }],
  ['delegate request echo \u201chello\u201d', 'delegate/request', { capability: 'echo', input: 'hello' }],
  ['delegate request echo [1, "a \\"b\\" c", null]', 'delegate/request', { capability: 'echo', input: [1, 'a "b" c', null] }],
  [`delegate respond ${DLG} {"sum":3}`, 'delegate/respond', { request_id: DLG, output: { sum: 3 } }],
  [`delegate answer ${DLG} "done"`, 'delegate/respond', { request_id: DLG, output: 'done' }],
  [`delegate respond ${DLG} --error I cannot reach the build server`, 'delegate/respond', { request_id: DLG, error: 'I cannot reach the build server' }],
  [`delegate get ${DLG}`, 'delegate/get', { request_id: DLG }],
  [`delegate status ${DLG}`, 'delegate/get', { request_id: DLG }],
  // worlds
  ['world list', 'world/list', { sort: 'hot', limit: 20 }],
  ['worlds ls --sort latest --limit 5 --cursor c1', 'world/list', { sort: 'latest', limit: 5, cursor: 'c1' }],
  ['world search rust hiring', 'world/search', { query: 'rust hiring', limit: 20 }],
  ['world find "rust jobs" --limit 3', 'world/search', { query: 'rust jobs', limit: 3 }],
  [`world detail ${WORLD}`, 'world/get', { world_id: WORLD }],
  [`world info ${WORLD}`, 'world/get', { world_id: WORLD }],
  ['world create "Rust jobs" --context "Rust people and teams hiring them"', 'world/create', {
    display_name: 'Rust jobs',
    world_context_text: 'Rust people and teams hiring them',
  }],
  [
    'world new Chess A place to find\nchess partners --field "Your rating" --about "1800, blitz" --visibility private --join-policy approval ' +
      '--max-turns 40 --turn-timeout 5m --on-timeout end --end-mode either',
    'world/create',
    {
      display_name: 'Chess',
      world_context_text: 'A place to find\nchess partners',
      participant_context_field: 'Your rating',
      participant_context_text: '1800, blitz',
      visibility: 'private',
      join_policy: 'approval',
      episode_policy: { max_turns: 40, turn_timeout_ms: 300_000, timeout_behavior: 'end', end_mode: 'either' },
    },
  ],
  [`world update ${WORLD} --name "Rust work" --join-policy invite`, 'world/update', { world_id: WORLD, display_name: 'Rust work', join_policy: 'invite' }],
  [`world update ${WORLD} --turn-timeout 90s --visibility=public`, 'world/update', { world_id: WORLD, visibility: 'public', episode_policy: { turn_timeout_ms: 90_000 } }],
  [`world join ${WORLD} I write async Rust\nand review PRs`, 'world/join', { world_id: WORLD, participant_context_text: 'I write async Rust\nand review PRs' }],
  [`world leave ${WORLD}`, 'world/leave', { world_id: WORLD }],
  ['world mine', 'world/memberships', { limit: 50 }],
  ['world memberships --limit 10', 'world/memberships', { limit: 10 }],
  [`world candidates ${WORLD}`, 'world/candidates', { world_id: WORLD, limit: 20 }],
  [`world match ${WORLD} --limit 5 --cursor c2`, 'world/candidates', { world_id: WORLD, limit: 5, cursor: 'c2' }],
  [`world members ${WORLD}`, 'world/members', { world_id: WORLD, limit: 100 }],
  [`world invite ${WORLD} ${AGENT}`, 'world/invite', { world_id: WORLD, agent_id: AGENT }],
  [`world requests ${WORLD}`, 'world/requests', { world_id: WORLD }],
  [`world approve ${WORLD} ${AGENT}`, 'world/approve', { world_id: WORLD, agent_id: AGENT }],
  [`world reject ${WORLD} ${AGENT}`, 'world/reject', { world_id: WORLD, agent_id: AGENT }],
  [`world broadcast ${WORLD} Meetup at 18:00 UTC`, 'world/broadcast', { world_id: WORLD, content: 'Meetup at 18:00 UTC', reply_policy: 'zero' }],
  [`world announce ${WORLD} --reply-policy at_most_one who is coming?`, 'world/broadcast', { world_id: WORLD, content: 'who is coming?', reply_policy: 'at_most_one' }],
  [`world ban ${WORLD} ${AGENT}`, 'world/moderate', { world_id: WORLD, action: 'ban', agent_id: AGENT }],
  [`world ban ${WORLD} ${AGENT} spamming the members`, 'world/moderate', { world_id: WORLD, action: 'ban', agent_id: AGENT, reason: 'spamming the members' }],
  [`world unban ${WORLD} ${AGENT}`, 'world/moderate', { world_id: WORLD, action: 'unban', agent_id: AGENT }],
  [`world pause ${WORLD}`, 'world/moderate', { world_id: WORLD, action: 'pause' }],
  [`world resume ${WORLD}`, 'world/moderate', { world_id: WORLD, action: 'resume' }],
  [`world promote ${WORLD} ${AGENT}`, 'world/moderate', { world_id: WORLD, action: 'promote', agent_id: AGENT }],
  [`world demote ${WORLD} ${AGENT}`, 'world/moderate', { world_id: WORLD, action: 'demote', agent_id: AGENT }],
  [`world reply ${WBC} I can bring\ntwo bibs`, 'world/reply', { broadcast_id: WBC, content: 'I can bring\ntwo bibs' }],
  [`world answer ${WBC} "yes, please"`, 'world/reply', { broadcast_id: WBC, content: 'yes, please' }],
  // chat
  [`chat request ${AGENT} Hello there, want to talk?`, 'chat/request', { target_agent_id: AGENT, opening_message: 'Hello there, want to talk?' }],
  [
    `chats ask ${AGENT} Quick question\nabout your API --world ${WORLD} --ttl 2h --max-turns 4 --turn-timeout 90s --on-timeout end --end-mode either`,
    'chat/request',
    {
      target_agent_id: AGENT,
      opening_message: 'Quick question\nabout your API',
      world_id: WORLD,
      ttl_ms: 7_200_000,
      episode_policy: { max_turns: 4, turn_timeout_ms: 90_000, timeout_behavior: 'end', end_mode: 'either' },
    },
  ],
  ['chat list', 'chat/list', { direction: 'inbound', limit: 20 }],
  ['chat requests outbound --status pending --limit 5 --cursor c1', 'chat/list', { direction: 'outbound', status: 'pending', limit: 5, cursor: 'c1' }],
  [`chat accept ${CHR}`, 'chat/accept', { request_id: CHR }],
  [`chat reject ${CHR}`, 'chat/reject', { request_id: CHR }],
  [`chat decline ${CHR} busy this week`, 'chat/reject', { request_id: CHR, reason: 'busy this week' }],
  // A send reads the transcript first: which turn it answers makes its client_message_id (test/chat.test.ts sends for real).
  [`chat send ${CNV} Tuesday at 10?`, 'chat/get', { conversation_id: CNV }],
  [`chat say ${CNV} "ok"`, 'chat/get', { conversation_id: CNV }],
  [`chat end ${CNV}`, 'chat/end', { conversation_id: CNV }],
  [`chat transcript ${CNV}`, 'chat/get', { conversation_id: CNV }],
  [`chat get ${CNV}`, 'chat/get', { conversation_id: CNV }],
  ['chat conversations', 'chat/conversations', { limit: 20 }],
  ['chat ls --active', 'chat/conversations', { status: 'active', limit: 20 }],
  ['chat conversations --ended --limit 5 --cursor c2', 'chat/conversations', { status: 'ended', limit: 5, cursor: 'c2' }],
  [`chat rate ${CNV} LIKE`, 'chat/rate', { conversation_id: CNV, rating: 'like' }],
  [`chat rate ${CNV} dislike`, 'chat/rate', { conversation_id: CNV, rating: 'dislike' }],
  // governance
  ['proposal list', 'proposal/list_with_stats', { only_open: false, limit: 20 }],
  [`proposals ls --open --status open --author me --limit 5 --cursor c1`, 'proposal/list_with_stats', { only_open: true, status: 'open', author: AGENT, limit: 5, cursor: 'c1' }],
  ['proposal create "Raise the seats" We need 31 seats\nfor every time zone', 'proposal/create', { title: 'Raise the seats', description: 'We need 31 seats\nfor every time zone' }],
  ['proposal new Cleanup "tidy the rules"', 'proposal/create', { title: 'Cleanup', description: 'tidy the rules' }],
  [`proposal detail ${PRP}`, 'proposal/get', { proposal_id: PRP }],
  [`proposal info ${PRP}`, 'proposal/get', { proposal_id: PRP }],
  [`proposal get ${PRP}`, 'proposal/get', { proposal_id: PRP }],
  [`proposal vote ${PRP} yes`, 'proposal/vote', { proposal_id: PRP, support: true }],
  [`proposal vote ${PRP} FOR`, 'proposal/vote', { proposal_id: PRP, support: true }],
  [`proposal vote ${PRP} no`, 'proposal/vote', { proposal_id: PRP, support: false }],
  [`proposal vote ${PRP} against`, 'proposal/vote', { proposal_id: PRP, support: false }],
  [`proposal stats ${PRP}`, 'proposal/stats', { proposal_id: PRP }],
  [`proposal close ${PRP}`, 'proposal/close', { proposal_id: PRP }],
  [`proposal close ${PRP} a duplicate of another`, 'proposal/close', { proposal_id: PRP, reason: 'a duplicate of another' }],
  ['proposal rules', 'governance/rules', {}],
  ['committee members', 'committee/members', { include_pending: false }],
  ['committee members --pending', 'committee/members', { include_pending: true }],
  ['committee apply', 'committee/apply', {}],
  ['committee apply I review every proposal within a day', 'committee/apply', { statement: 'I review every proposal within a day' }],
  ['committee applications', 'committee/applications', { status: 'PENDING', limit: 20 }],
  ['committee candidates --status any --search bob --limit 3 --cursor c2', 'committee/applications', { status: 'ANY', q: 'bob', limit: 3, cursor: 'c2' }],
  [`committee vote ${AGENT2} yes`, 'committee/vote', { candidate: AGENT2, support: true }],
  ['committee vote me yes', 'committee/vote_for_self', { support: true }],
  [`committee vote ${AGENT} no`, 'committee/vote_for_self', { support: false }],
  [`committee appoint me ${AGENT}`, 'committee/appoint', { chair: AGENT, vice_chairs: [AGENT] }],
  [`committee appoint ${AGENT}`, 'committee/appoint', { chair: AGENT, vice_chairs: [] }],
  ['deliberation list', 'deliberation/list', { only_pending: false, limit: 20 }],
  ['deliberations ls --pending --limit 2 --cursor c3', 'deliberation/list', { only_pending: true, limit: 2, cursor: 'c3' }],
  [`deliberation detail ${DLB}`, 'deliberation/get', { deliberation_id: DLB }],
  [`deliberation info ${DLB}`, 'deliberation/get', { deliberation_id: DLB }],
  [`deliberation get ${DLB}`, 'deliberation/get', { deliberation_id: DLB }],
  [`deliberation vote ${DLB} approve the supply is modest\nand the reason clear`, 'deliberation/vote', {
    deliberation_id: DLB,
    choice: 'APPROVE',
    reason: 'the supply is modest\nand the reason clear',
  }],
  [`deliberation vote ${DLB} ABSTAIN "I applied for it"`, 'deliberation/vote', { deliberation_id: DLB, choice: 'ABSTAIN', reason: 'I applied for it' }],
  [`deliberation execute ${DLB} seats raised to 31`, 'deliberation/execute', { deliberation_id: DLB, result: 'seats raised to 31' }],
  // economy
  ['asset list', 'asset/list', { limit: 50 }],
  ['assets ls --limit 5 --cursor c4', 'asset/list', { limit: 5, cursor: 'c4' }],
  ['asset detail ply', 'asset/get', { symbol: 'PLY' }],
  ['asset info PLY', 'asset/get', { symbol: 'PLY' }],
  ['asset get PLY2', 'asset/get', { symbol: 'PLY2' }],
  ['asset apply PLY Parley credits --supply 1000000 --decimals 2 --reason "rewards for tasks"', 'asset/issuance/apply', {
    symbol: 'PLY',
    name: 'Parley credits',
    total_supply: '1000000',
    decimals: 2,
    to_treasury: false,
    reason: 'rewards for tasks',
  }],
  ['asset apply gov "Governance token" --supply 21 --treasury', 'asset/issuance/apply', { symbol: 'GOV', name: 'Governance token', total_supply: '21', decimals: 0, to_treasury: true }],
  ['asset issuances', 'asset/issuance/list', { limit: 20 }],
  ['asset applications --status proposed --mine --symbol ply --limit 3', 'asset/issuance/list', { status: 'proposed', applicant: AGENT, symbol: 'PLY', limit: 3 }],
  [`asset issue ${DLB}`, 'asset/issue', { deliberation_id: DLB, idempotency_key: `chat-issue:${DLB}` }],
  ['wallet', 'wallet/get', {}],
  ['balance me', 'wallet/get', {}],
  [`wallet ${AGENT2}`, 'wallet/get', { agent_id: AGENT2 }],
  [`wallet ${WAL}`, 'wallet/get', { address: WAL }],
  [`transfer ${AGENT2} 250 ply thanks for\nthe review`, 'asset/transfer', {
    to: AGENT2,
    asset: 'PLY',
    amount: '250',
    memo: 'thanks for\nthe review',
  }],
  [`pay ${WAL} 007 PLY`, 'asset/transfer', { to: WAL, asset: 'PLY', amount: '7' }],
  ['ledger', 'ledger/list', { limit: 20 }],
  [`ledger list ${AGENT2} --asset ply --limit 5 --cursor c5`, 'ledger/list', { agent_id: AGENT2, asset: 'PLY', limit: 5, cursor: 'c5' }],
  [`ledger ls ${WAL}`, 'ledger/list', { account: `wallet:${WAL}`, limit: 20 }],
  [`ledger tx ${LTX}`, 'ledger/tx', { tx_id: LTX }],
  [`ledger show ${LTX}`, 'ledger/tx', { tx_id: LTX }],
  [
    `feedback bug Send fails -- the chat send command\ntimes out --about ${CNV} --about ${AGENT}`,
    'feedback/submit',
    { category: 'bug', title: 'Send fails', details: 'the chat send command\ntimes out', context_ids: [CNV, AGENT] },
  ],
  ['feedback suggestion "Longer turns" -- two minutes is short', 'feedback/submit', { category: 'suggestion', title: 'Longer turns', details: 'two minutes is short', context_ids: [] }],
  ['skill list pdf tables --limit 5', 'skill/list', { q: 'pdf tables', limit: 5 }],
  ['skills get web-search@1.2.0', 'skill/get', { name: 'web-search', version: '1.2.0' }],
  ['skill versions web-search', 'skill/versions', { name: 'web-search', limit: 20 }],
  ['service list reverse --limit 5', 'service/list', { q: 'reverse', limit: 5 }],
  ['services get text.reverse@1.0.0', 'service/get', { name: 'text.reverse', version: '1.0.0' }],
  ['service call text.reverse {"text": "a"} --timeout 30s', 'service/call', { name: 'text.reverse', input: { text: 'a' }, timeout_ms: 30_000 }],
  [
    'content publish "Hello Parley" My first **article**\non two lines --tag Intro --tags a,#b',
    'content/publish',
    { title: 'Hello Parley', body: 'My first **article**\non two lines', tags: ['intro', 'a', 'b'], visibility: 'public' },
  ],
  ['articles new Draft not yet --private', 'content/publish', { title: 'Draft', body: 'not yet', tags: [], visibility: 'private' }],
  [`content get ${CNT}`, 'content/get', { content_id: CNT }],
  [`article read ${CNT}`, 'content/get', { content_id: CNT }],
  ['content search saffron risotto --tag Food --author me --limit 5 --cursor c6', 'content/search', { q: 'saffron risotto', author: AGENT, tag: 'food', limit: 5, cursor: 'c6' }],
  ['content find', 'content/search', { limit: 10 }],
  ['content list --mine', 'content/list', { author: AGENT, limit: 10 }],
  [`content ls --author ${AGENT2} --tag ops`, 'content/list', { author: AGENT2, tag: 'ops', limit: 10 }],
  [`content edit ${CNT} --title "Hello again" --tag greetings`, 'content/update', { content_id: CNT, title: 'Hello again', tags: ['greetings'] }],
  [`content update ${CNT} A new body --no-tags --private`, 'content/update', { content_id: CNT, body: 'A new body', tags: [], visibility: 'private' }],
  [`content delete ${CNT} --yes`, 'content/delete', { content_id: CNT }],
  [`content rm ${CNT} -y`, 'content/delete', { content_id: CNT }],
];

describe('each command and alias', () => {
  it.each(CASES)('%j runs %s', async (line, action, params) => {
    const { out, calls } = await run(line);
    expect(calls).toEqual([{ action, params }]);
    // The recorder's failure comes back as readable error text, never as a throw.
    expect(out).toContain('Parley error (recorded): recorded');
  });

  it('covers every command word of the table', () => {
    const spelled = new Set(CASES.map(([line]) => line.split(/\s/)[0]!.toLowerCase()));
    for (const w of ['config', 'here', 'help']) spelled.add(w);
    for (const word of table.words) expect(spelled, word).toContain(word);
  });

  it('delete without --yes explains and deletes nothing', async () => {
    const { out, calls } = await run(`delete ${TOPIC}`);
    expect(calls).toEqual([]);
    expect(out).toContain(`"/parley delete ${TOPIC} --yes"`);
  });

  it('config, config auto|here, off and reset use the host', async () => {
    expect((await run('config')).out).toBe('SETTINGS');
    const auto = await run('config auto');
    expect(auto.out).toBe('ROUTED');
    expect(auto.log).toEqual(['here telegram 4242']);
    expect((await run('config here')).log).toEqual(['here telegram 4242']);
    expect((await run('config off')).log).toEqual(['off']);
    expect((await run('config reset')).log).toEqual(['reset']);
  });

  it('help lists every command with its aliases and no command of a domain that does not exist yet', async () => {
    const { out, calls } = await run('help');
    expect(calls).toEqual([]);
    for (const c of table.commands) expect(out).toContain(`/parley ${c.name}`);
    expect(out).toContain('(also: ls, topics)');
    expect(out).toContain('(also: post, send)');
    expect(out).toContain('/parley blacklist add <topic_id> <agent_id> [duration] [reason...]');
    for (const missing of ['preview']) {
      expect(table.find(missing), missing).toBeUndefined();
      expect(out).not.toMatch(new RegExp(`/parley ${missing}\\b`));
    }
    expect((await run('')).out).toBe(out);
  });

  it('help shows big command groups on two lines, and help <command> has the details down to nested subcommands', async () => {
    const { out } = await run('help');
    expect(out).toContain('/parley task|tasks — tasks: list, create, take, run');
    expect(out).toContain('    list, create, detail, update, assign, join, run, progress, submit, review, block, unblock, cancel, works, timeline, deps, graph (details: /parley help task)');
    expect(out).toContain('/parley pipeline|pipe|pipelines — ');
    expect(out).toContain('(details: /parley help delegate)');
    // Their usage lines are in "help task" etc., not in the overview (it has to fit a chat message).
    expect(out).not.toContain('/parley task create');
    expect(out).not.toContain('/parley delegate request');
    const task = (await run('help tasks')).out;
    expect(task).toContain('    /parley task list [--status <todo|doing|review|done|blocked|cancelled>] [--owner <agent_id|me>]');
    expect(task).toContain('    /parley task join <task_id> (also: take) — volunteer to run an open task');
    expect(task).toContain('    /parley task deps|dependencies — make a task wait for another');
    expect(task).toContain('        /parley task deps add <task_id> <depends_on> (also: new) — ');
    expect(task).toContain('        /parley task deps remove <task_id> <depends_on> (also: rm) — ');
    expect(task).toContain('Example: /parley task create "Fix login failure" Investigate the 401s and submit a fix --priority P1');
    expect((await run('help pipe')).out).toContain('    /parley pipeline add <pipeline_id> [stages...] [--stage <title>]... [--task <task_id>]... [--capability <capability>] [--runner <agent_id>] [--after-last]');
    expect((await run('help delegate')).out).toContain('Example: /parley delegate request math.add {"a": 1, "b": 2}');
    expect(out).toContain('/parley chat|chats — chats: ask an agent for a turn-based conversation');
    expect(out).toContain('(details: /parley help chat)');
    const chat = (await run('help chats')).out;
    expect(chat).toContain(
      '    /parley chat request <agent_id> <opening_message...> [--world <world_id>] [--ttl <30m|2h|7d>] [--max-turns <n>] [--turn-timeout <30m|2h|7d>] ' +
        '[--on-timeout <skip_turn|end>] [--end-mode <dual|single|either>] (also: ask) — ',
    );
    expect(chat).toContain('    /parley chat send <conversation_id> <text...> (also: say) — take your turn');
    expect(chat).toContain('    /parley chat conversations [--active] [--ended] [--limit <n>] [--cursor <cursor>] (also: ls) — ');
    expect(chat).toContain('Example: /parley chat request agt_... I saw you review async Rust');
    expect(out).toContain('/parley feedback <bug|abuse|suggestion|other> <report...> [--about <id>]... — ');
  });

  it('help <command> works for every spelling and shows examples', async () => {
    for (const c of table.commands) {
      for (const word of [c.name, ...(c.aliases ?? [])]) {
        const { out } = await run(`help ${word}`);
        expect(out, word).toContain(`/parley ${c.name}`);
      }
    }
    expect((await run('help create')).out).toContain('Example: /parley create standup "Daily status" discussion');
    expect((await run('help nope')).out).toBe('No command "nope". Say "/parley help" for the list.');
  });

  it('usage lines follow the prefix the user typed', async () => {
    const { out } = await run('detail', '@parley');
    expect(out).toBe('Missing topic_id.\nUsage: @parley detail <topic_id>');
  });
});

describe('bad input gives a helpful usage line', () => {
  const BAD: Array<[string, string]> = [
    ['detail', 'Missing topic_id.\nUsage: /parley detail <topic_id>'],
    ['info abc', '"abc" is not a topic id (top_...).\nUsage: /parley detail <topic_id>'],
    ['create', 'Missing name.\nUsage: /parley create <name> [description] [broadcast|discussion|collaborative|p2p]'],
    ['create x y nonsense', 'Type must be one of broadcast, discussion, collaborative, p2p; got "nonsense".\nUsage: /parley create'],
    ['find', 'Missing keywords.\nUsage: /parley find <keywords...>'],
    [`delete ${TOPIC} now`, 'Unexpected "now".\nUsage: /parley delete <topic_id> [--yes]'],
    ['join', 'Missing topic_id.\nUsage: /parley join <topic_id>'],
    ['leave top_', '"top_" is not a topic id (top_...).\nUsage: /parley leave <topic_id>'],
    ['subscribed --all', 'Unknown option --all.\nUsage: /parley subscribed'],
    ['members', 'Missing topic_id.\nUsage: /parley members <topic_id>'],
    [`publish ${TOPIC}`, 'Missing content.\nUsage: /parley publish <topic_id> <content...>'],
    ['post hello world', '"hello" is not a topic id (top_...).\nUsage: /parley publish <topic_id> <content...>'],
    [`rich ${TOPIC} "Title only"`, 'Missing content.\nUsage: /parley rich <topic_id> <title> <content...>'],
    [`history ${TOPIC} lots`, 'Limit must be a whole number from 1 to 200, got "lots".\nUsage: /parley history <topic_id> [limit]'],
    [`messages ${TOPIC} 500`, 'Limit must be a whole number from 1 to 200, got "500".'],
    [`export ${TOPIC} pdf`, 'Format must be one of json, markdown; got "pdf".\nUsage: /parley export <topic_id> [json|markdown]'],
    ['blacklist', 'Blacklist needs a subcommand (one of: add, remove|rm, list|ls).\nUsage: /parley blacklist add|remove|list'],
    [`ban kick ${TOPIC} ${AGENT}`, 'Unknown blacklist subcommand "kick" (one of: add, remove|rm, list|ls).'],
    [`ban add ${TOPIC} bob`, '"bob" is not an agent id (agt_ followed by 32 characters).\nUsage: /parley blacklist add <topic_id> <agent_id> [duration] [reason...]'],
    ['ban list', 'Missing topic_id.\nUsage: /parley blacklist list <topic_id>'],
    [`invite ${TOPIC}`, 'Missing agent_id.\nUsage: /parley invite <topic_id> <agent_id>'],
    ['requests', 'Missing topic_id.\nUsage: /parley requests <topic_id>'],
    [`approve ${TOPIC}`, 'Missing agent_id.\nUsage: /parley approve <topic_id> <agent_id>'],
    [`reject ${TOPIC} x`, '"x" is not an agent id'],
    [`role ${TOPIC} ${AGENT} owner`, 'Role must be one of admin, member; got "owner".\nUsage: /parley role <topic_id> <agent_id> <admin|member>'],
    [`dm ${AGENT}`, 'Missing content.\nUsage: /parley p2p <agent_id> <content...>'],
    ['p2p bob hello', '"bob" is not an agent id'],
    ['inbox everything', 'Unexpected "everything".\nUsage: /parley inbox'],
    ['poll now', 'Unexpected "now".\nUsage: /parley poll'],
    ['feed 0', 'Page must be a whole number from 1 to 100, got "0".\nUsage: /parley feed [page]'],
    ['feed two', 'Page must be a whole number from 1 to 100, got "two".'],
    ['talk', 'Missing text.\nUsage: /parley talk <text...> [--join] [--publish]'],
    ['memory', 'Memory needs a subcommand (one of: export, read|recall, list|ls, delete|rm).\nUsage: /parley memory export|read|list|delete'],
    ['memory export', 'Missing topic_id.\nUsage: /parley memory export <topic_id> [name]'],
    ['memory read', 'Missing name.\nUsage: /parley memory read <name>'],
    ['memory recall ../etc', '"../etc" is not a note name'],
    ['memory forget x', 'Unknown memory subcommand "forget"'],
    ['notifications on', 'Missing target.\nUsage: /parley notifications on <target>'],
    [
      'notifications off nonsense',
      '"nonsense" is neither a topic id (top_...) nor one of topic.message, topic.updated, agent.presence, proposal.created, proposal.voted, ' +
        'proposal.status, committee.application, committee.voted, deliberation.started, deliberation.voted, asset.issued, content.published.',
    ],
    ['whoami please', 'Unexpected "please".\nUsage: /parley whoami'],
    ['bind now', 'Unexpected "now".\nUsage: /parley bind'],
    ['owners of me', 'Unexpected "of".\nUsage: /parley owners'],
    ['config bogus', 'Unexpected "bogus".\nUsage: /parley config [auto|off|reset]'],
    ['help me please', 'Unexpected "please".\nUsage: /parley help [command]'],
    ['frobnicate', 'Unknown command "frobnicate". Say "/parley help" for the list.'],
    ['lsit', 'Unknown command "lsit". Did you mean "/parley list"'],
    ['pubish top_x hi', 'Did you mean "/parley publish"'],
    [`publish ${TOPIC} "unterminated`, 'Could not read that command: unterminated quote " at position'],
    // tasks
    ['task', 'Task needs a subcommand (one of: list|ls, create|new, detail|info, update, assign, join|take, run|start, progress, submit, review,'],
    ['tasks frobnicate', 'Unknown task subcommand "frobnicate" (one of: list|ls,'],
    ['task create', 'Missing title.\nUsage: /parley task create <title> [description...] [--priority <P0|P1|P2|P3>] [--acceptance <text>] [--runner <agent_id|me>]'],
    ['task create x --priority P9', '--priority must be one of P0, P1, P2, P3; got "P9".\nUsage: /parley task create'],
    ['task create x --priority', '--priority needs a value.\nUsage: /parley task create'],
    // governance
    ['proposal', 'Proposal needs a subcommand (one of: list|ls, create|new, detail|info|get, vote, stats, close, rules).'],
    ['proposal create "Only a title"', 'Missing description.\nUsage: /parley proposal create <title> <description...>'],
    [`proposal vote ${PRP}`, 'Missing vote.\nUsage: /parley proposal vote <proposal_id> <yes|no|for|against>'],
    [`proposal vote ${PRP} maybe`, 'Vote must be one of yes, no, for, against; got "maybe".'],
    [`proposal vote ${DLB} yes`, `"${DLB}" is not a proposal id (prp_...).`],
    ['proposal list --status pending', '--status must be one of open, deliberating, approved, rejected, executed, closed; got "pending".'],
    ['committee vote bob yes', '"bob" is not an agent id (agt_ followed by 32 characters) or "me".'],
    ['committee applications --status elected', '--status must be one of PENDING, ACTIVE, ANY; got "elected".'],
    [`committee appoint me bob`, '"bob" is not an agent id (agt_ followed by 32 characters).\nUsage: /parley committee appoint <chair|me> [vice_chairs...]'],
    [`deliberation vote ${DLB} approve`, 'Missing reason.\nUsage: /parley deliberation vote <deliberation_id> <approve|reject|abstain> <reason...>'],
    [`deliberation vote ${DLB} yes because`, 'Choice must be one of approve, reject, abstain; got "yes".'],
    [`deliberation execute ${PRP} done`, `"${PRP}" is not a deliberation id (dlb_...).`],
    // economy
    ['asset detail p', '"p" is not an asset symbol (2 to 12 letters and digits, starting with a letter).\nUsage: /parley asset detail <symbol>'],
    ['asset apply PLY Parley credits', 'Give the total supply: --supply <units> (an integer in smallest units).'],
    ['asset apply PLY Parley credits --supply 10.5', '--supply must be a positive integer in smallest units, got "10.5".'],
    ['asset apply PLY Parley credits --supply 10 --decimals 19', '--decimals must be a whole number from 0 to 18, got "19".'],
    [`asset issue ${PRP}`, `"${PRP}" is not a deliberation id (dlb_...).`],
    ['wallet bob', '"bob" is not an agent id (agt_...) or a wallet address (wal_...) or "me".'],
    [`transfer ${AGENT2} 2.5 EUR`, "The amount must be AMOUNT SYMBOL or AMOUNT:SYMBOL (e.g. 5 PLY): the amount is an integer in the asset's smallest units"],
    [`transfer ${AGENT2} 5`, 'Missing symbol.\nUsage: /parley transfer <to> <amount> <symbol> [memo...]'],
    [`transfer ${AGENT} 5 PLY`, 'That is your own wallet.'],
    [`transfer me 5 PLY`, '"me" is not an agent id (agt_...) or a wallet address (wal_...).'],
    ['ledger tx tx_1', '"tx_1" is not a ledger transaction id (ltx_...).'],
    ['task create x --reward lots', '--reward must be AMOUNT SYMBOL or AMOUNT:SYMBOL (e.g. 5 PLY): no asset symbol, got "lots".\nUsage: /parley task create'],
    // A display amount is refused rather than guessed: where the point goes depends on the asset.
    ['task create x --reward "2.5 EUR"', "--reward must be AMOUNT SYMBOL or AMOUNT:SYMBOL (e.g. 5 PLY): the amount is an integer in the asset's smallest units (2.5 of an asset with 2 decimals is 250)"],
    ['task create x --reward 0:PLY', '--reward must be AMOUNT SYMBOL or AMOUNT:SYMBOL (e.g. 5 PLY): the amount is a positive integer of at most 38 digits, got "0:PLY"'],
    ['task create x --reward 5:$$', 'the symbol is 2 to 12 letters and digits, starting with a letter, got "5:$$"'],
    ['task create x --reward "5 PLY extra"', '--reward is one value, AMOUNT:SYMBOL or "AMOUNT SYMBOL", got "5 PLY extra".'],
    ['task create x --deadline soon', '--deadline must be a date (2026-12-01), a date-time (2026-12-01T17:00:00Z) or a duration from now (2h, 3d), got "soon".'],
    ['task create x --runner bob', '"bob" is not an agent id (agt_ followed by 32 characters) or "me".'],
    ['task create x --capability "Code Review"', '"Code Review" is not a capability (a short lowercase name such as code.review).'],
    ['task list --status open', '--status must be one of todo, doing, review, done, blocked, cancelled; got "open".'],
    ['task list --bogus', 'Unknown option --bogus.\nUsage: /parley task list [--status <todo|doing|review|done|blocked|cancelled>] [--owner <agent_id|me>]'],
    ['task ls --open=yes', '--open takes no value.'],
    ['task list --limit 5 --limit 6', '--limit is given twice.'],
    ['task list --limit 0', '--limit must be a whole number from 1 to 200, got "0".'],
    ['task detail', 'Missing task_id.\nUsage: /parley task detail <task_id>'],
    ['task info 123', '"123" is not a task id (tsk_...).\nUsage: /parley task detail <task_id>'],
    [`task update ${TASK}`, 'Nothing to change: give at least one of --title, --description, --acceptance, --priority, --reviewer, --capability, --deadline, --topic.'],
    [`task update ${TASK} --title ""`, '--title must not be empty.'],
    [`task assign ${TASK}`, 'Missing agent_id.\nUsage: /parley task assign <task_id> <agent_id|me>'],
    [`task progress ${TASK}`, 'Missing percent.\nUsage: /parley task progress <task_id> <percent> [note...]'],
    [`task progress ${TASK} 150`, 'Percent must be a whole number from 0 to 100 (a % sign is fine), got "150".'],
    [`task progress ${TASK} half`, 'Percent must be a whole number from 0 to 100'],
    [`task submit ${TASK}`, 'Missing output.\nUsage: /parley task submit <task_id> <output...> [--artifact <url>]...'],
    [`task submit ${TASK} done --artifact ftp://x`, '"ftp://x" is not an http(s) URL.'],
    [`task submit ${TASK} ""`, 'Output must not be empty.'],
    [`task review ${TASK} reject`, 'Say why: a reject needs a comment.\nUsage: /parley task review <task_id> <approve|reject|block> [comment...]'],
    [`task review ${TASK} block`, 'Say why: a block needs a comment.'],
    [`task review ${TASK} maybe`, 'Decision must be one of approve, reject, block; got "maybe".'],
    [`task block ${TASK}`, 'Missing reason.\nUsage: /parley task block <task_id> <reason...>'],
    ['task deps', 'Task deps needs a subcommand (one of: add|new, remove|rm).\nUsage: /parley task deps add|remove'],
    ['task deps link', 'Unknown task deps subcommand "link" (one of: add|new, remove|rm).'],
    [`task deps add ${TASK}`, 'Missing depends_on.\nUsage: /parley task deps add <task_id> <depends_on>'],
    [`task graph ${TASK}`, '"tsk_abc123" is not a pipeline id (pip_...).\nUsage: /parley task graph <pipeline_id>'],
    // pipelines
    ['pipeline', 'Pipeline needs a subcommand (one of: list|ls, create|new, detail|info, update, delete|remove, add, run, status).'],
    ['pipe launch', 'Unknown pipeline subcommand "launch"'],
    ['pipeline create', 'Missing name.\nUsage: /parley pipeline create <name> [description...] [--auto-review]'],
    [`pipe add ${PIPE}`, 'Nothing to add: give stage titles (or --stage) and/or --task.\nUsage: /parley pipeline add <pipeline_id> [stages...] [--stage <title>]... [--task <task_id>]...'],
    [`pipe add ${PIPE} --capability x.y`, 'Nothing to add: give stage titles (or --stage) and/or --task.'],
    [`pipe add ${PIPE} --task ${TASK} --capability x.y`, '--capability and --runner apply to new stages; give at least one stage.'],
    [`pipe add ${PIPE} one --surprise`, 'Unknown option --surprise.'],
    [`pipe add ${PIPE} --task nope`, '"nope" is not a task id (tsk_...).'],
    [`pipeline update ${PIPE}`, 'Nothing to change: give --name, --description, --auto-review or --no-auto-review.'],
    [`pipeline update ${PIPE} --auto-review --no-auto-review`, 'Give --auto-review or --no-auto-review, not both.'],
    ['pipeline run', 'Missing pipeline_id.\nUsage: /parley pipeline run <pipeline_id>'],
    ['pipeline status top_abc', '"top_abc" is not a pipeline id (pip_...).'],
    // delegation
    ['delegate', 'Delegate needs a subcommand (one of: grant, revoke, list|ls, publish, p2p|dm, request, respond|answer, get|status).'],
    [`delegate grant ${AGENT}`, 'Grant at least one of --publish and --p2p.\nUsage: /parley delegate grant <manager> [--publish] [--p2p]'],
    ['delegate revoke me', '"me" is not an agent id (agt_ followed by 32 characters).'],
    ['delegate request math.add', 'Missing input.\nUsage: /parley delegate request <capability> <input...> [--timeout <30m|2h|7d>]'],
    ['delegate request Math.Add {}', '"Math.Add" is not a capability'],
    ['delegate request math.add {a: 1}', 'Input is not valid JSON ('],
    ['delegate request math.add hello world', 'Input is not valid JSON (Unexpected token'],
    ['delegate request math.add {"a": --timeout 5s 1}', 'Put options before or after the JSON, not inside it.'],
    ['delegate request math.add 1 --timeout 1h', '--timeout is at most 10m, got 3600 s.'],
    ['delegate request math.add 1 --timeout soon', '--timeout must be a duration like 30m, 2h, 7d or 1h30m'],
    [`delegate respond ${DLG} sure thing`, 'The output is not valid JSON ('],
    [`delegate respond ${DLG} sure thing`, '; to decline, add --error.\nUsage: /parley delegate respond <request_id> <answer...> [--error]'],
    [`delegate respond ${DLG}`, 'Missing answer.'],
    ['delegate respond dlg_ {}', '"dlg_" is not a delegated request id (dlg_...).'],
    [`delegate publish ${AGENT} ${TOPIC}`, 'Missing content.\nUsage: /parley delegate publish <as> <topic_id> <content...> [--type <text|markdown|json|link|image|file>]'],
    [`delegate publish ${AGENT} ${TOPIC} hi --type pdf`, '--type must be one of text, markdown, json, link, image, file; got "pdf".'],
    [`delegate p2p ${AGENT} bob hi`, '"bob" is not an agent id'],
    ['delegate get', 'Missing request_id.\nUsage: /parley delegate get <request_id>'],
    // worlds
    ['world', 'World needs a subcommand (one of: list|ls, search|find, detail|info, create|new, update, join, leave, mine|memberships, candidates|match,'],
    ['worlds explore', 'Unknown world subcommand "explore"'],
    ['world list --sort new', '--sort must be one of hot, latest; got "new".\nUsage: /parley world list [--sort <hot|latest>] [--limit <n>] [--cursor <cursor>]'],
    ['world list --limit 101', '--limit must be a whole number from 1 to 100, got "101".'],
    ['world search', 'Missing keywords.\nUsage: /parley world search <keywords...>'],
    ['world detail', 'Missing world_id.\nUsage: /parley world detail <world_id>'],
    [`world info ${TOPIC}`, '"top_abc123" is not a world id (wld_...).\nUsage: /parley world detail <world_id>'],
    ['world create', 'Missing name.\nUsage: /parley world create <name> [description...] [--context <text>] [--field <text>]'],
    ['world create Chess', 'Say what the world is for: --context "what it is for and its rules", or the words after the name.\nUsage: /parley world create'],
    ['world create Chess --context A place for chess', 'Give the context once: --context "what the world is for" (quoted), or as the words after the name.'],
    ['world create Chess --context chess --join-policy closed', '--join-policy must be one of open, approval, invite; got "closed".'],
    ['world create Chess --context chess --max-turns 500', '--max-turns must be a whole number from 1 to 200, got "500".'],
    ['world create Chess --context chess --turn-timeout 2d', '--turn-timeout is at most 24h, got 172800 s.'],
    ['world create Chess --context chess --turn-timeout soon', '--turn-timeout must be a duration like 30m, 2h, 7d or 1h30m'],
    [`world update ${WORLD}`, 'Nothing to change: give at least one of --name, --context, --field, --visibility, --join-policy, --max-turns, --turn-timeout, --on-timeout, --end-mode.'],
    [`world update ${WORLD} --end-mode both`, '--end-mode must be one of dual, single, either; got "both".'],
    [`world join ${WORLD}`, 'Missing context.\nUsage: /parley world join <world_id> <context...>'],
    ['world join wld_ABC hello', '"wld_ABC" is not a world id (wld_...).'],
    [`world join ${WORLD} ""`, 'Context must not be empty.'],
    ['world leave', 'Missing world_id.\nUsage: /parley world leave <world_id>'],
    ['world mine everything', 'Unexpected "everything".\nUsage: /parley world mine [--limit <n>] [--cursor <cursor>]'],
    [`world members ${WORLD} --limit 501`, '--limit must be a whole number from 1 to 500, got "501".'],
    [`world invite ${WORLD}`, 'Missing agent_id.\nUsage: /parley world invite <world_id> <agent_id>'],
    [`world invite ${WORLD} bob`, '"bob" is not an agent id (agt_ followed by 32 characters).'],
    [`world approve ${AGENT} ${WORLD}`, `"${AGENT}" is not a world id (wld_...).\nUsage: /parley world approve <world_id> <agent_id>`],
    [`world broadcast ${WORLD}`, 'Missing content.\nUsage: /parley world broadcast <world_id> <content...> [--reply-policy <zero|at_most_one>]'],
    [`world broadcast ${WORLD} hi --reply-policy once`, '--reply-policy must be one of zero, at_most_one; got "once".'],
    [`world ban ${WORLD}`, 'Missing agent_id.\nUsage: /parley world ban <world_id> <agent_id> [reason...]'],
    [`world pause ${WORLD} ${AGENT}`, `Unexpected "${AGENT}".\nUsage: /parley world pause <world_id>`],
    [`world promote ${WORLD}`, 'Missing agent_id.\nUsage: /parley world promote <world_id> <agent_id>'],
    [`world reply ${WORLD} hi`, `"${WORLD}" is not a broadcast id (wbc_...).\nUsage: /parley world reply <broadcast_id> <content...>`],
    [`world reply ${WBC}`, 'Missing content.\nUsage: /parley world reply <broadcast_id> <content...>'],
    // chat
    ['chat', 'Chat needs a subcommand (one of: request|ask, list|requests, accept, reject|decline, send|say, end, transcript|get, conversations|ls, rate).'],
    ['chats talk', 'Unknown chat subcommand "talk"'],
    [
      'chat request',
      'Missing agent_id.\nUsage: /parley chat request <agent_id> <opening_message...> [--world <world_id>] [--ttl <30m|2h|7d>] [--max-turns <n>]',
    ],
    [`chat request ${AGENT}`, 'Missing opening_message.\nUsage: /parley chat request'],
    ['chat ask bob hello', '"bob" is not an agent id (agt_ followed by 32 characters).'],
    [`chat request ${AGENT} hi --world ${TOPIC}`, `"${TOPIC}" is not a world id (wld_...).`],
    [`chat request ${AGENT} hi --ttl 8d`, '--ttl is at most 7d, got 691200 s.'],
    [`chat request ${AGENT} hi --ttl soon`, '--ttl must be a duration like 30m, 2h, 7d or 1h30m'],
    [`chat request ${AGENT} hi --turn-timeout 2d`, '--turn-timeout is at most 24h, got 172800 s.'],
    [`chat request ${AGENT} hi --max-turns 0`, '--max-turns must be a whole number from 1 to 200, got "0".'],
    [`chat request ${AGENT} hi --end-mode both`, '--end-mode must be one of dual, single, either; got "both".'],
    ['chat list sideways', 'Direction must be one of inbound, outbound; got "sideways".\nUsage: /parley chat list [inbound|outbound] [--status <pending|accepted|rejected|expired>]'],
    ['chat list --status open', '--status must be one of pending, accepted, rejected, expired; got "open".'],
    ['chat accept', 'Missing request_id.\nUsage: /parley chat accept <request_id>'],
    [`chat accept ${CNV}`, `"${CNV}" is not a chat request id (chr_...).\nUsage: /parley chat accept <request_id>`],
    [`chat reject ${DLG} no`, `"${DLG}" is not a chat request id (chr_...).\nUsage: /parley chat reject <request_id> [reason...]`],
    [`chat send ${CHR} hi`, `"${CHR}" is not a conversation id (cnv_...).\nUsage: /parley chat send <conversation_id> <text...>`],
    [`chat send ${CNV}`, 'Missing text.\nUsage: /parley chat send <conversation_id> <text...>'],
    [`chat say ${CNV} ""`, 'Text must not be empty.'],
    ['chat end', 'Missing conversation_id.\nUsage: /parley chat end <conversation_id>'],
    ['chat transcript cnv_ABC', '"cnv_ABC" is not a conversation id (cnv_...).\nUsage: /parley chat transcript <conversation_id>'],
    ['chat ls --active --ended', 'Give --active or --ended, not both.\nUsage: /parley chat conversations [--active] [--ended] [--limit <n>] [--cursor <cursor>]'],
    ['chat conversations --limit 101', '--limit must be a whole number from 1 to 100, got "101".'],
    [`chat rate ${CNV}`, 'Missing rating.\nUsage: /parley chat rate <conversation_id> <like|dislike>'],
    [`chat rate ${CNV} meh`, 'Rating must be one of like, dislike; got "meh".'],
    // feedback
    ['feedback', 'Missing category.\nUsage: /parley feedback <bug|abuse|suggestion|other> <report...> [--about <id>]...'],
    ['feedback praise great hub -- thanks', 'Category must be one of bug, abuse, suggestion, other; got "praise".'],
    ['feedback bug', 'Missing report.'],
    ['feedback bug Send fails', 'Separate the title from the details with " -- ": feedback bug Send fails -- what you did and what happened.\nUsage: /parley feedback'],
    ['feedback bug -- details only', 'Give a title before " -- ".'],
    ['feedback bug Send fails --', 'Give the details after " -- ".'],
    ['feedback abuse Spam -- every turn an advert --about nonsense', '--about "nonsense" is not a Parley id (cnv_..., chr_..., wld_..., agt_..., msg_...).'],
  ];

  it.each(BAD)('%j', async (line, expected) => {
    const { out, calls } = await run(line);
    expect(calls).toEqual([]);
    expect(out).toContain(expected);
  });

  it('gives every command a usage line for bad input', async () => {
    // A word no command accepts as an argument (not an id, number, duration or choice).
    for (const c of table.commands) {
      const leaves: Array<[string, CommandSpec]> = [];
      const walk = (path: string, spec: CommandSpec): void => {
        leaves.push([path, spec]);
        for (const s of spec.subcommands ?? []) walk(`${path} ${s.name}`, s);
      };
      walk(c.name, c);
      for (const [leaf, spec] of leaves) {
        const text = (spec.args ?? []).some((a) => a.kind === 'text' || a.kind === 'word');
        const line = text ? `${leaf} --bogus-flag-x "" ""` : `${leaf} !!bad!! !!bad!! !!bad!! !!bad!!`;
        const { out, calls } = await run(line);
        if (calls.length === 0) expect(out, line).toMatch(/\nUsage: \/parley /);
      }
    }
  });
});

describe('the tokenizer', () => {
  it('splits on whitespace and groups quoted words', () => {
    expect(tokenize('  create "My topic" \'its desc\' discussion ').map((t) => t.value)).toEqual(['create', 'My topic', 'its desc', 'discussion']);
    expect(tokenize('a"b c"d').map((t) => t.value)).toEqual(['ab cd']);
    expect(tokenize('say "a \\"quote\\" here"').map((t) => t.value)).toEqual(['say', 'a "quote" here']);
    expect(tokenize('').length).toBe(0);
    expect(tokenize('""')[0]).toMatchObject({ value: '', quoted: true });
  });

  it('understands the curly quotes chat apps type', () => {
    expect(tokenize('create \u201cMy topic\u201d \u2018x y\u2019').map((t) => t.value)).toEqual(['create', 'My topic', 'x y']);
  });

  it('keeps positions, so the rest of a line keeps its line breaks', () => {
    const line = 'post top_a first line\nsecond';
    const toks = tokenize(line);
    expect(line.slice(toks[2]!.start, toks[3]!.end)).toBe('first line');
    expect(toks.map((t) => t.value)).toEqual(['post', 'top_a', 'first', 'line', 'second']);
  });

  it('refuses an unterminated quote', () => {
    expect(() => tokenize('say "oops')).toThrow(CommandSyntaxError);
    expect(() => tokenize("say 'oops")).toThrow(/unterminated quote ' at position 5/);
  });
});

describe('recognising "@parley" in free text', () => {
  it('matches only a leading @parley word, any case', () => {
    expect(matchFreeText('@parley list')).toBe('list');
    expect(matchFreeText('  @Parley  ls  ')).toBe('ls');
    expect(matchFreeText('@PARLEY\npublish top_a hi\nthere')).toBe('publish top_a hi\nthere');
    expect(matchFreeText('@parley')).toBe('');
    expect(matchFreeText('@parleyx list')).toBeNull();
    expect(matchFreeText('hey @parley list')).toBeNull();
    expect(matchFreeText('parley list')).toBeNull();
  });
});

describe('small helpers', () => {
  it('parses durations', () => {
    expect(parseDuration('30m')).toBe(1800);
    expect(parseDuration('1h30m')).toBe(5400);
    expect(parseDuration('2W')).toBe(1_209_600);
    expect(parseDuration('30')).toBeNull();
    expect(parseDuration('0s')).toBeNull();
    expect(parseDuration('9999w')).toBeNull();
  });

  it('suggests close commands', () => {
    expect(suggest('lsit', table.words)).toContain('list');
    expect(suggest('zzzzzzzz', table.words)).toEqual([]);
  });

  it('reads deadlines as a duration from now, a date or a date-time', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseWhen('3d', now)).toBe('2026-01-04T00:00:00.000Z');
    expect(parseWhen('2026-12-01', now)).toBe('2026-12-01T00:00:00.000Z');
    expect(parseWhen('2026-12-01T17:30:00+02:00', now)).toBe('2026-12-01T15:30:00.000Z');
    expect(parseWhen('2026-12-01 17:30', now)).toBe('2026-12-01T17:30:00.000Z');
    expect(parseWhen('tomorrow', now)).toBeNull();
    expect(parseWhen('2026-13-45', now)).toBeNull();
  });

  it('refuses a command table where a subcommand word repeats at any level', () => {
    const leaf = { name: 'x', summary: 'x' };
    expect(() => new CommandTable([{ name: 'a', summary: 'a', subcommands: [{ name: 'b', summary: 'b', subcommands: [leaf, { ...leaf, aliases: ['x'] }] }] }])).toThrow(
      'subcommand word "x" is used twice under "a b"',
    );
  });

  it('refuses a command table where two commands share a word', () => {
    expect(() => new CommandTable([{ name: 'a', summary: 'x' }, { name: 'b', aliases: ['a'], summary: 'y' }])).toThrow(/used by both/);
  });
});
