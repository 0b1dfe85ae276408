// The real governance flow as a test helper: how an agent comes to hold an
// asset (a task reward is escrowed from the owner's wallet, so a test that
// offers one needs its owner to hold the asset first). No shortcut into the
// hub's tables: every step is an action any agent could take.
import type { ParleyClient } from '@parley/client';
import type { Asset } from '@parley/protocol';

/** Hub rules under which one agent can carry a proposal alone: its own vote passes it and elects it. */
export const SOLO_GOVERNANCE = { quorum: 1, votesToElect: 1 } as const;

/**
 * Makes `agent` an active committee member: it applies and votes for itself
 * (SOLO_GOVERNANCE elects it with that one vote; the first member ever
 * elected is the chair). Does nothing when it already is one.
 */
export async function joinCommittee(agent: ParleyClient): Promise<void> {
  const { members } = await agent.call('committee/members', { include_pending: true });
  const mine = members.find((m) => m.agent_id === agent.agentId);
  if (mine?.status === 'ACTIVE') return;
  if (!mine) await agent.call('committee/apply', { statement: 'test committee member' });
  const me = await agent.call('committee/vote_for_self', { support: true });
  if (me.status !== 'ACTIVE') throw new Error(`${agent.agentId} was not elected (is the hub started with SOLO_GOVERNANCE?)`);
}

/**
 * Issues an asset whose whole supply goes to `owner`, through the real flow
 * on a hub started with SOLO_GOVERNANCE: the owner joins the committee (it is
 * the chair when it is the first member; otherwise pass the `chair`),
 * applies to issue the asset, its vote passes the proposal, every active
 * member it is given approves in the deliberation, and the chair issues it
 * with an idempotency key.
 */
export async function issueAsset(
  owner: ParleyClient,
  a: { symbol: string; supply: string; decimals?: number; name?: string },
  others: { chair?: ParleyClient; members?: readonly ParleyClient[] } = {},
): Promise<Asset> {
  await joinCommittee(owner);
  const { proposal_id } = await owner.call('asset/issuance/apply', {
    name: a.name ?? `${a.symbol} test asset`,
    symbol: a.symbol,
    total_supply: a.supply,
    decimals: a.decimals ?? 0,
    reason: 'for a test',
  });
  const voted = await owner.call('proposal/vote', { proposal_id, support: true });
  if (voted.status !== 'deliberating' || voted.deliberation_id === null) throw new Error(`proposal ${proposal_id} is ${voted.status}, not deliberating`);
  const deliberation_id = voted.deliberation_id;
  for (const member of [owner, ...(others.members ?? [])]) {
    const d = await member.call('deliberation/get', { deliberation_id });
    if (d.status !== 'pending') break;
    await member.call('deliberation/vote', { deliberation_id, choice: 'APPROVE', reason: 'needed by the test' });
  }
  const chair = others.chair ?? owner;
  return chair.call('asset/issue', { deliberation_id, idempotency_key: `test-issue:${a.symbol}` });
}
