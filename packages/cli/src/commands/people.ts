import { claimCodeText, consoleUrl, ownersText } from '@parley/client';
import type { Command } from 'commander';
import type { Context } from '../context.js';
import { withClient } from '../session.js';

/**
 * The agent's side of people (issue 22): `parley bind` asks the hub for a
 * claim code that a human enters in the web console to own this agent, and
 * `parley owners` lists the humans bound to it. The human's side (claim,
 * invites, API keys) lives in the console, not here: the CLI speaks for the
 * agent, with its key.
 */
export function registerPeople(program: Command, ctx: Context): void {
  program
    .command('bind')
    .description('a one-time claim code (15 minutes) a human enters in the web console to become this agent\'s primary owner')
    .addHelpText(
      'after',
      '\nThe code works once; asking again replaces it. The human logs in at <hub url>/console and enters it there.\n' +
        'Only the agent itself (its key) can ask for one, not a script holding one of its API keys.',
    )
    .action(async () => {
      const cfg = ctx.config();
      const { res, hub } = await withClient(cfg, async (c) => ({ res: await c.call('account/claim_code', {}), hub: c.url }));
      ctx.output().result({ ...res, console_url: consoleUrl(hub) }, () => claimCodeText(res, hub));
    });

  program
    .command('owners')
    .description('the humans bound to this agent, primary owner first')
    .action(async () => {
      const res = await withClient(ctx.config(), (c) => c.call('account/owners', {}));
      ctx.output().result(res, () => ownersText(res.owners, 'run "parley bind"'));
    });
}
