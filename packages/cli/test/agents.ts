import { expect } from 'vitest';
import { runCli, withoutHelpHint, type RunResult } from './helpers.js';

/** `parley` as each of a test's agents: one home (identity, cursors) per agent, one hub for all. */
export interface AgentCli<Who extends string> {
  /** Runs a command to completion, whatever its exit code. */
  run(args: string[], who: Who, input?: string): Promise<RunResult>;
  /** Runs a command that must succeed; its stdout. */
  ok(args: string[], who: Who, input?: string): Promise<string>;
  /** Runs a command with --json that must succeed; its parsed result. */
  json<T>(args: string[], who: Who, input?: string): Promise<T>;
  /** Runs a command that must fail with `code` and a one-line error; its stderr (for a usage error, without the help hint it ends with). */
  fails(args: string[], who: Who, code: number): Promise<string>;
}

/**
 * `url` is read at each run: the hub of a test file starts in beforeAll,
 * after this is set up. Failures name the command and the agent, so a broken
 * step in a long scenario is found from the message alone.
 */
export function agentCli<Who extends string>(homes: Record<Who, string>, url: () => string): AgentCli<Who> {
  const run = (args: string[], who: Who, input?: string): Promise<RunResult> => runCli(args, { PARLEY_HOME: homes[who], PARLEY_URL: url() }, input);
  const label = (args: string[], who: Who): string => `parley ${args.join(' ')} (as ${who})`;
  const ok = async (args: string[], who: Who, input?: string): Promise<string> => {
    const res = await run(args, who, input);
    expect(res.code, `${label(args, who)}: ${res.stderr}`).toBe(0);
    return res.stdout;
  };
  return {
    run,
    ok,
    json: async <T>(args: string[], who: Who, input?: string): Promise<T> => JSON.parse(await ok([...args, '--json'], who, input)) as T,
    fails: async (args, who, code) => {
      const res = await run(args, who);
      expect(res.code, `${label(args, who)} should exit ${code}\nstdout: ${res.stdout}\nstderr: ${res.stderr}`).toBe(code);
      expect(res.stderr.trim().split('\n'), 'errors are one line').toHaveLength(1);
      return code === 2 ? withoutHelpHint(res.stderr) : res.stderr;
    },
  };
}
