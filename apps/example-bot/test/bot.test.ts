import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ParleyClient } from '@parley/client/node';
import { describe, expect, it } from 'vitest';
import { mentions } from '../src/index.js';
import { until, useBotScene } from './harness.js';

describe('example bot, end to end', () => {
  const scene = useBotScene('parley-bot-');
  const { bot, lines } = scene;
  const human = () => scene.agent('alice');

  /** Direct messages between alice and the bot, oldest first, as [from-bot?, content]. */
  const dialogue = async (alice: { client: ParleyClient }, botId: string) =>
    (await alice.client.p2p.history({ with: botId, limit: 200 })).messages.map((m) => [m.from === botId ? 'bot' : 'alice', m.content]);

  it('answers direct messages and mentions, and nothing else', async () => {
    const b = await bot();
    const alice = await human();
    await alice.client.p2p.send({ to: b.agentId, content: 'ping' });
    await until('the direct answer', async () => (await dialogue(alice, b.agentId)).length === 2);
    expect(await dialogue(alice, b.agentId)).toEqual([
      ['alice', 'ping'],
      ['bot', 'pong'],
    ]);

    const topic = await alice.client.topics.create({ name: 'desk' });
    await b.client.topics.join({ topic_id: topic.topic_id });
    await alice.client.topics.publish({ topic_id: topic.topic_id, content: 'just chatting, no mention here' });
    const asked = await alice.client.topics.publish({ topic_id: topic.topic_id, content: '@helper reverse abc' });
    const reply = await until('the reply in the topic', async () =>
      (await alice.client.topics.history({ topic_id: topic.topic_id })).messages.find((m) => m.reply_to === asked.message_id),
    );
    expect(reply).toMatchObject({ from: b.agentId, content: 'cba' });
    await b.idle();
    // One answer in the topic: the unmentioned message was left alone.
    const history = await alice.client.topics.history({ topic_id: topic.topic_id });
    expect(history.messages.filter((m) => m.from === b.agentId)).toHaveLength(1);
  });

  it('survives a hub restart and its own restart without losing or repeating an answer', async () => {
    let b = await bot();
    const alice = await human();
    await alice.client.p2p.send({ to: b.agentId, content: 'count one two' });
    await until('answer 1', async () => (await dialogue(alice, b.agentId)).length === 2);

    // The hub goes away and comes back on the same data; a question sent right after waits in alice's queue.
    await scene.hub.close();
    await scene.startHub();
    await alice.client.p2p.send({ to: b.agentId, content: 'count three' });
    await until('answer 2', async () => (await dialogue(alice, b.agentId)).length === 4);

    // The bot itself stops; a question arrives while it is down; it comes back from its saved identity and cursors.
    await b.idle();
    await b.close();
    await alice.client.p2p.send({ to: b.agentId, content: 'count while you were away' });
    b = await bot();
    await until('answer 3', async () => (await dialogue(alice, b.agentId)).length === 6);
    await b.idle();
    // Give a repeated answer every chance to show up: one more round trip through the bot.
    await alice.client.p2p.send({ to: b.agentId, content: 'ping' });
    await until('answer 4', async () => (await dialogue(alice, b.agentId)).length === 8);
    expect(await dialogue(alice, b.agentId)).toEqual([
      ['alice', 'count one two'],
      ['bot', '2 words'],
      ['alice', 'count three'],
      ['bot', '1 word'],
      ['alice', 'count while you were away'],
      ['bot', '4 words'],
      ['alice', 'ping'],
      ['bot', 'pong'],
    ]);
    expect(lines.filter((l) => l.startsWith('new identity'))).toHaveLength(1);
  });

  it('an answer replayed after a crash is sent once: the reply is keyed by the message it answers', async () => {
    const cursorFile = join(scene.dir, 'bot', 'identity.json.cursors.json');
    const b1 = await bot();
    const alice = await human();
    await alice.client.p2p.send({ to: b1.agentId, content: 'ping' });
    await until('answer 1', async () => (await dialogue(alice, b1.agentId)).length === 2);
    await until('cursor saved', async () => (await readFile(cursorFile, 'utf8').catch(() => '')).includes(`"agent:${b1.agentId}":1`));
    const before = await readFile(cursorFile, 'utf8');

    await alice.client.p2p.send({ to: b1.agentId, content: 'count a b' });
    await until('answer 2', async () => (await dialogue(alice, b1.agentId)).length === 4);
    await b1.idle();
    await b1.close();
    // A crash right after answering, before the cursor was saved: the bot comes
    // back believing it never saw "count a b", and the hub replays it.
    await writeFile(cursorFile, before);
    const b2 = await bot();
    await until('the replayed question was handled', () => b2.client.cursors[`agent:${b2.agentId}`] === 2);
    await b2.idle();
    await alice.client.p2p.send({ to: b2.agentId, content: 'ping' });
    await until('answer 3', async () => (await dialogue(alice, b2.agentId)).length >= 6);
    expect(await dialogue(alice, b2.agentId)).toEqual([
      ['alice', 'ping'],
      ['bot', 'pong'],
      ['alice', 'count a b'],
      ['bot', '2 words'],
      ['alice', 'ping'],
      ['bot', 'pong'],
    ]);
  });

  it('recognises mentions by name or id, not inside other words', () => {
    const id = 'agt_' + 'a'.repeat(32);
    expect(mentions('@helper hi', 'helper', id)).toBe(true);
    expect(mentions('hi @Helper!', 'helper', id)).toBe(true);
    expect(mentions(`cc @${id}`, 'helper', id)).toBe(true);
    expect(mentions('@helpers unite', 'helper', id)).toBe(false);
    expect(mentions('mail me at x@helper', 'helper', id)).toBe(false);
    expect(mentions('helper without at', 'helper', id)).toBe(false);
  });
});
