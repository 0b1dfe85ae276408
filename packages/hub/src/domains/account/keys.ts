import { ErrorCode, type ApiKeyCreated, type ApiKeyInfo, type ConsoleToken } from '@parley/protocol';
import type { Kysely } from 'kysely';
import type { KeyDirectory, KeyInfo } from '../../core/auth.js';
import { HubError, notFound } from '../../core/errors.js';
import { iso } from '../../core/ids.js';
import type { ApiKeysTable, Database } from '../../store/schema.js';
import type { Sql, Writer } from '../../store/sql.js';
import type { Bindings } from './bindings.js';
import { announce, deleteKeysBy, type Revoker } from './keys-store.js';
import { newApiKey, newKeyId, sha256 } from './secrets.js';

/** Named API keys per binding; one more is refused (a key is revoked on purpose, never retired behind its holder's back). */
export const MAX_API_KEYS_PER_BINDING = 20;
/** Console tokens per binding; one more retires the oldest (the console asks for a fresh one on every load). */
export const MAX_CONSOLE_TOKENS_PER_BINDING = 10;
/** last_used_at is written at most this often per key: a busy script must not cost a write per call. */
const TOUCH_EVERY_MS = 60_000;
/** Enough of a key to tell keys apart in a list, far too little to use. */
const PREFIX_CHARS = 11;

const INFO_COLUMNS = ['key_id', 'name', 'prefix', 'created_at', 'last_used_at'] as const;

function info(r: Pick<ApiKeysTable, (typeof INFO_COLUMNS)[number]>): ApiKeyInfo {
  return {
    key_id: r.key_id,
    name: r.name,
    prefix: r.prefix,
    created_at: iso(Number(r.created_at)),
    last_used_at: r.last_used_at === null ? null : iso(Number(r.last_used_at)),
  };
}

export interface KeyOptions {
  consoleTokenTtlSeconds: number;
}

/**
 * A binding's keys: named API keys (until revoked) and the console's own
 * short-lived tokens (kind 'console', ending with the session that made
 * them). Both act as the agent wherever its bearer token does (core/auth.ts
 * asks `lookup`); only their sha256 is stored.
 */
