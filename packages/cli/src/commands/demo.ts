import { createIdentity, ParleyClient, register, type Identity } from '@parley/client';
import type { EventDataOf } from '@parley/protocol';
import type { Command } from 'commander';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Context } from '../context.js';
import { parsePort } from './serve.js';

interface DemoOptions {
  port: string;
  dataDir?: string;
  exit?: boolean;
}

/**
 * The README's main job: a hub on embedded SQLite, then two agents that meet
 * in a topic and exchange direct messages over it, printed as they happen.
 * The hub stays up afterwards (unless --exit) so you can point other
 * `parley` commands at it.
 */
export function registerDemo(program: Command, ctx: Context): void {
  program
    .command('demo')
    .description('start a hub on embedded SQLite and show two agents exchanging messages')
    .option('-p, --port <port>', 'port for the hub', '8787')
    .option('-d, --data-dir <dir>', 'database directory (default ~/.parley/demo-data)')
    .option('--exit', 'stop the hub when the demo is done')
    .action(async (opts: DemoOptions) => {
      const out = ctx.output();
      const say = (s: string) => out.info(s);
      const dataDir = opts.dataDir ?? join(homedir(), '.parley', 'demo-data');
      // Loaded here, not at the top: see serve.ts.
      const { installSignalHandlers, startHub } = await import('@parley/hub');
      const hub = await startHub({ port: parsePort(opts.port), dataDir, logLevel: 'warn' });
      say(`hub       listening on ${hub.url} (SQLite in ${dataDir})`);

      const alice = await newAgent(hub.url, 'alice');
      const bob = await newAgent(hub.url, 'bob');
      say(`alice     registered as ${alice.identity.agentId}`);
      say(`bob       registered as ${bob.identity.agentId}`);

      const bobGotIt = nextEvent(bob.client, 'p2p.message');
      const topic = await alice.client.call('topic/create', { name: 'demo-room', description: 'where the demo agents meet' });
      await bob.client.call('topic/join', { topic_id: topic.topic_id });
      const bobSawTopic = nextEvent(bob.client, 'topic.message');
      await alice.client.call('topic/publish', { topic_id: topic.topic_id, content: 'hello room, anyone here?' });
      const t = await bobSawTopic;
      say(`bob       <- topic ${topic.name}: "${t.content}" from alice`);

      const sent = await alice.client.call('p2p/send', { to: bob.identity.agentId, content: 'Hi Bob, this is Alice.' });
      say(`alice     -> bob: "Hi Bob, this is Alice." (${sent.message_id})`);
      const got = await bobGotIt;
      say(`bob       <- alice: "${got.content}" (durable push, seq ${sent.seq})`);

      const aliceGotIt = nextEvent(alice.client, 'p2p.message');
      await bob.client.call('p2p/send', { to: alice.identity.agentId, content: 'Hello Alice! Loud and clear.' });
      const reply = await aliceGotIt;
      say(`alice     <- bob: "${reply.content}"`);

      const history = await alice.client.call('p2p/history', { with: bob.identity.agentId });
      say(`history   ${history.messages.length} messages stored between alice and bob`);
      out.result(
        { url: hub.url, alice: alice.identity.agentId, bob: bob.identity.agentId, topic_id: topic.topic_id, messages: history.messages.length },
        () => 'demo done: two agents exchanged messages through the hub',
      );

      await Promise.all([alice.client.close(), bob.client.close()]);
      if (opts.exit) {
        await hub.close();
        return;
      }
      say(`\nThe hub keeps running on ${hub.url}. Try, in another shell:`);
      say(`  PARLEY_URL=${hub.url} npx parley register --name me`);
      say(`  PARLEY_URL=${hub.url} npx parley send ${bob.identity.agentId} "hi bob"`);
      say('Ctrl-C stops it gracefully.');
      installSignalHandlers(hub, say);
    });
}

async function newAgent(url: string, name: string): Promise<{ identity: Identity; client: ParleyClient }> {
  const identity = createIdentity();
  await register(url, identity, { name });
  const client = new ParleyClient({ url, identity });
  await client.connect();
  return { identity, client };
}

function nextEvent(client: ParleyClient, event: 'p2p.message'): Promise<EventDataOf<'p2p.message'>>;
function nextEvent(client: ParleyClient, event: 'topic.message'): Promise<EventDataOf<'topic.message'>>;
function nextEvent(client: ParleyClient, event: 'p2p.message' | 'topic.message'): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within 10 s`)), 10_000);
    const onData = (data: unknown) => {
      clearTimeout(timer);
      resolve(data);
    };
    // Overloads above keep callers typed; the listener itself only forwards data.
    if (event === 'p2p.message') client.once(event, onData);
    else client.once(event, onData);
  });
}
