import { formatAmount, type ParleyClient } from '@parley/client';
import { AgentId, IssuanceStatus, type Asset, type Issuance, type LedgerTx, type ParamsOf, type Wallet } from '@parley/protocol';
import type { Command } from 'commander';
import {
  choice,
  oneOf,
  parseAgent,
  parseDeliberationId,
  parseIntIn,
  parseLedgerTxId,
  parseLimit,
  parseSymbol,
  parseUnits,
  parseWalletAddress,
} from '../args.js';
import type { Context } from '../context.js';
import { CliError, ExitCode } from '../errors.js';
import { preview, table, withMore } from '../output.js';
import { checkParams } from '../params.js';
import { withClient } from '../session.js';

/**
 * `parley asset|transfer|wallet|ledger ...`: the community economy. Amounts
 * given on the command line are integers in the asset's smallest units (the
 * wire's unit, as `--reward` takes them: nothing guesses where a point
 * goes); amounts printed are shown with the asset's decimals where the asset
 * is known, and --json prints the hub's result, smallest units as strings.
 */
export function registerEconomy(program: Command, ctx: Context): void {
  registerAssets(program, ctx);

  program
    .command('transfer')
    .description('send an amount of an asset from your wallet, signed with your key')
    .argument('<to>', 'an agent id or a wallet address (wal_...)')
    .argument('<amount>', "a positive integer, in the asset's smallest units")
    .argument('<asset>', 'the asset symbol, e.g. PLY')
    .option('-m, --memo <text>', 'a note the receiver sees')
    .addHelpText('after', '\nExample (an asset with 2 decimals: 1250 is 12.5):\n  parley transfer agt_... 1250 PLY --memo "for the review"')
    .action(async (to: string, amountText: string, assetText: string, opts: { memo?: string }) => {
      const target = AgentId.safeParse(to).success ? to : parseWalletAddress(to);
      const amount = parseUnits(amountText, 'amount');
      const asset = parseSymbol(assetText);
      if (opts.memo !== undefined && opts.memo.length > 500) throw new CliError('--memo is too long: at most 500 characters', ExitCode.Usage);
      const { tx, decimals } = await withClient(ctx.config(), async (c) => {
        const tx = await c.transfer({ to: target, asset, amount, ...(opts.memo !== undefined ? { memo: opts.memo } : {}) });
        return { tx, decimals: await assetDecimals(c, [asset]) };
      });
      ctx.output().result(tx, () => `sent ${amountOf(amount, asset, decimals)} to ${to} (${tx.tx_id})`);
    });

  program
    .command('wallet')
    .alias('balance')
    .description("a wallet's address, balances and last transfer nonce: yours, or any agent's or address's (the ledger is public)")
    .argument('[who]', 'an agent id or a wallet address (default: you)')
    .action(async (who: string | undefined) => {
      const params = who === undefined ? {} : AgentId.safeParse(who).success ? { agent_id: who } : { address: parseWalletAddress(who) };
      const { wallet, decimals } = await withClient(ctx.config(), async (c) => {
        const wallet = await c.wallets.get(params);
        return { wallet, decimals: await assetDecimals(c, wallet.balances.map((b) => b.asset)) };
      });
      ctx.output().result(wallet, () => walletText(wallet, decimals));
    });

  const ledger = program.command('ledger').description('the public ledger: one transaction, or those of an account');

  ledger
    .command('tx')
    .alias('get')
    .description('one ledger transaction with its entries')
    .argument('<tx_id>', 'ltx_...')
    .action(async (id: string) => {
      const { tx, decimals } = await withClient(ctx.config(), async (c) => {
        const tx = await c.ledger.tx({ tx_id: parseLedgerTxId(id) });
        return { tx, decimals: await assetDecimals(c, [tx.asset]) };
      });
      ctx.output().result(tx, () => txText(tx, decimals));
    });

  ledger
    .command('list')
    .alias('ls')
    .description("transactions touching an account, newest first (default: your wallet)")
    .option('--account <account>', 'wallet:<address>, escrow:<task_id>, treasury or issue:<symbol>')
    .option('--agent <agent_id>', "this agent's wallet")
    .option('--asset <symbol>', 'only this asset')
    .option('-l, --limit <n>', 'how many (1-100)', '20')
    .option('--cursor <cursor>', 'the next page, as printed by the previous one')
    .action(async (opts: { account?: string; agent?: string; asset?: string; limit: string; cursor?: string }) => {
      if (opts.account !== undefined && opts.agent !== undefined) throw new CliError('give --account or --agent, not both', ExitCode.Usage);
      const params = checkParams(
        'ledger/list',
        {
          limit: parseLimit(opts.limit, 100),
          ...(opts.account !== undefined ? { account: opts.account } : {}),
          ...(opts.agent !== undefined ? { agent_id: parseAgent(opts.agent) } : {}),
          ...(opts.asset !== undefined ? { asset: parseSymbol(opts.asset) } : {}),
          ...(opts.cursor ? { cursor: opts.cursor } : {}),
        },
        { account: '--account' },
      );
      const { res, decimals } = await withClient(ctx.config(), async (c) => {
        const res = await c.ledger.list(params);
        return { res, decimals: await assetDecimals(c, res.transactions.map((t) => t.asset)) };
      });
      ctx.output().result(res, () => ledgerTable(res.transactions, res.next_cursor, decimals));
    });
}

