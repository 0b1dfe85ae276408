import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config.js';
import { isJsonLine, LiveProcess, runCli, spawnCli, startTestHub, tempDir } from './helpers.js';

let hub: LiveProcess;
let url: string;
const aliceHome = tempDir('alice');
const bobHome = tempDir('bob');
let alice: string;
let bob: string;

const asAlice = () => ({ PARLEY_HOME: aliceHome, PARLEY_URL: url });
const asBob = () => ({ PARLEY_HOME: bobHome, PARLEY_URL: url });

beforeAll(async () => {
  ({ hub, url } = await startTestHub());
});

afterAll(async () => {
  const code = await hub.stop('SIGTERM');
  // Graceful shutdown on SIGTERM exits cleanly.
  expect(code).toBe(0);
});

describe('parley CLI against a real hub', () => {
  it('registers two agents and keeps their keys private', async () => {
    const a = await runCli(['register', '--name', 'alice', '--json'], asAlice());
    expect(a.code, a.stderr).toBe(0);
    alice = (JSON.parse(a.stdout) as { agent_id: string }).agent_id;
    expect(alice).toMatch(/^agt_[a-z2-7]{32}$/);
    expect(statSync(join(aliceHome, 'identity.json')).mode & 0o777).toBe(0o600);

    const b = await runCli(['register', '--name', 'bob'], asBob());
    expect(b.code, b.stderr).toBe(0);
    expect(b.stdout).toMatch(/^registered agt_[a-z2-7]{32} \(bob\)/);
    bob = /agt_[a-z2-7]{32}/.exec(b.stdout)![0];

    // Registering again keeps the same identity (idempotent).
    const again = await runCli(['register', '--json'], asAlice());
    expect((JSON.parse(again.stdout) as { agent_id: string }).agent_id).toBe(alice);
    // Even from processes running at once: the hub takes each signed second once, and register retries.
    const both = await Promise.all([spawnCli(['register', '--json'], asAlice()), spawnCli(['register', '--json'], asAlice())]);
    for (const r of both) {
      expect(r.code, r.stderr).toBe(0);
      expect((JSON.parse(r.stdout) as { agent_id: string }).agent_id).toBe(alice);
    }
  });

  it('shows whoami and capabilities', async () => {
    const who = await runCli(['whoami', '--json'], asAlice());
    expect(who.code, who.stderr).toBe(0);
    expect(JSON.parse(who.stdout)).toMatchObject({ agent_id: alice, name: 'alice' });

    const human = await runCli(['whoami'], asBob());
    expect(human.stdout).toContain(`agent_id:       ${bob}`);

    const caps = await runCli(['capabilities', '--json'], { PARLEY_URL: url });
    expect(caps.code, caps.stderr).toBe(0);
    const doc = JSON.parse(caps.stdout) as { actions: Record<string, unknown> };
    expect(Object.keys(doc.actions)).toContain('p2p/send');
  });

  it('takes a comma-separated list of hubs (--url or PARLEY_URL) and passes over one that is down', async () => {
    const down = 'http://127.0.0.1:9';
    expect(resolveConfig({ url: ` ${down}/ , ${url}/,` }, {}).urls).toEqual([down, url]);
    expect(resolveConfig({}, { PARLEY_URL: `${down},${url}` }).urls).toEqual([down, url]);

    const listed = { PARLEY_HOME: tempDir('listed'), PARLEY_URL: `${down},${url}` };
    const reg = await runCli(['register', '--name', 'listed', '--json'], listed);
    expect(reg.code, reg.stderr).toBe(0);
    const me = (JSON.parse(reg.stdout) as { agent_id: string }).agent_id;
    const who = await runCli(['whoami', '--json'], listed);
    expect(who.code, who.stderr).toBe(0);
    expect(JSON.parse(who.stdout)).toMatchObject({ agent_id: me, name: 'listed' });
    const viaFlag = await runCli(['--url', `${down},${url}`, 'whoami', '--json'], asAlice());
    expect(JSON.parse(viaFlag.stdout)).toMatchObject({ agent_id: alice });
    const caps = await runCli(['capabilities', '--json'], { PARLEY_URL: `${down},${url}` });
    expect(caps.code, caps.stderr).toBe(0);

    const bad = await runCli(['whoami'], { ...listed, PARLEY_URL: `${url},ftp://nope` });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('bad hub URL (--url or PARLEY_URL): hub url must be http(s)://, got ftp://nope');
  });

  it('delivers a message sent with `send` to a running daemon, and answers daemon calls', async () => {
    const daemon = new LiveProcess(['daemon'], asBob());
    try {
      await daemon.waitFor(isJsonLine((v) => v.type === 'state' && v.state === 'connected'), 15_000, 'daemon connected');

      const sent = await runCli(['send', bob, 'hello', 'from', 'alice'], asAlice());
      expect(sent.code, sent.stderr).toBe(0);
      expect(sent.stdout).toMatch(/^sent msg_[a-z0-9]+ to agt_/);

      const push = JSON.parse(
        await daemon.waitFor(isJsonLine((v) => v.type === 'push' && v.event === 'p2p.message'), 10_000, 'the push'),
      ) as { stream: string; seq: number; data: { from: string; content: string } };
      expect(push.stream).toBe(`agent:${bob}`);
      expect(push.data).toMatchObject({ from: alice, content: 'hello from alice' });

      daemon.write(JSON.stringify({ id: 7, action: 'p2p/send', params: { to: alice, content: 'hi back' } }));
      const result = JSON.parse(await daemon.waitFor(isJsonLine((v) => v.type === 'result' && v.id === 7))) as {
        status: string;
        content: { message_id: string };
      };
      expect(result.status).toBe('success');
      expect(result.content.message_id).toMatch(/^msg_/);

      // A bad line gets an error line, and the daemon keeps serving.
      daemon.write('this is not json');
      await daemon.waitFor(isJsonLine((v) => v.type === 'error'), 5_000, 'an error line');
      daemon.write(JSON.stringify({ id: 8, action: 'agent/get', params: { agent_id: 'agt_' + 'a'.repeat(32) } }));
      const nf = JSON.parse(await daemon.waitFor(isJsonLine((v) => v.type === 'result' && v.id === 8))) as {
        status: string;
        content: { code: string };
      };
      expect(nf).toMatchObject({ status: 'error', content: { code: 'not_found' } });
    } finally {
      expect(await daemon.stop()).toBe(0);
    }

    const history = await runCli(['history', bob, '--json'], asAlice());
    expect(history.code, history.stderr).toBe(0);
    const msgs = (JSON.parse(history.stdout) as { messages: Array<{ content: string }> }).messages.map((m) => m.content);
    expect(msgs).toEqual(['hello from alice', 'hi back']);
  });

  it('resumes a restarted daemon from its saved cursors', async () => {
    // The daemon from the previous test saved bob's cursor; these arrive while it is down.
    for (const text of ['one', 'two', 'three']) {
      const r = await runCli(['send', bob, text], asAlice());
      expect(r.code, r.stderr).toBe(0);
    }
    const daemon = new LiveProcess(['daemon'], asBob());
    try {
      await daemon.waitFor(
        isJsonLine((v) => v.type === 'push' && (v.data as { content?: string }).content === 'three'),
        15_000,
        'the replayed messages',
      );
      const contents = daemon
        .json()
        .filter((v) => v.type === 'push')
        .map((v) => (v.data as { content: string }).content);
      // Exactly the missed messages, in order: the one seen before is not replayed.
      expect(contents).toEqual(['one', 'two', 'three']);
    } finally {
      await daemon.stop();
    }
  });

  it('fails with a clear one-line error and the documented exit code (as processes: the exit code is what the shell sees)', async () => {
    const badJson = await spawnCli(['call', 'p2p/send', '{bad'], asAlice());
    expect(badJson.code).toBe(2);
    expect(badJson.stderr).toMatch(/^parley: params is not valid JSON/);

    const badAgent = await spawnCli(['send', 'bob', 'hi'], asAlice());
    expect(badAgent.code).toBe(2);
    expect(badAgent.stderr).toContain('is not an agent id');

    const unknownAction = await spawnCli(['call', 'nope/nothing'], asAlice());
    expect(unknownAction.code).toBe(2);

    const invalid = await spawnCli(['call', 'p2p/send', '{"to":"agt_x"}'], asAlice());
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toMatch(/^parley: invalid_params: /);

    const notFound = await spawnCli(['call', 'agent/get', JSON.stringify({ agent_id: 'agt_' + 'b'.repeat(32) })], asAlice());
    expect(notFound.code).toBe(1);
    expect(notFound.stderr).toMatch(/^parley: not_found: /);
    expect(notFound.stderr.trim().split('\n')).toHaveLength(1);

    const noIdentity = await spawnCli(['whoami'], { PARLEY_HOME: tempDir('empty'), PARLEY_URL: url });
    expect(noIdentity.code).toBe(4);
    expect(noIdentity.stderr).toContain('parley register');

    const unreachable = await spawnCli(['whoami', '--url', 'http://127.0.0.1:9', '--timeout', '3000'], asAlice());
    expect(unreachable.code).toBe(3);
    expect(unreachable.stderr).toMatch(/^parley: (cannot reach the hub|timed out)/);

    const usage = await spawnCli(['send'], asAlice());
    expect(usage.code).toBe(2);
  });

  it('manages topics with the WTT command names and aliases: tables by default, --json for scripts', async () => {
    const json = <T>(r: { code: number | null; stdout: string; stderr: string }): T => {
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as T;
    };
    const topic = json<{ topic_id: string; role: string }>(
      await runCli(['topics', 'new', 'release notes', '--description', 'what shipped', '--json'], asAlice()),
    );
    expect(topic.role).toBe('owner');

    // Bob finds it in the human-readable list, joins with an alias and posts.
    const ls = await runCli(['topics', 'ls', '--query', 'release'], asBob());
    expect(ls.code, ls.stderr).toBe(0);
    expect(ls.stdout).toMatch(/^TOPIC\s+NAME\s+TYPE/);
    expect(ls.stdout).toMatch(new RegExp(`${topic.topic_id}\\s+release notes\\s+discussion\\s+public\\s+open\\s+1\\s+-`));
    const join = await runCli(['topics', 'subscribe', topic.topic_id], asBob());
    expect(join.stdout.trim()).toBe(`joined ${topic.topic_id} as member`);
    const posted = json<{ message_id: string; seq: number }>(
      await runCli(['post', topic.topic_id, 'v0.2', 'is', 'out', '--semantic', 'status', '--json'], asBob()),
    );
    const reply = await runCli(['publish', topic.topic_id, 'thanks', '--reply-to', posted.message_id], asAlice());
    expect(reply.stdout).toMatch(/^published msg_\S+ \(seq 2\)/);

    const history = json<{ messages: Array<{ from: string; content: string; semantic_type: string | null; reply_to: string | null }> }>(
      await runCli(['topics', 'messages', topic.topic_id, '--json'], asAlice()),
    );
    expect(history.messages.map((m) => [m.from, m.content, m.semantic_type, m.reply_to])).toEqual([
      [bob, 'v0.2 is out', 'status', null],
      [alice, 'thanks', null, posted.message_id],
    ]);
    const latest = await runCli(['topics', 'history', topic.topic_id, '--limit', '1'], asBob());
    expect(latest.stdout.trim().split('\n')).toEqual([expect.stringMatching(new RegExp(`^#2 .* ${alice}: thanks$`)), '(older messages exist: --before 2)']);

    const info = await runCli(['topics', 'info', topic.topic_id], asBob());
    expect(info.stdout).toContain('members:     2');
    expect(info.stdout).toContain('your role:   member');
    const mine = json<{ topics: Array<{ topic_id: string }> }>(await runCli(['topics', 'mysubs', '--json'], asBob()));
    expect(mine.topics.map((t) => t.topic_id)).toContain(topic.topic_id);
    const left = await runCli(['topics', 'unsubscribe', topic.topic_id], asBob());
    expect(left.stdout.trim()).toBe(`left ${topic.topic_id}`);
    const after = json<{ topics: Array<{ topic_id: string }> }>(await runCli(['topics', 'subscribed', '--json'], asBob()));
    expect(after.topics.map((t) => t.topic_id)).not.toContain(topic.topic_id);

    // A private topic does not exist for a non-member, in detail or in the list.
    const secret = json<{ topic_id: string }>(await runCli(['topics', 'create', 'secret plans', '--visibility', 'private', '--json'], asAlice()));
    const peek = await runCli(['topics', 'detail', secret.topic_id], asBob());
    expect(peek.code).toBe(1);
    expect(peek.stderr).toMatch(/^parley: not_found: /);
    expect((await runCli(['topics', 'list', '--query', 'secret'], asBob())).stdout.trim()).toBe('no topics');

    // Bad flags are usage errors, caught before anything is sent.
    const badType = await runCli(['topics', 'create', 'x', '--type', 'forum'], asAlice());
    expect(badType.code).toBe(2);
    expect(badType.stderr).toContain('--type must be one of broadcast, discussion, collaborative, p2p, got "forum"');
    const badTopic = await runCli(['post', 'news', 'hi'], asAlice());
    expect(badTopic.code).toBe(2);
    expect(badTopic.stderr).toContain('"news" is not a topic id');
  });

  it('runs a generic call', async () => {
    const created = await runCli(['call', 'topic/create', '{"name":"news"}', '--json'], asAlice());
    expect(created.code, created.stderr).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({ name: 'news', owner_id: alice, role: 'owner' });
  });
});

describe('parley demo', () => {
  it('starts a hub on embedded SQLite and shows two agents exchanging messages', async () => {
    const r = await spawnCli(['demo', '--port', '0', '--data-dir', tempDir('demo'), '--exit'], {}, undefined, 30_000);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/bob\s+<- alice: "Hi Bob, this is Alice\."/);
    expect(r.stderr).toMatch(/alice\s+<- bob: "Hello Alice! Loud and clear\."/);
    expect(r.stdout.trim()).toBe('demo done: two agents exchanged messages through the hub');
  });
});
