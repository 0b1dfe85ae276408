import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { amountOf } from '../src/commands/economy.js';
import { agentCli } from './agents.js';
import { balanceOf, GOVERNANCE_FLAGS } from './economy.js';
import { LiveProcess, startTestHub, tempDir } from './helpers.js';

/**
 * Governance and the economy through the CLI, as users would run them (with
 * Juji's command names where Juji has one): a committee elected, an asset
 * applied for, voted, deliberated and issued, then moved by a signed
 * transfer and read back from wallets and the ledger. The hub runs with
 * quorum 1 and 1 vote to elect, so each step needs one agent.
 */

let hub: LiveProcess;
let url: string;
const homes = { alice: tempDir('alice'), bob: tempDir('bob'), carol: tempDir('carol') };
type Who = keyof typeof homes;
const ids: Record<Who, string> = { alice: '', bob: '', carol: '' };
const cli = agentCli(homes, () => url);
const { ok, json, fails } = cli;

beforeAll(async () => {
  // The committee reward: 7 CRED (issued to the treasury below) to every active member each second.
  ({ hub, url } = await startTestHub([...GOVERNANCE_FLAGS, '--seats', '5', '--max-open-proposals', '4', '--committee-reward', '7:CRED:1000']));
  for (const who of Object.keys(homes) as Who[]) ids[who] = (await json<{ agent_id: string }>(['register', '--name', who], who)).agent_id;
});

afterAll(async () => {
  expect(await hub.stop('SIGTERM')).toBe(0);
});

