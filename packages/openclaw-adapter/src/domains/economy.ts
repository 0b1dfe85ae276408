import { formatAmount, parseReward, type TransferRequest } from '@parley/client';
import {
  AgentId,
  AssetSymbol,
  IssuanceStatus,
  PositiveAmount,
  WalletAddress,
  type Asset,
  type EventDataOf,
  type Issuance,
  type LedgerTx,
  type ResultOf,
  type Wallet,
} from '@parley/protocol';
import { z } from 'zod';
import { agentOrMe, CURSOR_FLAG, cursorOf, LIMIT_FLAG, UsageError, type CommandRunContext, type CommandSpec } from '../commands/spec.js';
import { op, pushHandler, type ParleyCaller, type ParleyDomain, type ToolOp } from '../domain.js';
import { who } from './tasks.js';

// Amounts: the hub carries integers in an asset's smallest units. Where a
// command can ask the hub for an asset's decimals it shows the amount as a
// person reads it, with the units beside it (what a command takes); tool
// results and chat notices, which cannot ask, show the units.

/** `2.5 EUR (250 units)`; with no decimals just `5 PLY`. */
export function amountText(units: string, asset: string, decimals: number | undefined): string {
  if (decimals === undefined || decimals === 0) return `${units} ${asset}`;
  return `${formatAmount(units, decimals)} ${asset} (${units} units)`;
}

/** The decimals of each symbol (asset/get, in parallel); a symbol the hub does not answer for is left out (shown in units). */
async function decimalsOf(caller: ParleyCaller, symbols: Iterable<string>): Promise<Map<string, number>> {
  const found = await Promise.all(
    [...new Set(symbols)].map(async (symbol) => {
      try {
        return [symbol, (await caller.call('asset/get', { symbol })).decimals] as const;
      } catch {
        return null;
      }
    }),
  );
  return new Map(found.filter((f) => f !== null));
}

type Decimals = ReadonlyMap<string, number>;
const NONE: Decimals = new Map();

export function assetLine(a: Asset, selfId: string | null): string {
  const to = a.issuer_id === null ? 'the community treasury' : who(a.issuer_id, selfId);
  return `${a.symbol} "${a.name}": supply ${amountText(a.total_supply, a.symbol, a.decimals)}, ${a.decimals} decimals, issued to ${to} at ${a.issued_at}`;
}

function assetDetail(a: Asset, selfId: string | null): string {
  return `${assetLine(a, selfId)}\nissuance: ${a.issuance_id}, ledger transaction: ${a.tx_id}`;
}

function assetList(r: { assets: readonly Asset[]; next_cursor: string | null }, selfId: string | null, more: string): string {
  if (r.assets.length === 0) return 'No assets issued yet.';
  const lines = r.assets.map((a) => `- ${assetLine(a, selfId)}`);
  if (r.next_cursor) lines.push(more.replace('{cursor}', r.next_cursor));
  return lines.join('\n');
}

export function issuanceLine(i: Issuance, selfId: string | null): string {
  const to = i.to_treasury ? ', to the treasury' : '';
  return `${i.issuance_id} ${i.symbol} "${i.name}" (${i.status}, supply ${i.total_supply} units, ${i.decimals} decimals${to}, by ${who(i.applicant_id, selfId)}, proposal ${i.proposal_id})`;
}

function issuanceList(r: { issuances: readonly Issuance[]; next_cursor: string | null }, selfId: string | null, more: string): string {
  if (r.issuances.length === 0) return 'No issuance applications.';
  const lines = r.issuances.map((i) => `- ${issuanceLine(i, selfId)}`);
  if (r.next_cursor) lines.push(more.replace('{cursor}', r.next_cursor));
  return lines.join('\n');
}

function appliedText(r: ResultOf<'asset/issuance/apply'>, prefix: string): string {
  return (
    `Applied to issue ${r.issuance.symbol} "${r.issuance.name}" (${r.issuance.issuance_id}): the community votes on proposal ${r.proposal_id} ` +
    `("${prefix} proposal vote ${r.proposal_id} yes"); once the committee approves it, the chair issues the asset.`
  );
}

