import { ContentType, JoinMethod, TaskPriority, TaskStatus, TopicType, TopicVisibility, WorldVisibility } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir, withoutHelpHint } from './helpers.js';

/**
 * Usage errors: caught before anything is sent (the hub here is a closed
 * port, and no identity exists), one line, exit 2, ending with the help of
 * the command they are about.
 */
const env = { PARLEY_HOME: tempDir('usage'), PARLEY_URL: 'http://127.0.0.1:9' };

async function usage(args: string[]): Promise<string> {
  const r = await runCli(args, env);
  expect(r.code, `parley ${args.join(' ')} should exit 2\nstdout: ${r.stdout}\nstderr: ${r.stderr}`).toBe(2);
  expect(r.stderr.trim().split('\n'), 'one line').toHaveLength(1);
  return r.stderr;
}

describe('usage errors', () => {
  it('point at the help of the command they are about, for commander errors and for checks in the command alike', async () => {
    // commander: a missing argument, an unknown option, an unknown command
    expect(await usage(['task', 'submit', 'tsk_abc'])).toBe("error: missing required argument 'output' (see `parley task submit --help`)\n");
    expect(await usage(['topics', 'create', 'x', '--colour', 'red'])).toBe("error: unknown option '--colour' (see `parley topics create --help`)\n");
    expect(await usage(['frobnicate'])).toBe("error: unknown command 'frobnicate' (see `parley --help`)\n");
    // a check in the command: its main name, whichever alias was typed
    expect(await usage(['send', 'bob', 'hi'])).toBe('parley: "bob" is not an agent id (agt_ followed by 32 base32 characters) (see `parley p2p --help`)\n');
    expect(await usage(['task', 'new', 'x', '--priority', 'P9'])).toBe('parley: --priority must be one of P0, P1, P2, P3, got "P9" (see `parley task create --help`)\n');
    // the helper the other files use strips exactly this ending
    expect(withoutHelpHint(await usage(['feed', '0']))).toBe('parley: page must be an integer from 1 to 1000, got "0"\n');
  });

  it('checks numeric options before anything runs: --timeout, --port, the governance rules', async () => {
    for (const bad of ['abc', '0', '-5', '1.5', '']) {
      expect(await usage(['whoami', '--timeout', bad])).toBe(`parley: --timeout must be an integer from 1 to 3600000, got "${bad}" (see \`parley --help\`)\n`);
    }
    // after a subcommand too, and for commands that never read it
    expect(await usage(['task', 'ls', '--timeout', '10s'])).toContain('--timeout must be an integer');
    expect(await usage(['demo', '--port', 'abc', '--exit'])).toBe('parley: --port must be an integer from 0 to 65535, got "abc" (see `parley demo --help`)\n');
    expect(await usage(['serve', '--port', '99999'])).toContain('--port must be an integer from 0 to 65535');
    // the governance rules, before a hub starts
    expect(await usage(['serve', '--quorum', '0'])).toBe('parley: --quorum must be an integer from 1 to 1000000, got "0" (see `parley serve --help`)\n');
    expect(await usage(['serve', '--votes-to-elect', 'two'])).toContain('--votes-to-elect must be an integer from 1 to 1000000');
    expect(await usage(['serve', '--seats', '1.5'])).toContain('--seats must be an integer');
    expect(await usage(['serve', '--max-open-proposals', '-1'])).toContain('--max-open-proposals must be an integer');
    expect(await usage(['serve', '--committee-reward', '10:ply'])).toContain('--committee-reward: the committee reward is <amount>:<SYMBOL>:<period ms> (e.g. 10:PLY:86400000), got "10:ply"');
    // a good value still reaches the hub (here: none there, exit 3 after at most that long)
    const r = await runCli(['capabilities', '--timeout', '1000'], env);
    expect(r.code, r.stderr).toBe(3);
  });

  it('shows the global options in every command\'s help', async () => {
    const r = await runCli(['task', 'submit', '--help'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Global Options:');
    // (wrapped at 80 columns when not on a terminal)
    expect(r.stdout.replace(/\s+/g, ' ')).toContain('--timeout <ms> per-request timeout in milliseconds (1-3600000, default 30000)');
  });
});

describe('value lists', () => {
  /** A command's help on one line (commander wraps it at 80 columns). */
  async function help(...args: string[]): Promise<string> {
    const r = await runCli([...args, '--help'], env);
    expect(r.code, r.stderr).toBe(0);
    return r.stdout.replace(/\s+/g, ' ');
  }

  it("every option that takes one of a fixed set of values lists them in its help, from the protocol's enums", async () => {
    const list = (e: { options: readonly string[] }): string => e.options.join(' | ');
    const topicCreate = await help('topics', 'create');
    for (const e of [TopicType, TopicVisibility, JoinMethod]) expect(topicCreate).toContain(list(e));
    expect(await help('topics', 'update')).toContain(list(JoinMethod));
    expect(await help('task', 'create')).toContain(`--priority <priority> ${list(TaskPriority)}`);
    expect(await help('task', 'ls')).toContain(list(TaskStatus));
    for (const cmd of [['p2p'], ['publish'], ['delegate', 'p2p']]) expect(await help(...cmd)).toContain(list(ContentType));
    expect(await help('topics', 'role')).toContain('admin | member');
    const worldCreate = await help('worlds', 'create');
    expect(worldCreate).toContain(list(WorldVisibility));
    expect(worldCreate).toContain('open (anyone joins) | approval (you approve requests) | invite (invited agents only)');
    expect(worldCreate).toContain('skip_turn (the silent side loses its turn) | end (the conversation ends)');
    expect(worldCreate).toContain('dual (both sides) | single (the side that asked) | either (either side)');
    expect(await help('worlds', 'ls')).toContain('hot (most members online, then members, then activity) | latest (newest first)');
    expect(await help('worlds', 'broadcast')).toContain('zero (members should not answer) | at_most_one (each may answer you once)');
  });
});
