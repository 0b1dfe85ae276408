// Governance and the economy through the plugin: tools, chat commands and the
// notices they cause in the chat, against a real hub run under rules where
// one vote passes a proposal and elects a candidate (SOLO_GOVERNANCE), with
// two more agents driven by the client. The tests run in order on one hub:
// bob becomes the chair, alice (the plugin) a member, carol stays outside.
import type { RunningHub } from '@parley/hub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SOLO_GOVERNANCE, joinCommittee } from './governance-flow.js';
import { gatewayWithPlugin, idIn, inChat as chatMessage, peer, pluginAgent, startTestHub, tempDir, toolOk, waitFor, type FakeGateway, type PluginAgent, type Peer } from './fake-openclaw.js';

let hub: RunningHub;
let plugin: PluginAgent;
let gw: FakeGateway;
let bob: Peer;
let carol: Peer;
let alice: string;
let bobId: string;
let carolId: string;

beforeAll(async () => {
  hub = await startTestHub({ governance: SOLO_GOVERNANCE });
  plugin = await pluginAgent(hub.url, 'alice');
  ({ gw, agentId: alice } = plugin);
  bob = await peer(hub.url, 'bob');
  carol = await peer(hub.url, 'carol');
  bobId = bob.identity.agentId;
  carolId = carol.identity.agentId;
  // The first member elected is the chair.
  await joinCommittee(bob.client);
});

afterAll(async () => {
  await plugin?.stop();
  await bob?.client.close();
  await carol?.client.close();
  await hub?.close();
});

const slash = (line: string) => gw.slash(line);
const chat = () => gw.sent.map((m) => m.text);
const inChat = (what: string, ...parts: string[]) => chatMessage(gw, what, ...parts);
const ok = (name: string, params: Record<string, unknown>) => toolOk(gw, name, params);

describe('proposals', () => {
  it('proposes by command, hears its proposal pass the community and the committee decide, with the reasons', async () => {
    const reply = await slash('proposal create "Weekly community call" Every Friday at 16:00 UTC,\nrecorded');
    const prp = idIn('prp', reply);
    expect(reply).toBe(`Proposed ${prp} "Weekly community call": open for votes.`);
    expect(await slash('proposal list --open')).toContain(`- ${prp} "Weekly community call" (open, 0 votes, by you)`);
    // Alice has not voted: the counts are not hers to see.
    const detail = await slash(`proposal info ${prp}`);
    expect(detail).toContain('votes: 0 votes cast (the counts show once you have voted)');
    expect(detail).toContain('description: Every Friday at 16:00 UTC,\n  recorded');

    // Bob's vote passes it (quorum 1): the author hears it, directly.
    const voted = await bob.client.call('proposal/vote', { proposal_id: prp, support: true });
    expect(voted.status).toBe('deliberating');
    const passed = await inChat('the proposal passing', prp, 'passed the community vote');
    expect(passed).toBe(`Parley: your proposal ${prp} "Weekly community call" passed the community vote: the committee deliberates on it [open -> deliberating].`);

    // The committee (bob alone) approves; alice reads the reason in her chat.
    await bob.client.call('deliberation/vote', { deliberation_id: voted.deliberation_id!, choice: 'APPROVE', reason: 'Fridays suit every time zone' });
    const approved = await inChat('the approval', prp, 'was approved by the committee');
    expect(approved).toContain('Committee: 1 approve, 0 reject, 0 abstain of 1 seat.');
    expect(approved).toContain(`- ${bobId}: APPROVE: Fridays suit every time zone`);
    expect(await slash(`deliberation info ${voted.deliberation_id!}`)).toContain(`- ${bobId}: APPROVE (`);

    await bob.client.call('deliberation/execute', { deliberation_id: voted.deliberation_id!, result: 'The call is in the calendar' });
    expect(await inChat('the execution', prp, 'was executed')).toContain('[approved -> executed]: The call is in the calendar');
    // The public summaries of the same changes stay out of the chat (governance: "direct").
    expect(chat().filter((t) => t.includes(prp))).toHaveLength(3);
  });

  it('votes on a proposal by command and by tool, and then sees its counts', async () => {
    const p = await carol.client.call('proposal/create', { title: 'Office hours', description: 'twice a month' });
    // Not alice's: a new proposal is a public summary, not forwarded by default, so it stays unread for poll.
    expect(await slash('proposal vote ' + p.proposal_id + ' no')).toBe(`Voted against ${p.proposal_id} "Office hours" (0 for, 1 against, you: against).`);
    expect(await slash(`proposal stats ${p.proposal_id}`)).toBe(`${p.proposal_id}: 0 for, 1 against (1 vote); you voted against.`);
    const again = await slash(`proposal vote ${p.proposal_id} yes`);
    expect(again).toMatch(/^Parley error \(conflict\)/);
    const q = await carol.client.call('proposal/create', { title: 'Quiet weekends', description: 'no pushes on Sundays' });
    const byTool = await ok('parley_proposals', { op: 'vote', proposal_id: q.proposal_id, support: true });
    expect(byTool.text).toContain(`Voted for ${q.proposal_id} "Quiet weekends"`);
    expect(byTool.details).toMatchObject({ proposal_id: q.proposal_id, status: 'deliberating', stats: { support: 1, my_vote: true } });
    const listed = (await ok('parley_proposals', { op: 'list', author: carolId })).text;
    expect(listed).toContain(`- ${q.proposal_id} "Quiet weekends" (deliberating, 1 for, 0 against, you: for, by ${carolId})`);
    expect(await slash('proposal rules')).toContain('Quorum: 1 community vote, then more for than against passes a proposal to the committee.');
  });
});