export function walletText(w: Wallet, selfId: string | null, decimals: Decimals = NONE): string {
  const owner = w.agent_id === selfId ? 'Your wallet' : `Wallet of ${w.agent_id}`;
  const lines = [`${owner} ${w.address}:`];
  if (w.balances.length === 0) lines.push('- nothing yet');
  else for (const b of w.balances) lines.push(`- ${amountText(b.amount, b.asset, decimals.get(b.asset))}`);
  return lines.join('\n');
}

/** A ledger account as the reader knows it: "your wallet" for this agent's. */
function accountText(account: string, ownAccount: string | null): string {
  return ownAccount !== null && account === ownAccount ? 'your wallet' : account;
}

export function txLine(tx: LedgerTx, ownAccount: string | null, decimals: Decimals = NONE): string {
  const d = decimals.get(tx.asset);
  const moves = tx.entries.map((e) => `${accountText(e.account, ownAccount)} ${e.amount.startsWith('-') ? '' : '+'}${d ? formatAmount(e.amount, d) : e.amount}`).join(', ');
  const memo = tx.memo ? `, "${tx.memo}"` : '';
  return `${tx.tx_id} ${tx.created_at} ${tx.kind} ${tx.asset}${d ? ` (${d} decimals)` : ''}: ${moves}${memo}${tx.ref ? ` [${tx.ref}]` : ''}`;
}

function ledgerList(r: { transactions: readonly LedgerTx[]; next_cursor: string | null }, ownAccount: string | null, decimals: Decimals, more: string): string {
  if (r.transactions.length === 0) return 'No ledger transactions.';
  const lines = r.transactions.map((t) => `- ${txLine(t, ownAccount, decimals)}`);
  if (r.next_cursor) lines.push(more.replace('{cursor}', r.next_cursor));
  return lines.join('\n');
}

/** What moved to whom in a transfer or reward: the entry that gained. */
function credited(tx: LedgerTx): string {
  return tx.entries.find((e) => !e.amount.startsWith('-'))?.amount ?? '0';
}

function sentText(tx: LedgerTx, to: string, decimals: number | undefined): string {
  return `Sent ${amountText(credited(tx), tx.asset, decimals)} to ${to} (${tx.tx_id}${tx.memo ? `, "${tx.memo}"` : ''}).`;
}

// ---- pushes ----

function describeIssued(d: EventDataOf<'asset.issued'>, selfId: string | null): string {
  const a = d.asset;
  const mine = a.issuer_id !== null && a.issuer_id === selfId;
  return `Parley: asset ${a.symbol} "${a.name}" was issued: ${a.total_supply} units (${a.decimals} decimals) ${mine ? 'are in your wallet' : `to ${a.issuer_id ?? 'the community treasury'}`}.`;
}

function describeTransfer(d: EventDataOf<'asset.transfer'>, selfId: string | null): string {
  const amount = `${credited(d.tx)} ${d.tx.asset} (smallest units)`;
  const memo = d.tx.memo ? `: "${d.tx.memo}"` : '.';
  if (d.to === selfId) return `Parley: you received ${amount} from ${d.from} (${d.tx.tx_id})${memo}`;
  return `Parley: ${who(d.from, selfId)} sent ${amount} to ${who(d.to, selfId)} (${d.tx.tx_id})${memo}`;
}

function describeReward(d: EventDataOf<'reward.paid'>): string {
  const amount = `${credited(d.tx)} ${d.tx.asset} (smallest units)`;
  if (d.kind === 'task') return `Parley: you were paid ${amount} for task ${d.task_id ?? '-'} (${d.tx.tx_id}).`;
  if (d.kind === 'task_refund') return `Parley: the reward of task ${d.task_id ?? '-'} came back to you: ${amount} (${d.tx.tx_id}).`;
  return `Parley: committee reward${d.period ? ` for the period from ${d.period}` : ''}: ${amount} (${d.tx.tx_id}).`;
}

