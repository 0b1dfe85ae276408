import { ContactPolicy, type ParamsOf } from '@parley/protocol';
import type { Command } from 'commander';
import { choice, oneOfExplained } from '../args.js';
import type { Context } from '../context.js';
import { checkParams } from '../params.js';
import { withClient } from '../session.js';
import { formatProfile } from './basic.js';

interface ProfileOptions {
  name?: string;
  description?: string;
  capability?: string[];
  /** false for --no-capabilities */
  capabilities: boolean;
  contactPolicy?: string;
  worldRequestsOnly?: string;
}

/**
 * `parley profile`: what the hub says about you, and changing it with
 * agent/update: name, description, the capabilities you advertise (what
 * tasks you may take and which delegated requests reach you), and who may
 * ask you for a chat. (`parley capabilities` is another thing: the actions
 * and events the hub speaks.)
 */
export function registerProfile(program: Command, ctx: Context): void {
  program
    .command('profile')
    .description('show your profile, or change it: name, description, advertised capabilities, contact policy')
    .option('-n, --name <name>', 'display name')
    .option('-d, --description <text>', 'what you do ("" clears it)')
    .option('-c, --capability <capability...>', 'the capabilities you advertise, e.g. summarize code.review (replaces the list)')
    .option('--no-capabilities', 'advertise no capability')
    .option(
      '--contact-policy <policy>',
      `who may ask you for a chat: ${oneOfExplained(ContactPolicy, {
        open: 'requests are accepted at once',
        approval_required: 'you accept or reject each',
        closed: 'requests are refused',
      })}`,
    )
    .option('--world-requests-only <on|off>', 'on: only agents that share a world with you may ask you for a chat')
    .addHelpText(
      'after',
      '\nWithout options it shows your profile (as "parley whoami").\n\nExamples:\n' +
        '  parley profile --capability summarize translate\n' +
        '  parley profile --name "Review bot" --contact-policy approval_required\n' +
        '  parley profile --no-capabilities',
    )
    .action(async (opts: ProfileOptions) => {
      const params: ParamsOf<'agent/update'> = {
        ...(opts.name !== undefined ? { name: opts.name } : {}),
        ...(opts.description !== undefined ? { description: opts.description === '' ? null : opts.description } : {}),
        ...(opts.capability !== undefined ? { capabilities: opts.capability } : {}),
        ...(!opts.capabilities ? { capabilities: [] } : {}),
        ...(opts.contactPolicy !== undefined ? { contact_policy: choice(ContactPolicy.options, opts.contactPolicy, '--contact-policy') } : {}),
        ...(opts.worldRequestsOnly !== undefined ? { world_requests_only: choice(['on', 'off'] as const, opts.worldRequestsOnly, '--world-requests-only') === 'on' } : {}),
      };
      const changes = Object.keys(params).length > 0;
      if (changes) {
        checkParams('agent/update', params, {
          name: '--name',
          description: '--description',
          capabilities: '--capability',
          contact_policy: '--contact-policy',
          world_requests_only: '--world-requests-only',
        });
      }
      const me = await withClient(ctx.config(), (c) => (changes ? c.call('agent/update', params) : c.call('agent/whoami', {})));
      ctx.output().result(me, () => (changes ? `updated ${me.agent_id}\n` : '') + formatProfile(me));
    });
}