export class Keys implements KeyDirectory {
  /** When each key's last_used_at was last written (or queued), to write it at most once a minute. */
  private readonly touched = new Map<string, number>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly read: Sql,
    private readonly writer: Writer,
    private readonly bindings: Bindings,
    private readonly revoker: Revoker,
    private readonly opts: KeyOptions,
    private readonly onError: (err: unknown) => void,
  ) {}

  async lookup(keyHash: string): Promise<KeyInfo | null> {
    const row = await this.read.get(
      this.db.selectFrom('api_keys').select(['key_id', 'agent_id', 'binding_id', 'expires_at']).where('key_hash', '=', keyHash).compile(),
    );
    if (!row) return null;
    const expiresAt = row.expires_at === null ? null : Number(row.expires_at);
    if (expiresAt !== null && expiresAt <= Date.now()) return null;
    this.touch(row.key_id);
    return { agentId: row.agent_id, keyId: row.key_id, bindingId: row.binding_id, expiresAt };
  }

  async liveAmong(hashes: string[]): Promise<Set<string>> {
    const live = new Set<string>();
    const now = Date.now();
    for (let i = 0; i < hashes.length; i += 500) {
      const rows = await this.read.all(this.db.selectFrom('api_keys').select(['key_hash', 'expires_at']).where('key_hash', 'in', hashes.slice(i, i + 500)).compile());
      for (const r of rows) if (r.expires_at === null || Number(r.expires_at) > now) live.add(r.key_hash);
    }
    return live;
  }

  async list(userId: string, agentId: string): Promise<ApiKeyInfo[]> {
    const b = await this.bindings.requireBinding(userId, agentId);
    const rows = await this.read.all(
      this.db
        .selectFrom('api_keys')
        .select(INFO_COLUMNS)
        .where('binding_id', '=', b.binding_id)
        .where('kind', '=', 'api')
        .orderBy('created_at', 'desc')
        .orderBy('key_id')
        .limit(MAX_API_KEYS_PER_BINDING)
        .compile(),
    );
    return rows.map(info);
  }

  async create(userId: string, agentId: string, name: string): Promise<ApiKeyCreated> {
    const key = newApiKey();
    const keyId = newKeyId();
    const now = Date.now();
    const prefix = key.slice(0, PREFIX_CHARS);
    await this.writer.run(async (tx) => {
      const b = await this.bindings.requireBinding(userId, agentId, tx);
      const n = Number(
        (await tx.get(
          this.db.selectFrom('api_keys').select((eb) => eb.fn.countAll<number>().as('n')).where('binding_id', '=', b.binding_id).where('kind', '=', 'api').compile(),
        ))!.n,
      );
      if (n >= MAX_API_KEYS_PER_BINDING) {
        throw new HubError(ErrorCode.Conflict, `this binding has ${MAX_API_KEYS_PER_BINDING} API keys, the most it may have: revoke one first`, {
          limit: MAX_API_KEYS_PER_BINDING,
        });
      }
      await tx.run(
        this.db
          .insertInto('api_keys')
          .values({
            key_id: keyId,
            key_hash: sha256(key),
            binding_id: b.binding_id,
            agent_id: agentId,
            user_id: userId,
            kind: 'api',
            name,
            prefix,
            session_hash: null,
            created_at: now,
            expires_at: null,
            last_used_at: null,
          })
          .compile(),
      );
    });
    return { ...info({ key_id: keyId, name, prefix, created_at: now, last_used_at: null }), key };
  }

  /** Revokes one of the caller's binding's keys; what it opened ends at once, on every hub. */
  async revoke(userId: string, agentId: string, keyId: string): Promise<void> {
    await this.writer.run(
      async (tx) => {
        const b = await this.bindings.requireBinding(userId, agentId, tx);
        const mine = await tx.get(this.db.selectFrom('api_keys').select('key_id').where('key_id', '=', keyId).where('binding_id', '=', b.binding_id).compile());
        if (!mine) throw notFound('API key');
        return deleteKeysBy(this.db, tx, 'key_id', [keyId]);
      },
      (revoked) => announce(this.revoker, revoked),
    );
  }

  /**
   * A console token of the caller's binding, ending with the session (at its
   * expiry, at logout) or after consoleTokenTtlSeconds, whichever is first.
   */
  async consoleToken(userId: string, agentId: string, session: { sessionHash: string; expiresAt: number }): Promise<ConsoleToken> {
    const token = newApiKey();
    const now = Date.now();
    const expiresAt = Math.min(now + this.opts.consoleTokenTtlSeconds * 1000, session.expiresAt);
    await this.writer.run(
      async (tx) => {
        const b = await this.bindings.requireBinding(userId, agentId, tx);
        const keyId = newKeyId();
        await tx.run(
          this.db
            .insertInto('api_keys')
            .values({
              key_id: keyId,
              key_hash: sha256(token),
              binding_id: b.binding_id,
              agent_id: agentId,
              user_id: userId,
              kind: 'console',
              name: 'console',
              prefix: token.slice(0, PREFIX_CHARS),
              session_hash: session.sessionHash,
              created_at: now,
              expires_at: expiresAt,
              last_used_at: null,
            })
            .compile(),
        );
        const others = await tx.all(
          this.db
            .selectFrom('api_keys')
            .select('key_id')
            .where('binding_id', '=', b.binding_id)
            .where('kind', '=', 'console')
            .where('key_id', '!=', keyId)
            .orderBy('created_at', 'desc')
            .orderBy('key_id')
            .compile(),
        );
        const retired = others.slice(MAX_CONSOLE_TOKENS_PER_BINDING - 1).map((r) => r.key_id);
        return deleteKeysBy(this.db, tx, 'key_id', retired);
      },
      (revoked) => announce(this.revoker, revoked),
    );
    return { agent_id: agentId, token, expires_at: iso(expiresAt) };
  }

  /** Forgets when keys were last touched once that no longer holds a write back (every hub, whoever holds the timer lease). */
  sweep(now = Date.now()): void {
    for (const [id, at] of this.touched) if (at <= now - TOUCH_EVERY_MS) this.touched.delete(id);
  }

  /** Expired console tokens go (no session can use them any more). */
  async prune(now = Date.now()): Promise<void> {
    await this.writer.runAlone((tx) => tx.run(this.db.deleteFrom('api_keys').where('expires_at', 'is not', null).where('expires_at', '<=', now).compile()));
  }

  /** Records that the key was used, at most once a minute per key, riding with the next commit. */
  private touch(keyId: string): void {
    const now = Date.now();
    const last = this.touched.get(keyId);
    if (last !== undefined && last > now - TOUCH_EVERY_MS) return;
    this.touched.set(keyId, now);
    this.writer.defer((tx) => tx.run(this.db.updateTable('api_keys').set({ last_used_at: now }).where('key_id', '=', keyId).compile())).catch(this.onError);
  }
}