describe('the committee and its deliberations', () => {
  it('joins the committee by command, and as a member is asked to vote in the next deliberation', async () => {
    expect(await slash('committee apply I answer within a day')).toContain('Applied to the committee (PENDING).');
    expect(await slash('committee applications')).toContain(`- you: PENDING, 0 for / 0 against: I answer within a day`);
    expect(await slash('committee vote me yes')).toMatch(/^Voted for you: you: ACTIVE member, 1 for \/ 0 against: I answer within a day\. Elected at /);
    const members = await slash('committee members');
    expect(members).toContain(`Committee: 2 of 21 seats taken, chair ${bobId}.`);
    expect(members).toContain(`- ${bobId} (bob): ACTIVE chair`);
    expect(members).toContain('- you: ACTIVE member');

    const p = await carol.client.call('proposal/create', { title: 'A Rust topic', description: 'for agents written in Rust' });
    const voted = await carol.client.call('proposal/vote', { proposal_id: p.proposal_id, support: true });
    const dlb = voted.deliberation_id!;
    // The direct notice names the command to vote with.
    const asked = await inChat('the deliberation notice', dlb, 'As a member');
    expect(asked).toBe(
      `Parley: the committee deliberates on ${p.proposal_id} "A Rust topic" (${dlb}).\n` +
        `As a member, vote with a reason: "/parley deliberation vote ${dlb} approve <reason>" (or reject, abstain).`,
    );
    expect(await slash('deliberation list --pending')).toContain(`- ${dlb} on ${p.proposal_id} "A Rust topic" (pending, 0 approve, 0 reject, 0 abstain of 2 seats)`);
    expect(await slash(`deliberation vote ${dlb} approve Rust agents are a third of the hub`)).toBe(
      `Voted APPROVE in ${dlb} ("A Rust topic"): still pending, 1 approve, 0 reject, 0 abstain of 2 seats.`,
    );
    // Bob's vote decides it; alice hears it as a vote in her deliberation only if she asked for those events.
    const decided = await bob.client.call('deliberation/vote', { deliberation_id: dlb, choice: 'REJECT', reason: 'one topic per language is too many' });
    expect(decided.status).toBe('rejected');
    const got = await ok('parley_deliberations', { op: 'get', deliberation_id: dlb });
    expect(got.text).toContain('status: rejected, 1 approve, 1 reject, 0 abstain of 2 seats');
    expect(got.text).toContain('- you: APPROVE (');
    expect(got.text).toContain(`- ${bobId}: REJECT (`);
  });
});

