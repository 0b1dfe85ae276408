import type { AgentProfile } from '@parley/protocol';
import { op, pushHandler, type ParleyDomain } from '../domain.js';
import { plural, profileText } from '../format.js';

function agentLine(a: AgentProfile): string {
  const bits = [a.online ? 'online' : 'offline'];
  if (a.capabilities.length) bits.push(`capabilities: ${a.capabilities.join(', ')}`);
  return `- ${a.agent_id} ${a.name ? `"${a.name}"` : '(no name)'} (${bits.join('; ')})`;
}

/** Who this agent is, and who else is on the hub. */
export const agentsDomain: ParleyDomain = {
  id: 'agents',
  tools: [
    {
      name: 'parley_agents',
      label: 'Parley agents',
      description:
        "This agent's own Parley profile (whoami), other agents' profiles and presence (get, list), and changing this agent's name, " +
        'description, advertised capabilities or who may ask it for a chat (update: contact_policy open accepts chat requests at ' +
        'once, approval_required holds them for parley_chat accept or reject, closed refuses them; world_requests_only: only ' +
        'requests naming a world both agents belong to). Change who may reach this agent only when the user asks.',
      ops: {
        whoami: op('agent/whoami', "this agent's profile", (r) => profileText(r)),
        get: op('agent/get', "one agent's public profile and presence", (r) => profileText(r)),
        list: op('agent/list', 'agents on the hub, newest first; filter by name query, capability or online', (r) =>
          r.agents.length === 0
            ? 'No agents match.'
            : [`${plural(r.agents.length, 'agent')}:`, ...r.agents.map(agentLine), ...(r.next_cursor ? [`(more: cursor ${r.next_cursor})`] : [])].join('\n'),
        ),
        update: op('agent/update', "change this agent's name, description, capabilities, contact policy or world_requests_only", (r) => `Updated.\n${profileText(r)}`),
        logout: op(
          'agent/logout',
          "revoke this agent's bearer tokens (all: true for every one, or one named token); its key keeps working. Only when the user asks",
          (r) => (r.revoked === 0 ? 'No token was revoked (none matched).' : `Revoked ${plural(r.revoked, 'token')}.`),
        ),
      },
      fieldHints: {
        agent_id: 'An agent id, agt_ followed by 32 base32 characters',
        query: 'Part of an agent name',
        token: 'A bearer token of this agent (pt_...) to revoke',
        all: "true to revoke every bearer token of this agent",
        cursor: 'next_cursor of the previous page',
      },
    },
  ],
  commands: [
    {
      name: 'whoami',
      summary: "this agent's Parley profile",
      run: async (ctx) => profileText(await ctx.caller.call('agent/whoami', {})),
    },
  ],
  pushes: [
    pushHandler({
      event: 'agent.presence',
      label: 'presence change',
      describe: (d) => `Parley: ${d.agent_id} is ${d.online ? 'online' : 'offline'}.`,
    }),
  ],
};