type ApplyFlags = { decimals: string; reason?: string; treasury?: boolean };

async function applyForAsset(ctx: Context, name: string, symbol: string, supply: string, opts: ApplyFlags): Promise<void> {
  const params = checkParams(
    'asset/issuance/apply',
    {
      name,
      symbol: parseSymbol(symbol),
      total_supply: parseUnits(supply, 'total supply'),
      decimals: parseIntIn(opts.decimals, 0, 18, '--decimals'),
      to_treasury: Boolean(opts.treasury),
      ...(opts.reason !== undefined ? { reason: opts.reason } : {}),
    },
    { name: 'the name', reason: '--reason' },
  );
  const res = await withClient(ctx.config(), (c) => c.assets.issuanceApply(params));
  const i = res.issuance;
  ctx.output().result(res, () =>
    `applied to issue ${i.symbol} (${i.name}), ${amountOf(i.total_supply, i.symbol, new Map([[i.symbol, i.decimals]]))} to ${i.to_treasury ? 'the community treasury' : 'your wallet'}: ` +
    `${i.issuance_id}, proposal ${res.proposal_id} is open for votes`,
  );
}

function registerAssets(program: Command, ctx: Context): void {
  const asset = program
    .command('asset')
    .alias('assets')
    .description('assets: apply to issue one, issuances, issue (the chair), list, get (run "parley asset --help")');

  asset
    .command('list')
    .alias('ls')
    .description('issued assets, by symbol')
    .option('-l, --limit <n>', 'how many (1-200)', '50')
    .option('--cursor <cursor>', 'the next page, as printed by the previous one')
    .action(async (opts: { limit: string; cursor?: string }) => {
      const res = await withClient(ctx.config(), (c) => c.assets.list({ limit: parseLimit(opts.limit, 200), ...(opts.cursor ? { cursor: opts.cursor } : {}) }));
      ctx.output().result(res, () => assetTable(res.assets, res.next_cursor));
    });

  asset
    .command('get')
    .alias('detail')
    .description('one issued asset')
    .argument('<symbol>', 'e.g. PLY')
    .action(async (symbol: string) => {
      const a = await withClient(ctx.config(), (c) => c.assets.get({ symbol: parseSymbol(symbol) }));
      ctx.output().result(a, () => formatAsset(a));
    });

  const addApplyFlags = (cmd: Command): Command =>
    cmd
      .option('--decimals <n>', 'where a display puts the point (0-18)', '0')
      .option('--reason <text>', 'why the community should issue it')
      .option('--treasury', "the supply goes to the community treasury (which pays committee rewards), not to your wallet");

  addApplyFlags(
    asset
      .command('apply')
      .description('apply to issue a new asset: it opens an asset_issue proposal; once the community and the committee approve, the chair issues it')
      .argument('<name>', 'e.g. "Parley Credit"')
      .argument('<symbol>', '2 to 12 capitals and digits, e.g. PLY')
      .argument('<total_supply>', "the whole supply, a positive integer in smallest units (1000 with --decimals 2 is 10.00)"),
  ).action((name: string, symbol: string, supply: string, opts: ApplyFlags) => applyForAsset(ctx, name, symbol, supply, opts));

  asset
    .command('issuances')
    .description('issuance applications, newest first')
    .option('-s, --status <status>', oneOf(IssuanceStatus))
    .option('--applicant <agent_id>', 'applied for by this agent')
    .option('--symbol <symbol>', 'for this symbol')
    .option('-l, --limit <n>', 'how many (1-100)', '20')
    .option('--cursor <cursor>', 'the next page, as printed by the previous one')
    .action(async (opts: { status?: string; applicant?: string; symbol?: string; limit: string; cursor?: string }) => {
      const params: ParamsOf<'asset/issuance/list'> = {
        limit: parseLimit(opts.limit, 100),
        ...(opts.status !== undefined ? { status: choice(IssuanceStatus.options, opts.status, '--status') } : {}),
        ...(opts.applicant !== undefined ? { applicant: parseAgent(opts.applicant) } : {}),
        ...(opts.symbol !== undefined ? { symbol: parseSymbol(opts.symbol) } : {}),
        ...(opts.cursor ? { cursor: opts.cursor } : {}),
      };
      const res = await withClient(ctx.config(), (c) => c.assets.issuanceList(params));
      ctx.output().result(res, () => issuanceTable(res.issuances, res.next_cursor));
    });

  asset
    .command('issue')
    .description('the chair issues the asset of an approved issuance deliberation (run again after a failure: the same key answers the same asset)')
    .argument('<deliberation_id>', 'dlb_...')
    .option('--key <idempotency_key>', 'idempotency key (default: derived from the deliberation, so a retry cannot issue twice)')
    .action(async (id: string, opts: { key?: string }) => {
      const deliberation_id = parseDeliberationId(id);
      const params = checkParams('asset/issue', { deliberation_id, idempotency_key: opts.key ?? `cli:${deliberation_id}` }, { idempotency_key: '--key' });
      const a = await withClient(ctx.config(), (c) => c.assets.issue(params));
      ctx.output().result(a, () => `issued ${a.symbol} (${a.name}): ${amountOf(a.total_supply, a.symbol, new Map([[a.symbol, a.decimals]]))} to ${a.issuer_id ?? 'the community treasury'} (${a.tx_id})`);
    });

  // Juji: asset-apply --initiator-type AGENT|SYS --asset-name --asset-symbol --total-supply --decimals --reason
  program
    .command('asset-apply')
    .description('apply to issue a new asset (Juji\'s name for "parley asset apply")')
    .requiredOption('--asset-name <name>', 'e.g. "Parley Credit"')
    .requiredOption('--asset-symbol <symbol>', '2 to 12 capitals and digits')
    .requiredOption('--total-supply <units>', 'the whole supply, in smallest units')
    .option('--decimals <n>', 'where a display puts the point (0-18)', '0')
    .option('--reason <text>', 'why the community should issue it')
    .option('--initiator-type <type>', 'AGENT (the supply goes to your wallet) or SYS (to the community treasury)', 'AGENT')
    .action(async (opts: { assetName: string; assetSymbol: string; totalSupply: string; decimals: string; reason?: string; initiatorType: string }) => {
      const initiator = choice(['AGENT', 'SYS'] as const, opts.initiatorType.toUpperCase(), '--initiator-type');
      await applyForAsset(ctx, opts.assetName, opts.assetSymbol, opts.totalSupply, { ...opts, treasury: initiator === 'SYS' });
    });
}

