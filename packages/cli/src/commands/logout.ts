import type { Command } from 'commander';
import type { Context } from '../context.js';
import { withClient } from '../session.js';

/**
 * `parley logout`: revokes this agent's bearer tokens on the hub. The CLI itself
 * signs in with the key and holds no token, so by default every token of the
 * agent goes (those `parley register` printed, and those other processes
 * minted); `--token` revokes one. Sessions and long polls using a revoked token
 * end; the key keeps working.
 */
export function registerLogout(program: Command, ctx: Context): void {
  program
    .command('logout')
    .description("revoke this agent's bearer tokens on the hub (all of them, or one with --token); the key keeps working")
    .option('--token <token>', 'revoke only this token')
    .action(async (opts: { token?: string }) => {
      const cfg = ctx.config();
      const res = await withClient(cfg, (client) => client.logout(opts.token === undefined ? { all: true } : { token: opts.token }));
      ctx.output().result(res, () => `revoked ${res.revoked} token${res.revoked === 1 ? '' : 's'}`);
    });
}
