import {
  agentStream,
  GOVERNANCE_STREAM,
  type Asset,
  type IssuanceStatus,
  type ParsedParamsOf,
  type ProposalStatus,
  type ResultOf,
} from '@parley/protocol';
import type { Kysely } from 'kysely';
import { conflict, forbidden, notFound } from '../../core/errors.js';
import { newIssuanceId } from '../../core/ids.js';
import { newestFirst } from '../../core/paging.js';
import type { StagedPush, Streams } from '../../core/streams.js';
import { respond } from '../../core/unit.js';
import type { GovernanceLink, ProposalHook } from '../governance/link.js';
import { precompiled } from '../../store/precompiled.js';
import type { AssetIssuancesTable, Database } from '../../store/schema.js';
import type { Sql, Writer } from '../../store/sql.js';
import { issueAccount, TREASURY, walletAccount } from './accounts.js';
import type { Ledger } from './ledger.js';
import { toAsset, toIssuance } from './rows.js';
import type { Wallets } from './wallets.js';

/** Applications that still hold their symbol and count against their applicant's bound. */
const IN_PROGRESS: readonly IssuanceStatus[] = ['proposed', 'approved'];

/**
 * An application follows its proposal: the committee's decision, or a close.
 * `executed` is not here: asset/issue marks the application `issued` itself,
 * in the job that executes the proposal. Only applications in progress move.
 */
export const FOLLOWS: Readonly<Partial<Record<ProposalStatus, IssuanceStatus>>> = {
  approved: 'approved',
  rejected: 'rejected',
  closed: 'closed',
};

const assetBySymbol = precompiled(1, (db, symbol: string) => db.selectFrom('assets').selectAll().where('symbol', '=', symbol));
const assetByKey = precompiled(1, (db, key: string) => db.selectFrom('assets').selectAll().where('idempotency_key', '=', key));
const assetByIssuance = precompiled(1, (db, issuanceId: string) => db.selectFrom('assets').selectAll().where('issuance_id', '=', issuanceId));
const issuanceById = precompiled(1, (db, issuanceId: string) => db.selectFrom('asset_issuances').selectAll().where('issuance_id', '=', issuanceId));

/** How the governance domain is reached: asked when first needed, so the hub may make governance after the economy. */
export type GovernanceRef = () => GovernanceLink;

/**
 * Issuing assets through governance: an application opens an `asset_issue`
 * proposal in the same writer job; the application follows its proposal
 * (`proposalHook`); once the committee approved it, the chair issues the
 * asset (`issue`), which mints the whole supply in one ledger transaction and
 * executes the proposal, again in one job.
 */