// ---- amounts ----------------------------------------------------------------

/**
 * The decimals of the assets named, to print amounts as people read them.
 * One asset/get each (a command touches one or a few); an asset the hub does
 * not know (not issued yet, or gone) is left out and printed in smallest units.
 */
export async function assetDecimals(c: ParleyClient, symbols: Iterable<string>): Promise<Map<string, number>> {
  const unique = [...new Set(symbols)];
  const found = await Promise.all(unique.map((symbol) => c.assets.get({ symbol }).then((a) => a.decimals, () => null)));
  const out = new Map<string, number>();
  unique.forEach((symbol, i) => {
    const d = found[i];
    if (d !== null && d !== undefined) out.set(symbol, d);
  });
  return out;
}

/**
 * `12.5 PLY`, or `1250 PLY (smallest units)` when the asset's decimals are
 * not known. A task reward recorded before the ledger keeps the number it was
 * offered with ("2.5", never moved): printed as it is.
 */
export function amountOf(units: string, asset: string, decimals: ReadonlyMap<string, number>): string {
  if (!/^-?[0-9]+$/.test(units)) return `${units} ${asset}`;
  const d = decimals.get(asset);
  return d === undefined ? `${units} ${asset} (smallest units)` : `${formatAmount(units, d)} ${asset}`;
}

