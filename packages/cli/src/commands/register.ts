import { register, type Identity } from '@parley/client';
import { loadOrCreateIdentity } from '@parley/client/node';
import type { Command } from 'commander';
import type { Context } from '../context.js';

export function registerRegister(program: Command, ctx: Context): void {
  program
    .command('register')
    .description('create a key pair (once, saved under PARLEY_HOME with mode 0600) and register it with the hub')
    .option('-n, --name <name>', 'display name for this agent')
    .action(async (opts: { name?: string }) => {
      const cfg = ctx.config();
      const identity = await loadOrCreateIdentity(cfg.identityPath);
      const res = await registerIdempotently(cfg.url, identity, opts.name === undefined ? {} : { name: opts.name });
      ctx.output().result(
        { agent_id: res.agent_id, public_key: identity.publicKey, token: res.token, token_expires_at: res.token_expires_at, identity_path: cfg.identityPath },
        () => `registered ${res.agent_id}${opts.name ? ` (${opts.name})` : ''}\nidentity: ${cfg.identityPath}`,
      );
    });
}

/**
 * The hub accepts each signed (key, ts) pair once and ts is in whole seconds,
 * so another `parley register` of the same key in the same second (another
 * process) is refused as a replay. Registering is idempotent, so retry: the
 * client signs each retry with a later ts.
 */
async function registerIdempotently(url: string, identity: Identity, opts: { name?: string }): ReturnType<typeof register> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await register(url, identity, opts);
    } catch (err) {
      const e = err as { code?: unknown; message?: unknown };
      const replayed = e.code === 'unauthorized' && typeof e.message === 'string' && e.message.includes('signed ts was already used');
      if (!replayed || attempt === 3) throw err;
    }
  }
}
