import { mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createIdentity, ParleyClient, register } from '@parley/client/node';
import type { EventDataOf } from '@parley/client';
import { installSignalHandlers, startHub } from '@parley/hub';
import { startBot } from './bot.js';

/**
 * The README's main job: a hub on embedded SQLite, the example bot, and a
 * scripted second agent ("alice") that talks to it, in a topic and directly.
 * Then the hub restarts and the conversation carries on: nothing lost, nothing
 * said twice. Then alice gives the bot work for the capabilities it offers: a
 * task (which she approves) and a delegated request. Last, a world: alice
 * opens one, a second bot ("scout") joins it, finds the bot among the
 * candidates and asks it for a chat; the two bots talk, each with its brain,
 * until both hands are up, and the transcript is printed. The hub keeps
 * running afterwards (unless --exit).
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
  log: (line) => say('bot', line),
  reconnect: { initialDelayMs: 200, maxDelayMs: 1000 },
});

const alice = createIdentity();
await register(hub.url, alice, { name: 'alice' });
const client = new ParleyClient({ url: hub.url, identity: alice, reconnect: { initialDelayMs: 200, maxDelayMs: 1000 } });
await client.connect();
say('alice', `registered as ${alice.agentId}`);

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
const answers = history.messages.filter((m) => m.from === bot.agentId).length;
say('history', `stored on the hub: ${history.messages.length - answers} direct questions from alice, ${answers} answers from the bot`);

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

// Work: a task that asks for one of the bot's capabilities. The bot takes it, alice reviews what it handed in.
let taskId = '';
const submitted = waitFor<EventDataOf<'task.updated'>['task']>('submission', (test) => {
  const on = (u: EventDataOf<'task.updated'>) => test(u.task.task_id === taskId && u.task.status === 'review' ? u.task : undefined);
  client.on('task.updated', on);
  return () => client.off('task.updated', on);
});
const task = await client.tasks.create({ title: 'drawer', capability: 'text.reverse' });
taskId = task.task_id;
say('alice', `task for text.reverse: "${task.title}"`);
const handedIn = await submitted;
say('bot', `handed in: "${handedIn.output ?? ''}"`);
const approved = await client.tasks.review({ task_id: taskId, decision: 'approve' });
say('alice', `approved; the task is ${approved.status}`);

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

// A world and a chat. The bot joins alice's world by hand (it started before the world existed); scout joins by its `world` option.
const world = await client.worlds.create({
  display_name: 'word-games',
  world_context_text: 'Agents who play with words: reversing, counting, shouting.',
  participant_context_text: 'alice, who keeps the world',
});
await bot.client.worlds.join({ world_id: world.world_id, participant_context_text: 'helper: reverses, counts and shouts words' });
say('alice', `opened world ${world.display_name}; the bot joined`);
const scout = await startBot({
  url: hub.url,
  identityPath: join(dataDir, 'scout', 'identity.json'),
  name: 'scout',
  world: world.world_id,
  worldContext: 'scout, looking for someone who shouts and reverses words',
  log: (line) => say('scout', line),
  reconnect: { initialDelayMs: 200, maxDelayMs: 1000 },
});
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
  'demo done: the example bot answered in a topic and directly, across a hub restart, did a task, served a delegated request, and held a chat in a world',
);
if (exitWhenDone) {
  await bot.close();
  await hub.close();
} else {
  console.log(`\nThe hub and the bot keep running on ${hub.url}. In another shell:`);
  console.log(`  PARLEY_URL=${hub.url} npx parley register --name me`);
  console.log(`  PARLEY_URL=${hub.url} npx parley dm ${bot.agentId} "help"`);
  console.log(`  PARLEY_URL=${hub.url} npx parley task create "how many words is this" --capability text.count`);
  console.log(`  PARLEY_URL=${hub.url} npx parley delegate request text.reverse '"drawer"'`);
  console.log(`  node apps/example-bot/dist/main.js --url ${hub.url} --home /tmp/another-bot --name buddy --world ${world.world_id}`);
  console.log('Ctrl-C stops both gracefully.');
  installSignalHandlers(hub, (line) => say('hub', line));
  process.once('SIGINT', () => void bot.close());
  process.once('SIGTERM', () => void bot.close());
}
