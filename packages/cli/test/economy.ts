import { expect } from 'vitest';
import type { AgentCli } from './agents.js';

/**
 * Value for tests, made the only way a hub makes it: through governance and
 * the CLI. The hub must run with `--quorum 1 --votes-to-elect 1`
 * (GOVERNANCE_FLAGS), so that one agent can pass each step alone: it stands
 * for the committee and elects itself (the first member is the chair),
 * applies for the asset, votes the proposal through, approves the
 * deliberation as the only member, and issues the asset to its own wallet.
 */
export const GOVERNANCE_FLAGS = ['--quorum', '1', '--votes-to-elect', '1'];

interface Application {
  agent_id: string;
  status: string;
  role: string | null;
}

/** Makes `chair` the committee's chair: applies and elects itself, unless it already sits. The committee must be empty or led by it. */
export async function becomeChair<Who extends string>(cli: AgentCli<Who>, chair: Who, chairId: string): Promise<void> {
  const { members } = await cli.json<{ members: Application[] }>(['committee', 'members'], chair);
  if (members.some((m) => m.agent_id === chairId && m.status === 'ACTIVE')) return;
  await cli.ok(['committee', 'apply', 'to', 'issue', 'test', 'assets'], chair);
  const elected = await cli.json<Application>(['committee', 'vote-self', 'yes'], chair);
  expect(elected, 'the first member elected chairs the committee').toMatchObject({ status: 'ACTIVE', role: 'chair' });
}

/**
 * Issues `supply` smallest units of a new asset to `chair`'s wallet through
 * the whole flow (see above). `chair` must be the committee's only member,
 * so that its approval alone decides the deliberation.
 */
export async function issueAsset<Who extends string>(
  cli: AgentCli<Who>,
  chair: Who,
  chairId: string,
  asset: { symbol: string; supply: string; decimals?: number },
): Promise<void> {
  await becomeChair(cli, chair, chairId);
  const applied = await cli.json<{ proposal_id: string }>(
    ['asset', 'apply', `${asset.symbol} for tests`, asset.symbol, asset.supply, '--decimals', String(asset.decimals ?? 0), '--reason', 'test funds'],
    chair,
  );
  const voted = await cli.json<{ status: string; deliberation_id: string | null }>(['proposal', 'vote', applied.proposal_id, 'yes'], chair);
  expect(voted.status).toBe('deliberating');
  const decided = await cli.json<{ status: string }>(['deliberation', 'vote', voted.deliberation_id!, 'approve', 'test', 'funds'], chair);
  expect(decided.status).toBe('approved');
  const issued = await cli.json<{ symbol: string; total_supply: string; issuer_id: string }>(['asset', 'issue', voted.deliberation_id!], chair);
  expect(issued).toMatchObject({ symbol: asset.symbol, total_supply: asset.supply, issuer_id: chairId });
}

/** `who`'s balance of `asset` in smallest units ('0' when it holds none), from `parley wallet --json`. */
export async function balanceOf<Who extends string>(cli: AgentCli<Who>, who: Who, asset: string, of?: string): Promise<string> {
  const wallet = await cli.json<{ balances: Array<{ asset: string; amount: string }> }>(['wallet', ...(of ? [of] : [])], who);
  return wallet.balances.find((b) => b.asset === asset)?.amount ?? '0';
}
