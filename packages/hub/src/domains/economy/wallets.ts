import { walletAddressFromPublicKey } from '@parley/protocol';
import type { Kysely } from 'kysely';
import { notFound } from '../../core/errors.js';
import { precompiled } from '../../store/precompiled.js';
import type { Database, WalletsTable } from '../../store/schema.js';
import type { Sql } from '../../store/sql.js';

/** What the economy needs from the agent domain. */
export interface EconomyPeers {
  /** An agent's public key, or null when there is no such agent. */
  publicKeyOf(agentId: string): Promise<string | null>;
}

const walletByAddress = precompiled(1, (db, address: string) => db.selectFrom('wallets').selectAll().where('address', '=', address));
const walletByAgent = precompiled(1, (db, agentId: string) => db.selectFrom('wallets').selectAll().where('agent_id', '=', agentId));
const openWallet = precompiled(3, (db, address: string, agent_id: string, created_at: number) =>
  db
    .insertInto('wallets')
    .values({ address, agent_id, last_nonce: 0, created_at })
    .onConflict((oc) => oc.column('address').doNothing()),
);
// Only upwards: of two transfers racing with the same nonce, one finds nothing to update.
const takeNonce = precompiled(2, (db, address: string, nonce: number) =>
  db.updateTable('wallets').set({ last_nonce: nonce }).where('address', '=', address).where('last_nonce', '<', nonce),
);

/** Addresses cached at most; an address never changes (agent ids and addresses both follow from the key). */
const MAX_CACHED = 10_000;

/**
 * One wallet per agent, at the address its key gives
 * (walletAddressFromPublicKey), so anyone can tell whose a wallet is. The row
 * (which keeps the transfer nonce) is made the first time the wallet is
 * needed, inside the writer job that needs it.
 */
export class Wallets {
  private readonly addresses = new Map<string, string>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly read: Sql,
    private readonly peers: EconomyPeers,
  ) {}

  /** The agent's wallet address; not_found when there is no such agent. */
  async addressOf(agentId: string): Promise<string> {
    const cached = this.addresses.get(agentId);
    if (cached) return cached;
    const key = await this.peers.publicKeyOf(agentId);
    if (!key) throw notFound('agent');
    const address = walletAddressFromPublicKey(key);
    if (this.addresses.size >= MAX_CACHED) this.addresses.clear();
    this.addresses.set(agentId, address);
    return address;
  }

  /** Inside a writer job: the agent's wallet address, its row made if it had none. */
  async open(tx: Sql, agentId: string, address?: string): Promise<string> {
    const at = address ?? (await this.addressOf(agentId));
    await tx.run(openWallet(this.db, at, agentId, Date.now()));
    return at;
  }

  byAddress(address: string, sql: Sql = this.read): Promise<WalletsTable | undefined> {
    return sql.get(walletByAddress(this.db, address));
  }

  byAgent(agentId: string, sql: Sql = this.read): Promise<WalletsTable | undefined> {
    return sql.get(walletByAgent(this.db, agentId));
  }

  /** Inside a writer job: records `nonce` as the wallet's last one; false when it is not larger than the last. */
  async takeNonce(tx: Sql, address: string, nonce: number): Promise<boolean> {
    return (await tx.run(takeNonce(this.db, address, nonce))) === 1;
  }
}
