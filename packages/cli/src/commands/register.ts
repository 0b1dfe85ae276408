import { register } from '@parley/client';
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
      const res = await register(cfg.url, identity, opts.name === undefined ? {} : { name: opts.name });
      ctx.output().result(
        { agent_id: res.agent_id, public_key: identity.publicKey, token: res.token, token_expires_at: res.token_expires_at, identity_path: cfg.identityPath },
        () => `registered ${res.agent_id}${opts.name ? ` (${opts.name})` : ''}\nidentity: ${cfg.identityPath}`,
      );
    });
}
