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

  it('checks numeric options before anything runs: --timeout, --port', async () => {
    for (const bad of ['abc', '0', '-5', '1.5', '']) {
      expect(await usage(['whoami', '--timeout', bad])).toBe(`parley: --timeout must be an integer from 1 to 3600000, got "${bad}" (see \`parley --help\`)\n`);
    }
    // after a subcommand too, and for commands that never read it
    expect(await usage(['task', 'ls', '--timeout', '10s'])).toContain('--timeout must be an integer');
    expect(await usage(['demo', '--port', 'abc', '--exit'])).toBe('parley: --port must be an integer from 0 to 65535, got "abc" (see `parley demo --help`)\n');
    expect(await usage(['serve', '--port', '99999'])).toContain('--port must be an integer from 0 to 65535');
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
