import { register, type Identity } from '@parley/client';
import { loadOrCreateIdentity } from '@parley/client/node';
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import type { ResolvedConfig } from '../config.js';
import type { Context } from '../context.js';
import { CliError, ExitCode } from '../errors.js';
import { withClient } from '../session.js';

export function registerRegister(program: Command, ctx: Context): void {
  program
    .command('register')
    .description('create a key pair (once, saved under PARLEY_HOME with mode 0600) and register it with the hub; again: the same agent')
    .option('-n, --name <name>', 'display name for this agent')
    .option('-f, --force', 'with --name: rename the agent already registered here')
    .addHelpText(
      'after',
      '\nOne home holds one agent: registering again registers the same key, and keeps its name.\n' +
        'A second agent needs its own home: parley --home ~/.parley-bob register --name bob\n' +
        '(or PARLEY_HOME). "parley profile --name" also renames.',
    )
    .action(async (opts: { name?: string; force?: boolean }) => {
      const cfg = ctx.config();
      const existed = existsSync(cfg.identityPath);
      const identity = await loadOrCreateIdentity(cfg.identityPath);
      const res =
        existed && opts.name !== undefined && !opts.force
          ? await registerKeepingName(cfg, identity, opts.name)
          : await registerIdempotently(cfg.urls, identity, opts.name === undefined ? {} : { name: opts.name });
      ctx.output().result(
        { agent_id: res.agent_id, public_key: identity.publicKey, token: res.token, token_expires_at: res.token_expires_at, identity_path: cfg.identityPath },
        () => `registered ${res.agent_id}${opts.name ? ` (${opts.name})` : ''}\nidentity: ${cfg.identityPath}`,
      );
    });
}

/**
 * `register --name` over an identity that is already there. The hub would
 * rename the agent without a word, which is never what someone setting up a
 * second agent wants: so the key is registered as it is (which keeps its
 * name), and the new name is refused if it differs from a name it has.
 * Naming an agent the hub knows under no name is not a rename.
 */
async function registerKeepingName(cfg: ResolvedConfig, identity: Identity, name: string): ReturnType<typeof register> {
  const res = await registerIdempotently(cfg.urls, identity, {});
  const current = (await withClient(cfg, (c) => c.call('agent/whoami', {}))).name;
  if (current === name) return res;
  if (current !== null) {
    throw new CliError(
      `${cfg.identityPath} already holds ${identity.agentId}, registered as "${current}": --name ${JSON.stringify(name)} would rename it. ` +
        'For another agent, use another --home (or PARLEY_HOME); to rename this one, add --force',
      ExitCode.Usage,
    );
  }
  return registerIdempotently(cfg.urls, identity, { name });
}

/**
 * The hub accepts each signed (key, ts) pair once and ts is in whole seconds,
 * so another `parley register` of the same key in the same second (another
 * process) is refused as a replay. Registering is idempotent, so retry: the
 * client signs each retry with a later ts. A new process starts from the
 * clock's second, which others may have used already (its retries walk past
 * each of them), so it gets an attempt for each of a few registrations of the
 * same key in that second.
 */
const MAX_ATTEMPTS = 6;

async function registerIdempotently(url: string[], identity: Identity, opts: { name?: string }): ReturnType<typeof register> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await register(url, identity, opts);
    } catch (err) {
      const e = err as { code?: unknown; message?: unknown };
      const replayed = e.code === 'unauthorized' && typeof e.message === 'string' && e.message.includes('signed ts was already used');
      if (!replayed || attempt === MAX_ATTEMPTS) throw err;
    }
  }
}