describe('assets, wallets, transfers and the ledger', () => {
  let issuance = '';

  it('applies to issue an asset by command, and hears it issued into its wallet', async () => {
    const reply = await slash('asset apply ply Parley credits --supply 100000 --decimals 2 --reason "task rewards"');
    issuance = idIn('iss', reply);
    const prp = idIn('prp', reply);
    expect(reply).toContain(`Applied to issue PLY "Parley credits" (${issuance}): the community votes on proposal ${prp}`);
    expect(await slash('asset issuances --mine')).toContain(`- ${issuance} PLY "Parley credits" (proposed, supply 100000 units, 2 decimals, by you, proposal ${prp})`);
    const passed = await slash(`proposal vote ${prp} yes`);
    const dlb = idIn('dlb', passed);
    expect(await slash(`deliberation vote ${dlb} approve needed for task rewards`)).toContain('still pending');
    expect(await slash(`deliberation vote ${dlb} approve twice`)).toMatch(/^Parley error \(conflict\)/);
    await bob.client.call('deliberation/vote', { deliberation_id: dlb, choice: 'APPROVE', reason: 'fine' });
    // Only the chair issues: alice is refused, bob issues it.
    expect(await slash(`asset issue ${dlb}`)).toMatch(/^Parley error \(forbidden\)/);
    await bob.client.call('asset/issue', { deliberation_id: dlb, idempotency_key: 'issue-ply' });
    expect(await inChat('the issue', 'asset PLY')).toBe('Parley: asset PLY "Parley credits" was issued: 100000 units (2 decimals) are in your wallet.');
    expect(await slash('asset info PLY')).toContain(`PLY "Parley credits": supply 1000 PLY (100000 units), 2 decimals, issued to you at `);
    expect(await slash('wallet')).toMatch(/^Your wallet wal_[a-z2-7]{32}:\n- 1000 PLY \(100000 units\)$/);
  });

  it('transfers by command and by tool, signed with its key; hears what it receives; reads the ledger', async () => {
    expect(await slash(`transfer ${carolId} 250 PLY thanks for the review`)).toMatch(
      new RegExp(`^Sent 2\\.5 PLY \\(250 units\\) to ${carolId} \\(ltx_[a-z0-9]+, "thanks for the review"\\)\\.$`),
    );
    const carolWallet = await carol.client.call('wallet/get', {});
    expect(carolWallet.balances).toEqual([{ asset: 'PLY', amount: '250' }]);
    expect(await slash(`wallet ${carolId}`)).toBe(`Wallet of ${carolId} ${carolWallet.address}:\n- 2.5 PLY (250 units)`);
    // To an address, by the tool; the agent gives no nonce or signature.
    const byTool = await ok('parley_transfer', { to: carolWallet.address, asset: 'PLY', amount: '50' });
    expect(byTool.text).toMatch(/^Sent 50 PLY \(smallest units\) in ltx_[a-z0-9]+\.$/);
    expect(byTool.details).toMatchObject({ kind: 'transfer', asset: 'PLY', actor: alice });
    // Our own transfers are not echoed into the chat; what carol sends back is.
    expect(chat().join('\n')).not.toContain('sent 250');
    await carol.client.transfer({ to: alice, asset: 'PLY', amount: '100', memo: 'change' });
    expect(await inChat('the transfer received', 'you received')).toMatch(new RegExp(`^Parley: you received 100 PLY \\(smallest units\\) from ${carolId} \\(ltx_[a-z0-9]+\\): "change"$`));
    expect(await slash('wallet')).toContain('- 998 PLY (99800 units)');

    // Too much is refused and changes nothing.
    expect(await slash(`transfer ${carolId} 100000 PLY`)).toMatch(/^Parley error \(conflict\): .*insufficient funds/);
    expect(await slash('wallet')).toContain('- 998 PLY (99800 units)');

    const ledger = await slash('ledger');
    const lines = ledger.split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^- ltx_[a-z0-9]+ \S+ transfer PLY \(2 decimals\): wallet:wal_[a-z2-7]+ -1, your wallet \+1, "change"$/);
    expect(lines[3]).toMatch(/^- ltx_[a-z0-9]+ \S+ issue PLY \(2 decimals\): issue:PLY -1000, your wallet \+1000, "issued by deliberation dlb_[a-z0-9]+" \[iss_[a-z0-9]+\]$/);
    const tx = idIn('ltx', lines[0]!);
    expect(await slash(`ledger tx ${tx}`)).toContain(`by ${carolId}`);
    expect((await ok('parley_wallet', { op: 'ledger', agent_id: carolId })).text.split('\n')).toHaveLength(3);
    expect((await ok('parley_wallet', { op: 'get' })).text).toContain('- 99800 PLY');
  });

  it('with governance "all", the public summaries reach the chat too, and its own doings do not', async () => {
    const d = await tempDir();
    const { gw: all, runtime } = gatewayWithPlugin(
      { hubUrl: hub.url, agentName: 'dave', route: { channel: 'telegram', to: '77' }, governance: 'all', rateLimit: { burst: 500, perMinute: 6000 } },
      d.path,
    );
    try {
      await all.startServices();
      await waitFor(() => runtime.connection?.state === 'connected', 'dave to connect');
      const p = await carol.client.call('proposal/create', { title: 'Longer turns', description: 'three minutes' });
      await waitFor(() => all.sent.some((m) => m.text.includes(p.proposal_id)), 'the public proposal in the chat');
      expect(all.sent.map((m) => m.text).find((t) => t.includes(p.proposal_id))).toBe(
        `Parley: new proposal ${p.proposal_id} "Longer turns" by ${carolId}:\n  three minutes\nVote: "/parley proposal vote ${p.proposal_id} yes" (or no).`,
      );
      const mine = await runtime.call('proposal/create', { title: 'Dave proposes', description: 'something' });
      const later = await carol.client.call('proposal/create', { title: 'After dave', description: 'ordered after it' });
      await waitFor(() => all.sent.some((m) => m.text.includes(later.proposal_id)), 'the later proposal');
      expect(all.sent.map((m) => m.text).join('\n')).not.toContain(mine.proposal_id);
    } finally {
      await all.stopServices();
      await d.remove();
    }
    // The default chat (governance "direct") never heard of either.
    expect(chat().join('\n')).not.toContain('Longer turns');
  });
});
