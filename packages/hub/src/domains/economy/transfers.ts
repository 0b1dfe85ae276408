import { agentStream, ErrorCode, transferSigningString, verifyMessage, type LedgerTx, type ParsedParamsOf, type ResultOf, type Wallet } from '@parley/protocol';
import type { Kysely } from 'kysely';
import { conflict, forbidden, HubError, notFound } from '../../core/errors.js';
import { encodeCursor, readCursor } from '../../core/ids.js';
import type { Streams } from '../../core/streams.js';
import { respond } from '../../core/unit.js';
import type { Database } from '../../store/schema.js';
import type { Sql, Writer } from '../../store/sql.js';
import { parseAccount, walletAccount } from './accounts.js';
import type { Ledger } from './ledger.js';
import { toAsset } from './rows.js';
import type { EconomyPeers, Wallets } from './wallets.js';

/**
 * Wallets, signed transfers and the public reads of the ledger and its
 * assets. A transfer is checked, its nonce taken, its value moved and its
 * pushes staged in one writer job: a refusal of any kind changes nothing.
 */
export class Transfers {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly read: Sql,
    private readonly writer: Writer,
    private readonly streams: Streams,
    private readonly peers: EconomyPeers,
    private readonly wallets: Wallets,
    private readonly ledger: Ledger,
  ) {}

  async transfer(me: string, p: ParsedParamsOf<'asset/transfer'>): Promise<LedgerTx> {
    const from = await this.wallets.addressOf(me);
    // An agent id names its wallet; the signature is over the address either way.
    const toAgent = p.to.startsWith('agt_') ? p.to : null;
    const to = toAgent ? await this.wallets.addressOf(toAgent) : p.to;
    if (to === from) throw new HubError(ErrorCode.InvalidParams, 'a transfer goes to another wallet than your own');
    const key = await this.peers.publicKeyOf(me);
    const signed = transferSigningString({ from: me, to, asset: p.asset, amount: p.amount, nonce: p.nonce, memo: p.memo });
    if (!key || !verifyMessage(key, signed, p.sig)) throw forbidden(`bad signature: sign "${signed}" with your key`);
    const amount = BigInt(p.amount);
    const done = await this.writer.run(
      async (tx) => {
        // Value must not vanish: it goes only to a wallet someone holds.
        let receiver: string;
        if (toAgent) receiver = toAgent;
        else {
          const w = await this.wallets.byAddress(to, tx);
          // An address is found only once its wallet has a row (it held or sent value): addresses are one-way hashes of keys.
          if (!w) throw new HubError(ErrorCode.NotFound, `no wallet at ${to}: pay an agent that never held anything by its agent id`);
          receiver = w.agent_id;
        }
        await this.wallets.open(tx, receiver, to);
        await this.wallets.open(tx, me, from);
        if (!(await this.wallets.takeNonce(tx, from, p.nonce))) {
          const last = Number((await this.wallets.byAddress(from, tx))?.last_nonce ?? 0);
          throw conflict(`nonce ${p.nonce} is not larger than this wallet's last one (${last}): sign the transfer again with a larger nonce`);
        }
        const moved = await this.ledger.post(tx, {
          kind: 'transfer',
          asset: p.asset,
          actor: me,
          memo: p.memo ?? null,
          ref: null,
          entries: [
            { account: walletAccount(from), amount: -amount },
            { account: walletAccount(to), amount },
          ],
        });
        const data = { tx: moved, from: me, to: receiver };
        const pushes = [await this.streams.stage(tx, agentStream(receiver), 'asset.transfer', data), await this.streams.stage(tx, agentStream(me), 'asset.transfer', data)];
        return { result: await respond(tx, moved), pushes };
      },
      (r) => this.streams.fanOut(r.pushes),
    );
    return done.result;
  }

  /** The caller's wallet, an agent's or an address's; an agent's that was never used reads as empty. */
  async wallet(me: string, p: ParsedParamsOf<'wallet/get'>): Promise<Wallet> {
    let address: string;
    let agentId: string;
    let lastNonce = 0;
    if (p.address) {
      const w = await this.wallets.byAddress(p.address);
      if (!w) throw notFound(`wallet ${p.address}`);
      [address, agentId, lastNonce] = [w.address, w.agent_id, Number(w.last_nonce)];
    } else {
      agentId = p.agent_id ?? me;
      address = await this.wallets.addressOf(agentId);
      lastNonce = Number((await this.wallets.byAgent(agentId))?.last_nonce ?? 0);
    }
    return { address, agent_id: agentId, balances: await this.ledger.balancesOf(walletAccount(address)), last_nonce: lastNonce };
  }

  async tx(txId: string): Promise<LedgerTx> {
    return this.ledger.get(txId);
  }

  async list(me: string, p: ParsedParamsOf<'ledger/list'>): Promise<ResultOf<'ledger/list'>> {
    if (p.account !== undefined && p.agent_id !== undefined) throw new HubError(ErrorCode.InvalidParams, 'give at most one of account and agent_id');
    let account: string;
    if (p.account !== undefined) {
      if (!parseAccount(p.account)) throw new HubError(ErrorCode.InvalidParams, 'an account is wallet:<address>, escrow:<task_id>, treasury or issue:<SYMBOL>');
      account = p.account;
    } else account = walletAccount(await this.wallets.addressOf(p.agent_id ?? me));
    return this.ledger.list(account, p.asset, p.limit, p.cursor);
  }

  async asset(symbol: string): Promise<ResultOf<'asset/get'>> {
    const row = await this.read.get(this.db.selectFrom('assets').selectAll().where('symbol', '=', symbol).compile());
    if (!row) throw notFound(`asset ${symbol}`);
    return toAsset(row);
  }

  /** By symbol; the cursor is the last symbol of the page. */
  async assets(p: ParsedParamsOf<'asset/list'>): Promise<ResultOf<'asset/list'>> {
    let q = this.db.selectFrom('assets').selectAll();
    if (p.cursor) q = q.where('symbol', '>', readCursor(p.cursor, ['string'])[0]);
    const rows = await this.read.all(q.orderBy('symbol').limit(p.limit + 1).compile());
    const page = rows.slice(0, p.limit);
    return { assets: page.map(toAsset), next_cursor: rows.length > p.limit ? encodeCursor([page[page.length - 1]!.symbol]) : null };
  }
}
