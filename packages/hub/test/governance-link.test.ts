import { ErrorCode, GOVERNANCE_STREAM, type Proposal, type ProposalStatus } from '@parley/protocol';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalBus } from '../src/bus/local.js';
import { resolveConfig } from '../src/config.js';
import { HubError } from '../src/core/errors.js';
import { Streams, type StreamAccess } from '../src/core/streams.js';
import { GovernanceService, type GovernanceLink } from '../src/domains/governance/index.js';
import type { Tx } from '../src/store/sql.js';
import type { Store } from '../src/store/store.js';
import { identity, memoryStore } from './helpers.js';

/**
 * The governance domain as the economy sees it (GovernanceLink) and the
 * ProposalHooks it calls, on a bare store with no hub around it: asset_issue
 * proposals exist only through the link, so this is where they are tested.
 */
describe('GovernanceLink and ProposalHooks', () => {
  let store: Store;
  let streams: Streams;
  let gov: GovernanceService;
  let link: GovernanceLink;
  const access: StreamAccess = { canRead: async () => true, readable: async () => [], recipients: async () => [] };
  const [chair, member, author, voter] = [identity(), identity(), identity(), identity()].map((i) => i.agentId) as [string, string, string, string];
  const hookCalls: Array<{ proposal: Proposal; from: ProposalStatus }> = [];

  beforeEach(async () => {
    store = await memoryStore();
    streams = new Streams(store.db, store.read, store.writer, new LocalBus(), access);
    gov = new GovernanceService({
      db: store.db,
      read: store.read,
      writer: store.writer,
      streams,
      cfg: resolveConfig({ governance: { quorum: 1, votesToElect: 1, maxOpenProposals: 2 } }).governance,
      peers: { namesOf: async () => new Map(), namedLike: () => sql`select agent_id from agents where 1 = 0` },
    });
    link = gov.link();
    hookCalls.length = 0;
    // The economy's hook: records each change and stages a push of its own in the same job.
    gov.onProposalChange(async (tx, proposal, from) => {
      hookCalls.push({ proposal, from });
      return [await streams.stage(tx, 'agent:hook', 'test.hook', { status: proposal.status })];
    });
    for (const id of [chair, member]) {
      await gov.committee.apply(id, {});
      await gov.committee.vote(id, id, true);
    }
  });
  afterEach(() => store.close());

  const inJob = <T>(fn: (tx: Tx) => Promise<T>) => store.writer.run(fn);
  const issuance = (n: number) => ({ title: `Issue COIN${n}`, description: 'for the community', issuance_id: `iss_test${n}` });
  const hookPushes = async () => (await streams.read('agent:hook', 0, 100)).map((p) => (JSON.parse(p.frame) as { data: { status: string } }).data.status);

  it('opens asset_issue proposals within the author bound, tells the public, and reports the chair and the members', async () => {
    const { proposal, pushes } = await inJob((tx) => link.openIssuanceProposal(tx, author, issuance(1)));
    expect(proposal).toMatchObject({ kind: 'asset_issue', status: 'open', author_id: author, issuance_id: 'iss_test1', stats: null });
    expect(pushes.map((p) => [p.stream, JSON.parse(p.frame).event])).toEqual([[GOVERNANCE_STREAM, 'proposal.created']]);
    // The issuance path and proposal/create share one bound.
    await gov.proposals.create(author, { title: 'general', description: 'x' });
    await expect(inJob((tx) => link.openIssuanceProposal(tx, author, issuance(2)))).rejects.toMatchObject({ code: 'conflict', details: { limit: 2, open: 2 } });
    expect(await inJob((tx) => link.chairId(tx))).toBe(chair);
    expect(await inJob((tx) => link.activeMembers(tx))).toEqual([chair, member]);
    expect(await inJob((tx) => link.deliberationFor(tx, 'dlb_nothere'))).toBeNull();
  });

  it('executes an approved issuance only through the link, only by the chair, and calls the hooks at every status change', async () => {
    const { proposal } = await inJob((tx) => link.openIssuanceProposal(tx, author, issuance(3)));
    const voted = await gov.proposals.vote(voter, { proposal_id: proposal.proposal_id, support: true });
    expect(voted.status).toBe('deliberating');
    const did = voted.deliberation_id!;
    expect(await inJob((tx) => link.deliberationFor(tx, did))).toEqual({
      deliberation_id: did,
      status: 'pending',
      proposal_id: proposal.proposal_id,
      proposal_kind: 'asset_issue',
      issuance_id: 'iss_test3',
    });
    // Not approved yet.
    await expect(inJob((tx) => link.execute(tx, did, chair, 'issued'))).rejects.toMatchObject({ code: 'conflict' });
    await gov.deliberations.vote(chair, { deliberation_id: did, choice: 'APPROVE', reason: 'yes' });
    const approved = await gov.deliberations.vote(member, { deliberation_id: did, choice: 'APPROVE', reason: 'fine' });
    expect(approved.status).toBe('approved');
    // deliberation/execute refuses an issuance: the economy issues it.
    await expect(gov.deliberations.execute(chair, { deliberation_id: did, result: 'done' })).rejects.toThrow('issue it with asset/issue');
    await expect(inJob((tx) => link.execute(tx, did, member, 'issued'))).rejects.toMatchObject({ code: 'forbidden' });
    const pushes = await inJob((tx) => link.execute(tx, did, chair, 'issued COIN3, 1000 units'));
    expect(pushes.some((p) => JSON.parse(p.frame).event === 'proposal.status')).toBe(true);
    expect(await gov.proposals.get(author, proposal.proposal_id)).toMatchObject({ status: 'executed', result: 'issued COIN3, 1000 units' });
    expect(await gov.deliberations.get(chair, did)).toMatchObject({ status: 'executed', result: 'issued COIN3, 1000 units' });
    expect(hookCalls.map((c) => [c.from, c.proposal.status])).toEqual([
      ['open', 'deliberating'],
      ['deliberating', 'approved'],
      ['approved', 'executed'],
    ]);
    // What the hooks staged committed with each change.
    expect(await hookPushes()).toEqual(['deliberating', 'approved', 'executed']);
    // A general proposal is not executed through the link.
    const general = await gov.proposals.create(author, { title: 'general', description: 'x' });
    const g = await gov.proposals.vote(voter, { proposal_id: general.proposal_id, support: true });
    await gov.deliberations.vote(chair, { deliberation_id: g.deliberation_id!, choice: 'APPROVE', reason: 'ok' });
    await gov.deliberations.vote(member, { deliberation_id: g.deliberation_id!, choice: 'APPROVE', reason: 'ok' });
    await expect(inJob((tx) => link.execute(tx, g.deliberation_id!, chair, 'x'))).rejects.toThrow('only an asset issuance');
  });

  it('a hook that refuses rolls the change back with it', async () => {
    const p = await gov.proposals.create(author, { title: 'doomed', description: 'x' });
    gov.onProposalChange(async () => {
      throw new HubError(ErrorCode.Conflict, 'the economy says no');
    });
    await expect(gov.proposals.close(chair, { proposal_id: p.proposal_id, reason: 'spam' })).rejects.toThrow('the economy says no');
    expect((await gov.proposals.get(author, p.proposal_id)).status).toBe('open');
    expect(await hookPushes()).toEqual([]);
  });
});