describe('governance and the economy', () => {
  it('rules as served: the flags of parley serve', async () => {
    const rules = await json<{ quorum: number; votes_to_elect: number; committee_reward: unknown }>(['governance', 'rules'], 'carol');
    expect(rules).toMatchObject({ quorum: 1, votes_to_elect: 1, seats: 5, max_open_proposals: 4, committee_reward: { asset: 'CRED', amount: '7', period_ms: 1000 } });
    expect(await ok(['gov', 'rules'], 'carol')).toMatch(/^quorum: +1 votes, then more for than against passes a proposal\n/);
  });

  it('committee, asset issuance, transfer, wallet and ledger, end to end', async () => {
    const { alice, bob } = ids;

    // alice stands and elects herself (Juji: committee-apply, committee-vote-self); the first member chairs
    expect(await ok(['committee-apply', '--statement', 'I will keep the books'], 'alice')).toBe(
      `applied to the committee: PENDING; the community elects you by "parley committee vote ${alice} yes"\n`,
    );
    const pending = await json<{ applications: Array<{ agent_id: string; status: string; statement: string }> }>(
      ['committee-applications', '--status', 'PENDING', '--limit', '20', '--offset', '0'],
      'bob',
    );
    expect(pending.applications).toEqual([expect.objectContaining({ agent_id: alice, status: 'PENDING', statement: 'I will keep the books' })]);
    expect(await ok(['committee-vote-self', '--support', 'true'], 'alice')).toBe(`${alice} is on the committee (chair): 1 for, 0 against\n`);
    const members = await ok(['committee', 'members'], 'bob');
    expect(members).toMatch(new RegExp(`^1 of 5 seats taken; chair: ${alice}\\nAGENT\\s+NAME\\s+STATUS\\s+ROLE\\s+FOR/AGAINST\\s+STATEMENT\\n`));
    expect(members).toMatch(new RegExp(`\\n${alice}\\s+alice\\s+ACTIVE\\s+chair\\s+1/0\\s+I will keep the books\\n`));

    // alice applies for an asset (Juji: asset-apply with its flags): an asset_issue proposal opens
    const applied = await json<{ issuance: { issuance_id: string; status: string; symbol: string; decimals: number }; proposal_id: string }>(
      ['asset-apply', '--asset-name', 'Parley Credit', '--asset-symbol', 'ply', '--total-supply', '100000', '--decimals', '2', '--reason', 'rewards for reviews'],
      'alice',
    );
    expect(applied.issuance).toMatchObject({ status: 'proposed', symbol: 'PLY', decimals: 2 });
    const open = await ok(['gov-list', '--only-open'], 'bob');
    expect(open).toMatch(new RegExp(`\\n${applied.proposal_id}\\s+open\\s+issue\\s+0 cast\\s+`));

    // bob votes it through (Juji: vote-proposal); quorum 1, so the committee deliberates at once
    const voted = await ok(['vote-proposal', '--proposal-id', applied.proposal_id, '--support', 'true'], 'bob');
    const dlb = /the committee deliberates on it \((dlb_[a-z0-9]+)\)/.exec(voted)?.[1];
    expect(voted, voted).toMatch(new RegExp(`^voted for ${applied.proposal_id} \\(1 for, 0 against\\): it passed; the committee deliberates on it \\(dlb_[a-z0-9]+\\)\\n$`));
    expect(await ok(['deliberation', 'list', '--pending'], 'alice')).toMatch(new RegExp(`\\n${dlb}\\s+pending\\s+${applied.proposal_id}\\s+`));
    // only members vote in a deliberation
    expect(await fails(['deliberation', 'vote', dlb!, 'approve', 'yes please'], 'bob', 1)).toMatch(/^parley: forbidden: /);
    expect(await ok(['deliberation', 'vote', dlb!, 'approve', 'a', 'fair', 'supply'], 'alice')).toBe(
      `voted APPROVE on ${dlb}: approved (1 approve, 0 reject, 0 abstain of 1 seats)\n`,
    );
    // members' reasons: shown to members and the author, not to bob
    expect((await json<{ votes: unknown }>(['deliberation', 'get', dlb!], 'bob')).votes).toBeNull();
    expect(await ok(['deliberation', 'get', dlb!], 'alice')).toMatch(new RegExp(`\\n  ${alice} APPROVE at \\S+: a fair supply$`, 'm'));

    // the chair issues it; issuing again with the same (derived) key answers the same asset
    const issued = await ok(['asset', 'issue', dlb!], 'alice');
    expect(issued).toMatch(new RegExp(`^issued PLY \\(Parley Credit\\): 1000 PLY to ${alice} \\(ltx_[a-z0-9]+\\)\\n$`));
    expect(await ok(['asset', 'issue', dlb!], 'alice')).toBe(issued);
    expect(await ok(['asset', 'list'], 'bob')).toMatch(new RegExp(`\\nPLY\\s+Parley Credit\\s+2\\s+1000\\s+${alice}\\s+`));
    expect(await ok(['asset', 'get', 'PLY'], 'bob')).toContain('total supply: 1000 (100000 smallest units)\n');
    expect((await json<{ issuances: Array<{ status: string }> }>(['asset', 'issuances', '--symbol', 'PLY'], 'bob')).issuances).toEqual([
      expect.objectContaining({ status: 'issued' }),
    ]);
    expect((await json<{ status: string }>(['proposal', 'get', applied.proposal_id], 'bob')).status).toBe('executed');

    // a signed transfer: 1250 smallest units are 12.50 PLY
    const sent = await ok(['transfer', bob, '1250', 'PLY', '--memo', 'for the review'], 'alice');
    const txId = /\((ltx_[a-z0-9]+)\)\n$/.exec(sent)?.[1];
    expect(sent).toBe(`sent 12.5 PLY to ${bob} (${txId})\n`);
    expect(await balanceOf(cli, 'bob', 'PLY')).toBe('1250');
    expect(await balanceOf(cli, 'alice', 'PLY')).toBe('98750');
    // bob's poll tells him, with the asset's decimals; the public notices of the issuance came before it
    const bobPoll = await ok(['poll', '--limit', '500'], 'bob');
    expect(bobPoll).toContain(`received 12.5 PLY from ${alice}: for the review (${txId})\n`);
    expect(bobPoll).toMatch(/asset PLY \(Parley Credit\) issued: 1000 PLY to /);
    const bobWallet = await ok(['wallet'], 'bob');
    expect(bobWallet).toMatch(/^address: +wal_[a-z2-7]{32}\n/);
    expect(bobWallet).toContain('balances:\n  12.5 PLY');
    // anyone's wallet may be read; alice's nonce moved past 0
    const aliceWallet = await json<{ address: string; last_nonce: number }>(['wallet', alice], 'bob');
    expect(aliceWallet.last_nonce).toBeGreaterThan(0);
    expect(await ok(['wallet', aliceWallet.address], 'carol')).toContain('  987.5 PLY');

    // the ledger: the transfer's entries sum to zero
    const tx = await json<{ kind: string; memo: string; actor: string; entries: Array<{ account: string; amount: string }> }>(['ledger', 'tx', txId!], 'carol');
    expect(tx).toMatchObject({ kind: 'transfer', memo: 'for the review', actor: alice });
    expect(tx.entries).toEqual(expect.arrayContaining([{ account: `wallet:${aliceWallet.address}`, amount: '-1250' }]));
    expect(tx.entries.reduce((sum, e) => sum + BigInt(e.amount), 0n)).toBe(0n);
    expect(await ok(['ledger', 'tx', txId!], 'carol')).toMatch(new RegExp(`\\n  wallet:${aliceWallet.address}\\s+-12\\.5 PLY\\n`));
    const bobLedger = await ok(['ledger', 'list'], 'bob');
    expect(bobLedger).toMatch(new RegExp(`^TX\\s+KIND\\s+AMOUNT\\s+BY\\s+AT\\s+MEMO/REF\\n`));
    expect(bobLedger).toMatch(new RegExp(`\\n${txId}\\s+transfer\\s+12\\.5 PLY\\s+${alice}\\s+\\S+\\s+for the review\\n?`));

    // more than bob holds: refused, nothing moves; then a transfer back to an address
    expect(await fails(['transfer', alice, '999999', 'PLY'], 'bob', 1)).toMatch(/^parley: /);
    expect(await balanceOf(cli, 'bob', 'PLY')).toBe('1250');
    expect(await ok(['transfer', aliceWallet.address, '50', 'ply'], 'bob')).toMatch(new RegExp(`^sent 0\\.5 PLY to ${aliceWallet.address} \\(ltx_`));
    expect(await balanceOf(cli, 'bob', 'PLY')).toBe('1200');
  });

  it('a general proposal: created, voted, deliberated, executed by the chair; counts only for voters', async () => {
    const { alice } = ids;
    const p = await json<{ proposal_id: string; status: string }>(['gov-create', '--title', 'Raise the seats', '--description', 'The committee should have 31 seats'], 'bob');
    expect(p.status).toBe('open');
    // counts are for those who voted
    expect(await fails(['proposal', 'stats', p.proposal_id], 'carol', 1)).toMatch(/^parley: forbidden: /);
    const voted = await json<{ status: string; deliberation_id: string; stats: { support: number; oppose: number; my_vote: boolean } }>(
      ['proposal', 'vote', p.proposal_id, 'yes'],
      'carol',
    );
    expect(voted).toMatchObject({ status: 'deliberating', stats: { support: 1, oppose: 0, my_vote: true } });
    expect(await ok(['proposal', 'stats', p.proposal_id], 'carol')).toBe(`${p.proposal_id}: 1 for, 0 against (1 cast); you voted for\n`);
    expect(await fails(['proposal', 'vote', p.proposal_id, 'no'], 'carol', 1)).toMatch(/^parley: /);

    await ok(['deliberation', 'vote', voted.deliberation_id, 'APPROVE', 'agreed'], 'alice');
    // only the chair executes
    expect(await fails(['deliberation', 'execute', voted.deliberation_id, 'done'], 'bob', 1)).toMatch(/^parley: forbidden: /);
    expect(await ok(['deliberation', 'execute', voted.deliberation_id, 'seats', 'raised', 'to', '31'], 'alice')).toBe(
      `executed ${voted.deliberation_id} (Raise the seats)\n`,
    );
    const done = await ok(['proposal', 'get', p.proposal_id], 'carol');
    expect(done).toContain('status:        executed\n');
    expect(done).toContain('result:        seats raised to 31\n');
    expect(done).toContain(`votes:         1 for, 0 against (you voted for)\n`);

    // an open proposal closed by a member
    const q = await json<{ proposal_id: string }>(['proposal', 'create', 'Rename the hub', 'to', 'something', 'shorter'], 'carol');
    expect(await fails(['proposal', 'close', q.proposal_id], 'carol', 1)).toMatch(/^parley: forbidden: /);
    expect(await ok(['proposal', 'close', q.proposal_id, 'out', 'of', 'scope'], 'alice')).toBe(`closed ${q.proposal_id}\n`);
    const list = await json<{ proposals: Array<{ proposal_id: string; status: string }> }>(['proposal', 'list', '--status', 'closed'], 'bob');
    expect(list.proposals.map((x) => x.proposal_id)).toEqual([q.proposal_id]);
    // appoint: the chair names itself chair and nobody vice
    expect(await ok(['committee', 'appoint', alice], 'alice')).toMatch(new RegExp(`^1 of 5 seats taken; chair: ${alice}\\n`));
  });

  it('the committee reward: paid from the treasury to every active member once per period', async () => {
    // CRED's supply goes to the treasury (Juji's SYS initiator), through the same votes
    const applied = await json<{ issuance: { to_treasury: boolean }; proposal_id: string }>(
      ['asset-apply', '--asset-name', 'Committee credit', '--asset-symbol', 'CRED', '--total-supply', '1000', '--initiator-type', 'SYS'],
      'alice',
    );
    expect(applied.issuance.to_treasury).toBe(true);
    const voted = await json<{ deliberation_id: string }>(['proposal', 'vote', applied.proposal_id, 'yes'], 'bob');
    await ok(['deliberation', 'vote', voted.deliberation_id, 'approve', 'pays', 'the', 'committee'], 'alice');
    expect(await ok(['asset', 'issue', voted.deliberation_id], 'alice')).toMatch(/^issued CRED \(Committee credit\): 1000 CRED to the community treasury /);

    // alice, the only member, is paid within a period or two; bob, no member, never
    const deadline = Date.now() + 15_000;
    while ((await balanceOf(cli, 'alice', 'CRED')) === '0' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    const paid = BigInt(await balanceOf(cli, 'alice', 'CRED'));
    expect(paid > 0n && paid % 7n === 0n, `alice holds ${paid} CRED`).toBe(true);
    expect(await balanceOf(cli, 'bob', 'CRED')).toBe('0');
    const treasury = await json<{ transactions: Array<{ kind: string; actor: string; entries: Array<{ account: string; amount: string }> }> }>(
      ['ledger', 'list', '--account', 'treasury', '--asset', 'CRED'],
      'bob',
    );
    const rewards = treasury.transactions.filter((t) => t.kind === 'reward');
    expect(rewards.length).toBeGreaterThan(0);
    expect(rewards[0]).toMatchObject({ actor: 'hub' });
    expect(rewards[0]!.entries).toEqual(expect.arrayContaining([{ account: 'treasury', amount: '-7' }]));
    // alice's poll says so
    expect(await ok(['poll', '--limit', '500'], 'alice')).toMatch(/committee reward: 7 CRED for the period from \S+ \(ltx_[a-z0-9]+\)/);
  });

  it('usage errors exit 2 with one line, before anything is sent', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['transfer', ids.bob, '1.5', 'PLY'], /amount must be a positive integer amount of at most 38 digits \(in the asset's smallest units/],
      [['transfer', 'bob', '1', 'PLY'], /"bob" is not a wallet address/],
      [['transfer', ids.bob, '1', 'P'], /"P" is not an asset symbol/],
      [['vote-proposal', '--proposal-id', 'prp_x', '--support', 'maybe'], /--support must be yes or no/],
      [['vote-proposal', '--proposal-id', '12', '--support', 'true'], /"12" is not a proposal id/],
      [['deliberation', 'vote', 'dlb_x', 'maybe', 'why'], /choice must be one of APPROVE, REJECT, ABSTAIN/],
      [['asset', 'apply', 'Coin', 'COIN', '10', '--decimals', '19'], /--decimals must be an integer from 0 to 18/],
      [['asset-apply', '--asset-name', 'Coin', '--asset-symbol', 'COIN', '--total-supply', '0'], /total supply must be a positive integer/],
      [['asset-apply', '--asset-name', 'Coin', '--asset-symbol', 'COIN', '--total-supply', '5', '--initiator-type', 'BANK'], /--initiator-type must be one of AGENT, SYS/],
      [['committee-applications', '--status', 'gone'], /--status must be one of PENDING, ACTIVE, ANY/],
      [['committee-applications', '--offset', '20'], /--offset: this hub pages with cursors/],
      [['ledger', 'list', '--account', 'treasury', '--agent', ids.bob], /give --account or --agent, not both/],
      [['ledger', 'tx', 'tx_1'], /"tx_1" is not a ledger transaction id/],
    ];
    for (const [args, message] of cases) expect(await fails(args, 'carol', 2), args.join(' ')).toMatch(message);
  });
});

describe('amountOf', () => {
  it("prints with the asset's decimals when known, in smallest units when not, and a pre-ledger reward as it was offered", () => {
    const decimals = new Map([['PLY', 2]]);
    expect(amountOf('1250', 'PLY', decimals)).toBe('12.5 PLY');
    expect(amountOf('-1250', 'PLY', decimals)).toBe('-12.5 PLY');
    expect(amountOf('1250', 'EUR', decimals)).toBe('1250 EUR (smallest units)');
    expect(amountOf('2.5', 'USDC', decimals)).toBe('2.5 USDC');
  });
});