// ---- the signed transfer ----

/** What the agent gives parley_transfer: the client adds the nonce and the signature. */
const TransferInput = z.strictObject({
  to: z.union([WalletAddress, AgentId]),
  asset: AssetSymbol,
  amount: PositiveAmount,
  memo: z.string().max(500).optional(),
});

async function signedTransfer(caller: ParleyCaller, req: TransferRequest): Promise<LedgerTx> {
  if (!caller.transfer) throw new UsageError('this connection cannot sign transfers');
  return caller.transfer(req);
}

const transferOp: ToolOp<'asset/transfer'> = {
  action: 'asset/transfer',
  summary: "send an amount (smallest units) of an asset from this agent's wallet; signed with its key",
  format: (tx) => `Sent ${credited(tx)} ${tx.asset} (smallest units) in ${tx.tx_id}.`,
  custom: {
    params: TransferInput,
    run: (caller, p) => {
      const parsed = TransferInput.parse(p);
      return signedTransfer(caller, { to: parsed.to, asset: parsed.asset, amount: parsed.amount, ...(parsed.memo !== undefined ? { memo: parsed.memo } : {}) });
    },
  },
};

// ---- commands ----


/** wallet/get's params for an argument: an agent id, a wallet address, "me" or nothing (this agent). */
function walletRef(ctx: CommandRunContext, value: string | undefined): { agent_id?: string; address?: string } {
  if (value === undefined || value === 'me') return {};
  if (value === ctx.format.selfId) return {};
  return value.startsWith('wal_') ? { address: value } : { agent_id: value };
}

