import { mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { consoleUrl, formatAmount, loadOrCreateIdentity, ParleyClient, ParleyError, register } from '@parley/client/node';
import type { EventDataOf } from '@parley/client';
import { installSignalHandlers, startHub } from '@parley/hub';
import { startBot } from './bot.js';

/**
 * The README's main job: a hub on embedded SQLite, the example bot, and a
 * scripted second agent ("alice") that talks to it, in a topic and directly.
 * Then the hub restarts and the conversation carries on: nothing lost, nothing
 * said twice. Then governance and the economy: a second bot ("scout") starts;
 * alice is elected to the committee (its first member, so its chair), applies
 * to issue a currency, DEMO, which the community votes for (the bot through
 * its brain) and she approves and issues. Then alice gives the bot work for
 * the capabilities it offers: a task with a reward in DEMO (paid to the bot
 * when she approves it) and a delegated request. Last, a world: alice opens
 * one, the bot and scout join it, scout finds the bot among the candidates
 * and asks it for a chat; the two bots talk, each with its brain, until both
 * hands are up, and the transcript is printed. The hub keeps running
 * afterwards (unless --exit).
 *
 * The data dir is reused across runs, and with it the bots' and alice's keys:
 * the community (alice's seat, the DEMO currency) outlives a run, so the
 * governance scene checks what is done already and says so.
 */
const args = process.argv.slice(2);
const flag = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const port = Number(flag('--port') ?? 8787);
const dataDir = flag('--data-dir') ?? join(homedir(), '.parley', 'demo-data');
const exitWhenDone = args.includes('--exit');
const say = (who: string, line: string) => console.log(`${who.padEnd(9)} ${line}`);

await mkdir(dataDir, { recursive: true });
let hub = await startHub({ port, dataDir, logLevel: 'warn' });
say('hub', `listening on ${hub.url} (SQLite in ${dataDir})`);

const bot = await startBot({
  url: hub.url,
  identityPath: join(dataDir, 'example-bot', 'identity.json'),
  name: 'helper',
  capabilities: ['text.reverse', 'text.count'],
  // Chat requests wait for the bot to accept them (it accepts every one), so the world scene shows the request being decided.
  contactPolicy: 'approval_required',
  // Votes on proposals through its brain (and in deliberations, were it on the committee).
  governance: true,
  log: (line) => say('bot', line),
  reconnect: { initialDelayMs: 200, maxDelayMs: 1000 },
});

// alice keeps her key in the data dir, as the bots do: her committee seat and her currency outlive the run.
const alicePath = join(dataDir, 'alice', 'identity.json');
const aliceIsBack = existsSync(alicePath);
const alice = await loadOrCreateIdentity(alicePath);
await register(hub.url, alice, { name: 'alice' });
const client = new ParleyClient({ url: hub.url, identity: alice, reconnect: { initialDelayMs: 200, maxDelayMs: 1000 } });
await client.connect();
say('alice', `registered as ${alice.agentId}${aliceIsBack ? ' (her key from an earlier run)' : ''}`);
const runStarted = new Date().toISOString();

const topic = await client.topics.create({ name: 'help-desk', description: 'ask @helper anything' });
await bot.client.topics.join({ topic_id: topic.topic_id });
say('alice', `created topic ${topic.name}; the bot joined`);

/** Sends, then waits for the bot's answer to that very message. */
async function ask(how: 'topic' | 'direct', text: string): Promise<string> {
  const answered = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer to "${text}" within 15 s`)), 15_000);
    const onTopic = (m: EventDataOf<'topic.message'>) => {
      if (m.from === bot.agentId && m.reply_to === sentId) done(m.content);
    };
    const onDirect = (m: EventDataOf<'p2p.message'>) => {
      if (m.from === bot.agentId) done(m.content);
    };
    const done = (content: string) => {
      clearTimeout(timer);
      client.off('topic.message', onTopic);
      client.off('p2p.message', onDirect);
      resolve(content);
    };
    if (how === 'topic') client.on('topic.message', onTopic);
    else client.on('p2p.message', onDirect);
  });
  let sentId = '';
  if (how === 'topic') sentId = (await client.topics.publish({ topic_id: topic.topic_id, content: text })).message_id;
  else await client.p2p.send({ to: bot.agentId, content: text });
  say('alice', `${how === 'topic' ? `in ${topic.name}` : '-> bot'}: "${text}"`);
  const answer = await answered;
  say('bot', `${how === 'topic' ? `in ${topic.name}` : '-> alice'}: "${answer}"`);
  return answer;
}

await ask('topic', '@helper ping');
await ask('direct', 'reverse stressed');

say('hub', 'restarting (same data)…');
await hub.close();
// The same port (also when --port 0 picked one), so the bot and alice find it again.
hub = await startHub({ port: hub.port, dataDir, logLevel: 'warn' });
await ask('direct', 'count did anything get lost');
const history = await client.p2p.history({ with: bot.agentId });
// This run's messages: alice's earlier runs are stored too.
const thisRun = history.messages.filter((m) => m.sent_at >= runStarted);
const answers = thisRun.filter((m) => m.from === bot.agentId).length;
say('history', `stored on the hub: ${thisRun.length - answers} direct questions from alice, ${answers} answers from the bot in this run`);

/** Resolves once `test` accepts a value, or rejects after 15 s; `watch` subscribes `test` and returns how to unsubscribe. */
function waitFor<T>(what: string, watch: (test: (v: T | undefined) => void) => () => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      unwatch();
      reject(new Error(`no ${what} within 15 s`));
    }, 15_000);
    const unwatch = watch((v) => {
      if (v === undefined) return;
      clearTimeout(timer);
      unwatch();
      resolve(v);
    });
  });
}

/** Resolves with what `check` finds: at once, or after a proposal.status push to alice; rejects after 15 s. */
function settled<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let done = false;
    const finish = (err: unknown, value?: T) => {
      if (done || (err === undefined && value === undefined)) return;
      done = true;
      clearTimeout(timer);
      client.off('proposal.status', look);
      if (err === undefined) resolve(value as T);
      else reject(err instanceof Error ? err : new Error(String(err)));
    };
    const look = () => void check().then((v) => finish(undefined, v), finish);
    const timer = setTimeout(() => finish(new Error(`no ${what} within 15 s`)), 15_000);
    client.on('proposal.status', look);
    look();
  });
}
const orNull = (err: unknown) => {
  if (err instanceof ParleyError && err.code === 'not_found') return null;
  throw err;
};

// A second bot, scout: it votes in the community now, and chats with the bot in the world scene.
const scout = await startBot({
  url: hub.url,
  identityPath: join(dataDir, 'scout', 'identity.json'),
  name: 'scout',
  log: (line) => say('scout', line),
  reconnect: { initialDelayMs: 200, maxDelayMs: 1000 },
});

// Governance, on the hub's default rules. A re-run finds alice's seat and DEMO from an earlier run and says so; after a stopped run,
// each step does what is missing (votes are final: none is cast twice).
const rules = await client.governance.rules();
say('hub', `governance: ${rules.votes_to_elect} votes elect, a proposal needs ${rules.quorum}`);
let seat = (await client.committee.members({ include_pending: true })).members.find((m) => m.agent_id === alice.agentId);
if (seat?.status === 'ACTIVE') {
  say('alice', `on the committee since an earlier run, as its ${seat.role ?? 'member'}`);
} else {
  if (!seat) {
    seat = await client.committee.apply({ statement: 'I will look after the demo community' });
    say('alice', 'applied to the committee');
  }
  // The bots' brains vote on proposals, not on candidates: the script casts the helper's and scout's votes here.
  const voters = [
    ['alice', 'voted for herself', () => client.committee.voteForSelf({ support: true })],
    ['bot', 'voted for alice', () => bot.client.committee.vote({ candidate: alice.agentId, support: true })],
    ['scout', 'voted for alice', () => scout.client.committee.vote({ candidate: alice.agentId, support: true })],
  ] as const;
  // Cast in this order, so the first `support` of them were cast by a run that stopped half-way.
  for (const [who, line, vote] of voters.slice(seat.support)) {
    seat = await vote();
    say(who, line);
  }
  if (seat.status !== 'ACTIVE') throw new Error(`alice was not elected (${seat.support} for, ${seat.oppose} against)`);
  say('alice', `elected: the committee's first member, so its ${seat.role ?? 'member'}`);
}
if (seat.role !== 'chair') throw new Error('alice is not the chair: this data dir has a committee the demo did not make (try another --data-dir)');

// The economy: alice applies to issue DEMO; the community votes (the helper through its brain), the committee (alice) approves, she issues.
const DEMO = { name: 'Demo Credit', symbol: 'DEMO', total_supply: '1000000', decimals: 2 };
let asset = await client.assets.get({ symbol: DEMO.symbol }).catch(orNull);
if (asset) {
  if (asset.issuer_id !== alice.agentId) throw new Error(`${DEMO.symbol} was issued to someone else in this data dir (try another --data-dir)`);
  const { symbol, decimals } = asset;
  const held = (await client.wallets.get()).balances.find((b) => b.asset === symbol)?.amount ?? '0';
  say('alice', `${symbol} was issued in an earlier run; she holds ${formatAmount(held, decimals)} ${symbol}`);
} else {
  const started = (await client.assets.issuanceList({ applicant: alice.agentId, symbol: DEMO.symbol })).issuances.find(
    (i) => i.status === 'proposed' || i.status === 'approved',
  );
  const proposalId = started?.proposal_id ?? (await client.assets.issuanceApply({ ...DEMO, reason: 'to reward work done in the demo' })).proposal_id;
  const supply = `${formatAmount(DEMO.total_supply, DEMO.decimals)} ${DEMO.symbol}`;
  say('alice', started ? `back to her application for ${DEMO.symbol}` : `applied to issue ${DEMO.name}: ${supply}, ${DEMO.decimals} decimals`);
  for (const [who, c] of [['alice', client], ['scout', scout.client]] as const) {
    if ((await c.proposals.get({ proposal_id: proposalId })).stats !== null) continue;
    await c.proposals.vote({ proposal_id: proposalId, support: true });
    say(who, `voted for issuing ${DEMO.symbol}`);
  }
  // The third vote (the helper's, whenever its brain has answered) passes it: the committee takes it up.
  const passed = await settled('deliberation', async () => {
    const p = await client.proposals.get({ proposal_id: proposalId });
    return p.deliberation_id ? p : undefined;
  });
  const deliberation_id = passed.deliberation_id!;
  say('hub', `the community passed it (${passed.stats?.support ?? 0} for, ${passed.stats?.oppose ?? 0} against); the committee deliberates`);
  let d = await client.deliberations.get({ deliberation_id });
  if (d.status === 'pending') {
    const reason = 'a small supply, for rewarding tasks';
    d = await client.deliberations.vote({ deliberation_id, choice: 'APPROVE', reason });
    say('alice', `votes APPROVE in the committee: "${reason}" (${d.tally.approve} of ${d.tally.seats} seats)`);
  }
  if (d.status !== 'approved') throw new Error(`the deliberation was ${d.status}, not approved`);
  asset = await client.assets.issue({ deliberation_id, idempotency_key: `demo-issue:${deliberation_id}` });
  say('alice', `issued ${formatAmount(asset.total_supply, asset.decimals)} ${asset.symbol} to her wallet (${asset.tx_id})`);
}
const money = (units: string) => `${formatAmount(units, asset.decimals)} ${asset.symbol}`;

// Work: a task that asks for one of the bot's capabilities, with a reward in DEMO put aside from alice's wallet. The bot takes it,
// alice reviews what it handed in, and her approval pays the bot.
let taskId = '';
const submitted = waitFor<EventDataOf<'task.updated'>['task']>('submission', (test) => {
  const on = (u: EventDataOf<'task.updated'>) => test(u.task.task_id === taskId && u.task.status === 'review' ? u.task : undefined);
  client.on('task.updated', on);
  return () => client.off('task.updated', on);
});
const task = await client.tasks.create({ title: 'drawer', capability: 'text.reverse', reward: { asset: asset.symbol, amount: '275' } });
taskId = task.task_id;
say('alice', `task for text.reverse: "${task.title}", reward ${money(task.reward?.amount ?? '0')} (in escrow)`);
const handedIn = await submitted;
say('bot', `handed in: "${handedIn.output ?? ''}"`);
const paid = waitFor<EventDataOf<'reward.paid'>>('reward', (test) => {
  const on = (r: EventDataOf<'reward.paid'>) => test(r.task_id === taskId ? r : undefined);
  bot.client.on('reward.paid', on);
  return () => bot.client.off('reward.paid', on);
});
const approved = await client.tasks.review({ task_id: taskId, decision: 'approve' });
say('alice', `approved; the task is ${approved.status}`);
const { tx } = await paid;
const wallet = await client.wallets.get({ agent_id: bot.agentId });
const balance = wallet.balances.find((b) => b.asset === asset.symbol)?.amount ?? '0';
say('bot', `paid ${money(approved.reward?.amount ?? '0')} (${tx.tx_id}); its wallet: ${money(balance)}`);

// Work by delegation: alice asks whoever offers text.count; the hub routes it to the bot.
let requestId = '';
const resulted = waitFor<EventDataOf<'delegate.result'>>('delegate.result', (test) => {
  const on = (r: EventDataOf<'delegate.result'>) => test(r.request_id === requestId ? r : undefined);
  client.on('delegate.result', on);
  return () => client.off('delegate.result', on);
});
const request = await client.delegate.request({ capability: 'text.count', input: 'how many words are in here', timeout_ms: 10_000 });
requestId = request.request_id;
say('alice', `delegated text.count: "how many words are in here"`);
const result = await resulted;
say('bot', result.state === 'done' ? `result: "${String(result.output)}"` : `failed: ${result.error ?? ''}`);

// A world and a chat. The bot and scout join alice's world by hand (they started before it existed).
const world = await client.worlds.create({
  display_name: 'word-games',
  world_context_text: 'Agents who play with words: reversing, counting, shouting.',
  participant_context_text: 'alice, who keeps the world',
});
await bot.client.worlds.join({ world_id: world.world_id, participant_context_text: 'helper: reverses, counts and shouts words' });
await scout.client.worlds.join({ world_id: world.world_id, participant_context_text: 'scout, looking for someone who shouts and reverses words' });
say('alice', `opened world ${world.display_name}; the bot and scout joined`);
const { candidates } = await scout.client.worlds.candidates({ world_id: world.world_id });
say('scout', `candidates in ${world.display_name}, best match first: ${candidates.map((c) => c.name ?? c.target_agent_id).join(', ')}`);
const partner = candidates[0];
if (partner?.target_agent_id !== bot.agentId) throw new Error('the bot should be the best match for scout');
const chatEnded = waitFor<EventDataOf<'conversation.ended'>>('the end of the chat', (test) => {
  const on = (e: EventDataOf<'conversation.ended'>) => test(e);
  scout.client.on('conversation.ended', on);
  return () => scout.client.off('conversation.ended', on);
});
// The brief is what scout (its brain) opens with. A short turn timeout that ends the chat: one left behind by a stopped demo does not
// block the next run's request (a pair has one conversation at a time).
const brief = 'upper reverse desserts';
await scout.client.chats.request({
  target_agent_id: partner.target_agent_id,
  world_id: world.world_id,
  opening_message: brief,
  episode_policy: { turn_timeout_ms: 10_000, timeout_behavior: 'end' },
});
say('scout', `asked ${partner.name ?? 'the bot'} for a chat in ${world.display_name}: "${brief}"`);
const { conversation: talked, reason } = await chatEnded;
const names = new Map([
  [scout.agentId, 'scout'],
  [bot.agentId, 'helper'],
]);
for (const t of (await scout.client.chats.get({ conversation_id: talked.conversation_id })).turns) {
  if (t.kind === 'kickoff') say('chat', `brief for scout: "${t.text}"`);
  else say('chat', `${names.get(t.from ?? '') ?? t.from}: ${t.kind === 'skipped' ? '(let the turn pass)' : `"${t.text}"`}`);
}
say('chat', `ended: ${reason} after ${talked.turns_taken} turns`);
await scout.close();

await client.close();
console.log(
  'demo done: the example bot answered in a topic and directly, across a hub restart, voted a currency in, was paid in it for a task, served a delegated request, and held a chat in a world',
);
if (exitWhenDone) {
  await bot.close();
  await hub.close();
} else {
  // A human watches the bot in the web console: the bot asks for its own claim code, as `parley bind` would.
  const claim = await bot.client.account.claimCode();
  console.log(`\nWatch the bot work in the web console, ${consoleUrl(hub.url)}: sign up, then claim the bot with ${claim.code} (15 minutes, once).`);
  console.log(`\nThe hub and the bot keep running on ${hub.url}. In another shell:`);
  console.log(`  PARLEY_URL=${hub.url} npx parley register --name me`);
  console.log(`  PARLEY_URL=${hub.url} npx parley dm ${bot.agentId} "help"`);
  console.log(`  PARLEY_URL=${hub.url} npx parley task create "how many words is this" --capability text.count`);
  console.log(`  PARLEY_URL=${hub.url} npx parley delegate request text.reverse '"drawer"'`);
  console.log(`  PARLEY_URL=${hub.url} npx parley wallet ${bot.agentId}`);
  console.log(`  node apps/example-bot/dist/main.js --url ${hub.url} --home /tmp/another-bot --name buddy --world ${world.world_id}`);
  console.log('Ctrl-C stops both gracefully.');
  installSignalHandlers(hub, (line) => say('hub', line));
  process.once('SIGINT', () => void bot.close());
  process.once('SIGTERM', () => void bot.close());
}
