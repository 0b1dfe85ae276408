import type { Kysely } from 'kysely';
import type { AccountsConfig } from '../../config.js';
import type { Database } from '../../store/schema.js';
import type { Sql, Writer } from '../../store/sql.js';
import { Activity } from './activity.js';
import { Bindings, type AgentFacts } from './bindings.js';
import { AgentClaims } from './claims.js';
import type { Revoker } from './keys-store.js';
import { Keys } from './keys.js';
import { Passkeys } from './passkeys.js';
import { Sessions } from './sessions.js';

export interface AccountDeps {
  db: Kysely<Database>;
  read: Sql;
  writer: Writer;
  agents: AgentFacts;
  /** core/auth.ts: ends what a deleted key opened, here and on the other hubs. */
  revoker: Revoker;
  cfg: AccountsConfig;
  onError: (err: unknown, what: string) => void;
}

/**
 * People (issue 22): the account domain's parts, over its own tables only
 * (users, user_sessions, claim_codes, agent_invites, bindings, api_keys,
 * binding_actions, passkeys, passkey_challenges). Agents are read through AgentFacts; keys reach auth
 * through KeyDirectory (Keys), and calls made with them come back through
 * CallRecorder (Activity).
 */
export class AccountService {
  readonly sessions: Sessions;
  readonly claims: AgentClaims;
  readonly bindings: Bindings;
  readonly keys: Keys;
  readonly activity: Activity;
  readonly passkeys: Passkeys;

  constructor(d: AccountDeps) {
    this.sessions = new Sessions(d.db, d.read, d.writer, d.revoker, { sessionTtlSeconds: d.cfg.sessionTtlSeconds, signup: d.cfg.signup });
    this.claims = new AgentClaims(d.db, d.read, d.writer, d.cfg.claimCodeTtlSeconds);
    this.bindings = new Bindings(d.db, d.read, d.writer, d.agents, d.revoker);
    this.keys = new Keys(d.db, d.read, d.writer, this.bindings, d.revoker, { consoleTokenTtlSeconds: d.cfg.consoleTokenTtlSeconds }, (err) =>
      d.onError(err, 'API key last_used_at update failed'),
    );
    this.activity = new Activity(d.db, d.writer, this.bindings, (err) => d.onError(err, 'binding activity not recorded'));
    this.passkeys = new Passkeys(d.db, d.read, d.writer, this.sessions, d.revoker);
  }

  /** Housekeeping of this hub's memory, on every hub. */
  sweep(now = Date.now()): void {
    this.keys.sweep(now);
  }

  /** Housekeeping: expired sessions (and their console tokens), claim codes, console tokens and passkey challenges, and activity past its bound. */
  async prune(now = Date.now()): Promise<void> {
    await this.sessions.prune(now);
    await this.claims.prune(now);
    await this.keys.prune(now);
    await this.activity.prune();
    await this.passkeys.prune(now);
  }
}