export class Issuances {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly writer: Writer,
    private readonly streams: Streams,
    private readonly governance: GovernanceRef,
    private readonly wallets: Wallets,
    private readonly ledger: Ledger,
    /** Most applications in progress per applicant (governance.maxOpenProposals). */
    private readonly maxPending: number,
  ) {}

  async apply(me: string, p: ParsedParamsOf<'asset/issuance/apply'>): Promise<ResultOf<'asset/issuance/apply'>> {
    const issuanceId = newIssuanceId();
    const now = Date.now();
    const done = await this.writer.run(
      async (tx) => {
        // Checked in the job: two applications for one symbol cannot both pass.
        if (await tx.get(assetBySymbol(this.db, p.symbol))) throw conflict(`the symbol ${p.symbol} is taken by an issued asset`);
        const rival = await tx.get(this.inProgress().select('issuance_id').where('symbol', '=', p.symbol).compile());
        if (rival) throw conflict(`the symbol ${p.symbol} is taken by an application in progress (${rival.issuance_id})`);
        const mine = await tx.get(this.inProgress().select((eb) => eb.fn.countAll<number>().as('n')).where('applicant_id', '=', me).compile());
        const pending = Number(mine?.n ?? 0);
        if (pending >= this.maxPending) throw conflict(`issuance applications in progress: you have ${pending}, the most allowed`);
        const { proposal, pushes } = await this.governance().openIssuanceProposal(tx, me, {
          title: `Issue ${p.symbol} (${p.name})`,
          description: describe(p),
          issuance_id: issuanceId,
        });
        const row: AssetIssuancesTable = {
          issuance_id: issuanceId,
          applicant_id: me,
          name: p.name,
          symbol: p.symbol,
          total_supply: p.total_supply,
          decimals: p.decimals,
          reason: p.reason ?? null,
          to_treasury: p.to_treasury ? 1 : 0,
          status: 'proposed',
          proposal_id: proposal.proposal_id,
          created_at: now,
          issued_at: null,
        };
        await tx.run(this.db.insertInto('asset_issuances').values(row).compile());
        return { result: await respond(tx, { issuance: toIssuance(row), proposal_id: proposal.proposal_id }), pushes };
      },
      (r) => this.streams.fanOut(r.pushes),
    );
    return done.result;
  }

  private inProgress() {
    return this.db.selectFrom('asset_issuances').where('status', 'in', [...IN_PROGRESS]);
  }

  async list(p: ParsedParamsOf<'asset/issuance/list'>): Promise<ResultOf<'asset/issuance/list'>> {
    let q = this.db.selectFrom('asset_issuances').selectAll();
    if (p.status) q = q.where('status', '=', p.status);
    if (p.applicant) q = q.where('applicant_id', '=', p.applicant);
    if (p.symbol) q = q.where('symbol', '=', p.symbol);
    const { page, next_cursor } = await newestFirst(q, 'issuance_id', p.limit, p.cursor);
    return { issuances: page.map(toIssuance), next_cursor };
  }

  /**
   * asset/issue, in one writer job: the chair's check, the idempotency key,
   * the mint, the assets row, the application issued, the proposal executed,
   * and the pushes.
   */
  async issue(me: string, p: ParsedParamsOf<'asset/issue'>): Promise<Asset> {
    const gov = this.governance();
    const done = await this.writer.run(
      async (tx) => {
        if ((await gov.chairId(tx)) !== me) throw forbidden('only the chair issues assets');
        const d = await gov.deliberationFor(tx, p.deliberation_id);
        if (!d) throw notFound('deliberation');
        if (d.proposal_kind !== 'asset_issue' || d.issuance_id === null) throw conflict('this deliberation is not about an asset issuance');
        // The same key answers what it did the first time; a key or a deliberation is used once.
        const byKey = await tx.get(assetByKey(this.db, p.idempotency_key));
        if (byKey) {
          if (byKey.issuance_id !== d.issuance_id) throw conflict(`this idempotency_key issued another asset (${byKey.symbol})`);
          return { result: await respond(tx, toAsset(byKey)), pushes: [] };
        }
        const already = await tx.get(assetByIssuance(this.db, d.issuance_id));
        if (already) throw conflict(`this deliberation's asset (${already.symbol}) was issued under another idempotency_key`);
        if (d.status !== 'approved') throw conflict(`the deliberation is ${d.status}: only an approved one is issued`);
        const iss = await tx.get(issuanceById(this.db, d.issuance_id));
        if (!iss) throw notFound('issuance');
        if (!IN_PROGRESS.includes(iss.status as IssuanceStatus)) throw conflict(`the application is ${iss.status}`);
        if (await tx.get(assetBySymbol(this.db, iss.symbol))) throw conflict(`the symbol ${iss.symbol} is taken by an issued asset`);

        const toTreasury = Number(iss.to_treasury) === 1;
        const to = toTreasury ? TREASURY : walletAccount(await this.wallets.open(tx, iss.applicant_id));
        const supply = BigInt(iss.total_supply);
        const minted = await this.ledger.post(tx, {
          kind: 'issue',
          asset: iss.symbol,
          actor: me,
          memo: `issued by deliberation ${d.deliberation_id}`,
          ref: iss.issuance_id,
          entries: [
            { account: issueAccount(iss.symbol), amount: -supply },
            { account: to, amount: supply },
          ],
        });
        const now = Date.now();
        const row = {
          symbol: iss.symbol,
          name: iss.name,
          decimals: Number(iss.decimals),
          total_supply: iss.total_supply,
          issuer_id: toTreasury ? null : iss.applicant_id,
          issuance_id: iss.issuance_id,
          tx_id: minted.tx_id,
          idempotency_key: p.idempotency_key,
          issued_at: now,
        };
        await tx.run(this.db.insertInto('assets').values(row).compile());
        await tx.run(this.db.updateTable('asset_issuances').set({ status: 'issued', issued_at: now }).where('issuance_id', '=', iss.issuance_id).compile());
        const pushes: StagedPush[] = await gov.execute(tx, d.deliberation_id, me, `issued ${iss.symbol}`);
        const asset = toAsset(row);
        pushes.push(
          await this.streams.stage(tx, GOVERNANCE_STREAM, 'asset.issued', { variant: 'public', asset, details: null }),
          await this.streams.stage(tx, agentStream(iss.applicant_id), 'asset.issued', { variant: 'direct', asset, details: null }),
        );
        return { result: await respond(tx, asset), pushes };
      },
      (r) => this.streams.fanOut(r.pushes),
    );
    return done.result;
  }

  /** Registered on governance: runs in the job of every proposal status change. */
  readonly proposalHook: ProposalHook = async (tx: Sql, proposal) => {
    const next = FOLLOWS[proposal.status];
    if (proposal.kind !== 'asset_issue' || proposal.issuance_id === null || !next) return [];
    await tx.run(
      this.db
        .updateTable('asset_issuances')
        .set({ status: next })
        .where('issuance_id', '=', proposal.issuance_id)
        .where('status', 'in', [...IN_PROGRESS])
        .compile(),
    );
    return [];
  };
}

function describe(p: ParsedParamsOf<'asset/issuance/apply'>): string {
  const to = p.to_treasury ? 'the community treasury' : "the applicant's wallet";
  const head = `Issue ${p.name} (${p.symbol}): a total supply of ${p.total_supply} smallest units (${p.decimals} decimals), all to ${to}.`;
  return p.reason ? `${head}\n\n${p.reason}` : head;
}
