// The chat command language, command by command and alias by alias: which
// action each spelling runs with which params, and what bad input answers.
// (test/plugin.test.ts runs the same commands against a real hub.)
import type { ActionName } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import { CommandTable, matchFreeText, runCommandLine, suggest } from '../src/commands/parser.js';
import { parseDuration, type CommandHost, type CommandRunContext } from '../src/commands/spec.js';
import { CommandSyntaxError, tokenize } from '../src/commands/tokenizer.js';
import type { ParleyCaller } from '../src/domain.js';
import { DOMAINS } from '../src/domains/index.js';

const TOPIC = 'top_abc123';
const AGENT = `agt_${'a'.repeat(32)}`;

/** Records the first call and stops the command there. */
class Recorder implements ParleyCaller {
  calls: Array<{ action: ActionName; params: unknown }> = [];
  async call<A extends ActionName>(action: A, params: unknown): Promise<never> {
    this.calls.push({ action, params });
    throw Object.assign(new Error('recorded'), { code: 'recorded' });
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
    format: { selfId: AGENT, describePush: () => 'PUSH' },
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
  [`export ${TOPIC}`, 'topic/export', { topic_id: TOPIC, format: 'markdown', limit: 200 }],
  [`export ${TOPIC} json`, 'topic/export', { topic_id: TOPIC, format: 'json', limit: 200 }],
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
  ['memory read standup', 'memory/read', { name: 'standup' }],
  ['memory recall "standup notes"', 'memory/read', { name: 'standup notes' }],
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
    for (const missing of ['task', 'pipeline', 'pipe', 'delegate', 'world', 'chat', 'bind', 'preview']) {
      expect(table.find(missing), missing).toBeUndefined();
      expect(out).not.toMatch(new RegExp(`/parley ${missing}\\b`));
    }
    expect((await run('')).out).toBe(out);
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
    ['notifications off nonsense', '"nonsense" is neither a topic id (top_...) nor one of topic.message, topic.updated, agent.presence.'],
    ['whoami please', 'Unexpected "please".\nUsage: /parley whoami'],
    ['config bogus', 'Unexpected "bogus".\nUsage: /parley config [auto|off|reset]'],
    ['help me please', 'Unexpected "please".\nUsage: /parley help [command]'],
    ['frobnicate', 'Unknown command "frobnicate". Say "/parley help" for the list.'],
    ['lsit', 'Unknown command "lsit". Did you mean "/parley list"'],
    ['pubish top_x hi', 'Did you mean "/parley publish"'],
    [`publish ${TOPIC} "unterminated`, 'Could not read that command: unterminated quote " at position'],
  ];

  it.each(BAD)('%j', async (line, expected) => {
    const { out, calls } = await run(line);
    expect(calls).toEqual([]);
    expect(out).toContain(expected);
  });

  it('gives every command a usage line for bad input', async () => {
    // A word no command accepts as an argument (not an id, number, duration or choice).
    for (const c of table.commands) {
      const leaves = c.subcommands?.length ? c.subcommands.map((s) => [c.name, s.name].join(' ')) : [c.name];
      for (const leaf of leaves) {
        const spec = c.subcommands?.find((s) => leaf.endsWith(` ${s.name}`)) ?? c;
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

  it('refuses a command table where two commands share a word', () => {
    expect(() => new CommandTable([{ name: 'a', summary: 'x' }, { name: 'b', aliases: ['a'], summary: 'y' }])).toThrow(/used by both/);
  });
});