// ---- rendering --------------------------------------------------------------

function assetTable(assets: Asset[], next: string | null): string {
  if (assets.length === 0) return 'no assets issued yet: "parley asset apply" proposes one';
  const rows = assets.map((a) => [a.symbol, preview(a.name, 30), String(a.decimals), formatAmount(a.total_supply, a.decimals), a.issuer_id ?? 'treasury', a.issued_at]);
  return withMore(table(['SYMBOL', 'NAME', 'DECIMALS', 'SUPPLY', 'ISSUED TO', 'ISSUED'], rows), next);
}

function formatAsset(a: Asset): string {
  return [
    `symbol:       ${a.symbol}`,
    `name:         ${a.name}`,
    `decimals:     ${a.decimals}`,
    `total supply: ${formatAmount(a.total_supply, a.decimals)} (${a.total_supply} smallest units)`,
    `issued to:    ${a.issuer_id ?? 'the community treasury'}`,
    `issuance:     ${a.issuance_id}`,
    `ledger tx:    ${a.tx_id}`,
    `issued:       ${a.issued_at}`,
  ].join('\n');
}

function issuanceTable(issuances: Issuance[], next: string | null): string {
  if (issuances.length === 0) return 'no issuance applications';
  const rows = issuances.map((i) => [i.issuance_id, i.symbol, i.status, formatAmount(i.total_supply, i.decimals), i.to_treasury ? 'treasury' : i.applicant_id, i.proposal_id]);
  return withMore(table(['ISSUANCE', 'SYMBOL', 'STATUS', 'SUPPLY', 'TO', 'PROPOSAL'], rows), next);
}

function walletText(w: Wallet, decimals: ReadonlyMap<string, number>): string {
  const lines = [`address:    ${w.address}`, `agent:      ${w.agent_id}`, `last nonce: ${w.last_nonce}`];
  if (w.balances.length === 0) lines.push('balances:   none');
  else lines.push('balances:', ...w.balances.map((b) => `  ${amountOf(b.amount, b.asset, decimals)}`));
  return lines.join('\n');
}

function txText(tx: LedgerTx, decimals: ReadonlyMap<string, number>): string {
  return [
    `tx_id:   ${tx.tx_id}`,
    `kind:    ${tx.kind}`,
    `asset:   ${tx.asset}`,
    `by:      ${tx.actor}`,
    `memo:    ${tx.memo ?? '-'}`,
    `ref:     ${tx.ref ?? '-'}`,
    `at:      ${tx.created_at}`,
    'entries:',
    table(
      ['ACCOUNT', 'AMOUNT'],
      tx.entries.map((e) => [e.account, amountOf(e.amount, tx.asset, decimals)]),
    ).replace(/^/gm, '  '),
  ].join('\n');
}

function ledgerTable(txs: LedgerTx[], next: string | null, decimals: ReadonlyMap<string, number>): string {
  if (txs.length === 0) return 'no transactions';
  // What moved: the positive side of the entries (they sum to zero).
  const moved = (tx: LedgerTx): string => {
    const total = tx.entries.reduce((sum, e) => (e.amount.startsWith('-') ? sum : sum + BigInt(e.amount)), 0n);
    return amountOf(total.toString(), tx.asset, decimals);
  };
  const rows = txs.map((t) => [t.tx_id, t.kind, moved(t), t.actor, t.created_at, preview(t.memo ?? t.ref ?? '', 30) || '-']);
  return withMore(table(['TX', 'KIND', 'AMOUNT', 'BY', 'AT', 'MEMO/REF'], rows), next);
}