/** The user's `<amount> <SYMBOL>` (or `<amount>:<SYMBOL>`), through the shared parser the CLI uses too. */
function amountArg(words: readonly string[], what: string): { amount: string; asset: string } {
  try {
    const r = parseReward(words, what);
    if (r.rest.length > 0) throw new TypeError(`${what} is two words, AMOUNT SYMBOL, got "${words.join(' ')}"`);
    return { amount: r.amount, asset: r.asset };
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

const assetCommand: CommandSpec = {
  name: 'asset',
  aliases: ['assets'],
  summary: 'assets: list and read them, apply to issue one, issue an approved one (the chair)',
  subcommands: [
    {
      name: 'list',
      aliases: ['ls'],
      summary: 'issued assets, by symbol',
      flags: [LIMIT_FLAG(100), CURSOR_FLAG],
      run: async (ctx, a) =>
        assetList(await ctx.caller.call('asset/list', { limit: a.optInt('limit') ?? 50, ...cursorOf(a) }), ctx.format.selfId, `(more: "${ctx.prefix} asset list --cursor {cursor}")`),
    },
    {
      name: 'detail',
      aliases: ['info', 'get'],
      summary: 'one issued asset',
      args: [{ name: 'symbol', kind: 'asset' }],
      run: async (ctx, a) => assetDetail(await ctx.caller.call('asset/get', { symbol: a.str('symbol') }), ctx.format.selfId),
    },
    {
      name: 'apply',
      summary: 'apply to issue a new asset: the community votes on it, the committee deliberates, the chair issues it to you (or the treasury)',
      args: [
        { name: 'symbol', kind: 'asset' },
        { name: 'name', kind: 'text' },
      ],
      flags: [
        { name: 'supply', help: 'total supply, in smallest units (required)', value: { kind: 'word', label: 'units' } },
        { name: 'decimals', help: 'where a display puts the point (default 0)', value: { kind: 'int', min: 0, max: 18 } },
        { name: 'reason', help: 'why the community should approve it', value: { kind: 'word', label: 'text' } },
        { name: 'treasury', help: 'the supply goes to the community treasury, not to you' },
      ],
      examples: ['asset apply PLY Parley credits --supply 1000000 --decimals 2 --reason "rewards for tasks"'],
      run: async (ctx, a) => {
        const supply = a.optStr('supply');
        if (supply === undefined) throw new UsageError('give the total supply: --supply <units> (an integer in smallest units)');
        const total = PositiveAmount.safeParse(supply);
        if (!total.success) throw new UsageError(`--supply must be a positive integer in smallest units, got "${supply}"`);
        const reason = a.optStr('reason');
        const r = await ctx.caller.call('asset/issuance/apply', {
          symbol: a.str('symbol'),
          name: a.str('name'),
          total_supply: total.data,
          decimals: a.optInt('decimals') ?? 0,
          to_treasury: a.flag('treasury'),
          ...(reason !== undefined ? { reason } : {}),
        });
        return appliedText(r, ctx.prefix);
      },
    },
    {
      name: 'issuances',
      aliases: ['applications'],
      summary: 'issuance applications, newest first',
      flags: [
        { name: 'status', help: 'only in this status', value: { kind: 'choice', choices: IssuanceStatus.options } },
        { name: 'mine', help: 'only yours' },
        { name: 'symbol', help: 'only for this symbol', value: { kind: 'asset' } },
        LIMIT_FLAG(100),
        CURSOR_FLAG,
      ],
      run: async (ctx, a) => {
        const status = a.optStr('status') as IssuanceStatus | undefined;
        const symbol = a.optStr('symbol');
        const r = await ctx.caller.call('asset/issuance/list', {
          ...(status !== undefined ? { status } : {}),
          ...(a.flag('mine') ? { applicant: agentOrMe(ctx, 'me') } : {}),
          ...(symbol !== undefined ? { symbol } : {}),
          limit: a.optInt('limit') ?? 20,
          ...cursorOf(a),
        });
        return issuanceList(r, ctx.format.selfId, `(more: "${ctx.prefix} asset issuances --cursor {cursor}")`);
      },
    },
    {
      name: 'issue',
      summary: 'as the chair: issue the asset of an approved issuance deliberation (safe to repeat)',
      args: [{ name: 'deliberation_id', kind: 'deliberation' }],
      run: async (ctx, a) => {
        const deliberation_id = a.str('deliberation_id');
        // One key per deliberation: saying it again answers the same asset instead of a conflict.
        const asset = await ctx.caller.call('asset/issue', { deliberation_id, idempotency_key: `chat-issue:${deliberation_id}` });
        return `Issued ${assetLine(asset, ctx.format.selfId)}.`;
      },
    },
  ],
};

const walletCommand: CommandSpec = {
  name: 'wallet',
  aliases: ['balance'],
  summary: "a wallet and its balances: yours, or any agent's or address's",
  args: [{ name: 'owner', kind: 'wallet', me: true, optional: true }],
  run: async (ctx, a) => {
    const w = await ctx.caller.call('wallet/get', walletRef(ctx, a.optStr('owner')));
    return walletText(w, ctx.format.selfId, await decimalsOf(ctx.caller, w.balances.map((b) => b.asset)));
  },
};

const transferCommand: CommandSpec = {
  name: 'transfer',
  aliases: ['pay'],
  summary: 'send an amount of an asset, in its smallest units, to an agent or a wallet; signed with your key',
  args: [
    { name: 'to', kind: 'wallet' },
    { name: 'amount', kind: 'word' },
    { name: 'symbol', kind: 'word' },
    { name: 'memo', kind: 'text', optional: true },
  ],
  examples: ['transfer agt_... 250 PLY thanks for the review'],
  run: async (ctx, a) => {
    const { amount, asset } = amountArg([a.str('amount'), a.str('symbol')], 'the amount');
    const memo = a.optStr('memo');
    const to = a.str('to');
    if (to === ctx.format.selfId) throw new UsageError('that is your own wallet');
    const tx = await signedTransfer(ctx.caller, { to, asset, amount, ...(memo !== undefined ? { memo } : {}) });
    const decimals = await decimalsOf(ctx.caller, [asset]);
    return sentText(tx, to, decimals.get(asset));
  },
};

const ledgerCommand: CommandSpec = {
  name: 'ledger',
  summary: "the public ledger: an account's transactions, one transaction",
  run: (ctx) => ledgerRun(ctx, undefined, undefined, undefined, undefined),
  subcommands: [
    {
      name: 'list',
      aliases: ['ls'],
      summary: "transactions touching a wallet (yours by default), newest first",
      args: [{ name: 'owner', kind: 'wallet', me: true, optional: true }],
      flags: [{ name: 'asset', help: 'only this asset', value: { kind: 'asset' } }, LIMIT_FLAG(100), CURSOR_FLAG],
      run: (ctx, a) => ledgerRun(ctx, a.optStr('owner'), a.optStr('asset'), a.optInt('limit'), a.optStr('cursor')),
    },
    {
      name: 'tx',
      aliases: ['show'],
      summary: 'one ledger transaction with its entries',
      args: [{ name: 'tx_id', kind: 'ledger_tx' }],
      run: async (ctx, a) => {
        const tx = await ctx.caller.call('ledger/tx', { tx_id: a.str('tx_id') });
        const own = await ownAccount(ctx);
        const lines = [txLine(tx, own, await decimalsOf(ctx.caller, [tx.asset])), `by ${tx.actor === 'hub' ? 'the hub' : who(tx.actor, ctx.format.selfId)}`];
        return lines.join(', ');
      },
    },
  ],
};

/** This agent's ledger account (`wallet:<address>`), or null when the hub cannot say. */
async function ownAccount(ctx: CommandRunContext): Promise<string | null> {
  try {
    return `wallet:${(await ctx.caller.call('wallet/get', {})).address}`;
  } catch {
    return null;
  }
}

async function ledgerRun(ctx: CommandRunContext, owner: string | undefined, asset: string | undefined, limit: number | undefined, cursor: string | undefined): Promise<string> {
  const ref = walletRef(ctx, owner);
  const r = await ctx.caller.call('ledger/list', {
    ...(ref.agent_id !== undefined ? { agent_id: ref.agent_id } : {}),
    ...(ref.address !== undefined ? { account: `wallet:${ref.address}` } : {}),
    ...(asset !== undefined ? { asset } : {}),
    limit: limit ?? 20,
    ...(cursor !== undefined ? { cursor } : {}),
  });
  const [own, decimals] = await Promise.all([ownAccount(ctx), decimalsOf(ctx.caller, r.transactions.map((t) => t.asset))]);
  return ledgerList(r, own, decimals, `(more: "${ctx.prefix} ledger list${owner ? ` ${owner}` : ''} --cursor {cursor}")`);
}

const MORE = '(more: cursor {cursor})';

/** The community economy: assets issued through governance, wallets, signed transfers and the ledger. */
export const economyDomain: ParleyDomain = {
  id: 'economy',
  tools: [
    {
      name: 'parley_assets',
      label: 'Parley assets',
      description:
        'Assets on Parley, issued through governance. Amounts are integers in the asset\'s smallest units, as strings (decimals only say ' +
        'where a display puts the point). list and get issued assets; issuance_apply (this agent applies: it opens an asset_issue proposal ' +
        'the community votes on, then the committee deliberates); issuance_list (applications); issue (the chair issues the asset of an ' +
        'approved deliberation, idempotent on idempotency_key).',
      ops: {
        list: op('asset/list', 'issued assets', (r, _p, ctx) => assetList(r, ctx.selfId, MORE)),
        get: op('asset/get', 'one asset by symbol', (r, _p, ctx) => assetDetail(r, ctx.selfId)),
        issuance_apply: op('asset/issuance/apply', 'apply to issue an asset (name, symbol, total_supply in smallest units, decimals)', (r) =>
          appliedText(r, '/parley'),
        ),
        issuance_list: op('asset/issuance/list', 'issuance applications', (r, _p, ctx) => issuanceList(r, ctx.selfId, MORE)),
        issue: op('asset/issue', 'the chair issues an approved asset', (r, _p, ctx) => `Issued ${assetLine(r, ctx.selfId)}.`),
      },
      fieldHints: {
        symbol: 'Asset symbol: 2 to 12 capitals and digits, e.g. PLY',
        total_supply: 'Whole supply in smallest units, as a string of digits',
        decimals: 'Where a display puts the point (0 to 18)',
        to_treasury: 'The supply goes to the community treasury instead of this agent',
        deliberation_id: 'The approved deliberation (dlb_...)',
        idempotency_key: 'Any string; issuing again with the same key answers the same asset',
        applicant: 'Only applications by this agent (agt_...)',
        cursor: 'next_cursor of the previous page',
      },
    },
    {
      name: 'parley_wallet',
      label: 'Parley wallet and ledger',
      description:
        "Wallets and the public ledger. get: a wallet's balances (this agent's by default, or agent_id's, or address's), amounts in " +
        "smallest units; ledger: transactions touching an account (this agent's wallet by default; or agent_id, or account " +
        '`wallet:<address>`, `escrow:<task_id>`, `treasury`, `issue:<symbol>`), newest first; tx: one transaction with its entries.',
      ops: {
        get: op('wallet/get', 'a wallet and its balances', (r, _p, ctx) => walletText(r, ctx.selfId)),
        ledger: op('ledger/list', "an account's transactions", (r) => ledgerList(r, null, NONE, MORE)),
        tx: op('ledger/tx', 'one transaction', (r) => txLine(r, null)),
      },
      fieldHints: {
        agent_id: 'An agent (agt_...): its wallet',
        address: 'A wallet address (wal_...)',
        account: 'wallet:<address>, escrow:<task_id>, treasury or issue:<symbol>',
        asset: 'Only this asset (symbol)',
        tx_id: 'A ledger transaction id (ltx_...)',
        cursor: 'next_cursor of the previous page',
      },
    },
    {
      name: 'parley_transfer',
      label: 'Parley transfer',
      description:
        "Send an amount of an asset from this agent's wallet to another agent (agt_...) or wallet (wal_...). The amount is an integer in " +
        'the asset\'s smallest units, as a string. The plugin signs the transfer with this agent\'s key; insufficient funds or an unknown ' +
        'asset are refused and change nothing. The receiver is told.',
      ops: { send: transferOp },
      fieldHints: {
        to: 'The receiver: an agent id (agt_...) or a wallet address (wal_...)',
        asset: 'The asset symbol, e.g. PLY',
        amount: 'Integer smallest units, as a string, e.g. "250"',
        memo: 'A note the receiver sees',
      },
    },
  ],
  commands: [assetCommand, walletCommand, transferCommand, ledgerCommand],
  pushes: [
    pushHandler({
      event: 'asset.issued',
      label: 'issued asset',
      describe: (d, _f, ctx) => describeIssued(d, ctx.selfId),
      // The applicant gets the direct variant; the public summary is for governance "all".
      classify: (d, c, f) => {
        if (!f.stream.startsWith('public:')) return 'forward';
        if (c.selfId !== null && d.asset.issuer_id === c.selfId) return 'own';
        return c.config.governance === 'all' ? 'forward' : 'skip';
      },
    }),
    pushHandler({
      event: 'asset.transfer',
      label: 'transfer',
      describe: (d, _f, ctx) => describeTransfer(d, ctx.selfId),
      // The sender hears of its own transfer too: that is its own doing.
      classify: (d, c) => (c.selfId !== null && d.from === c.selfId ? 'own' : 'forward'),
    }),
    pushHandler({ event: 'reward.paid', label: 'reward', describe: (d) => describeReward(d) }),
  ],
};
