import { ErrorCode, type AccountSession, type LoginRequest, type SignupRequest } from '@parley/protocol';
import type { Kysely } from 'kysely';
import { HubError } from '../../core/errors.js';
import { iso } from '../../core/ids.js';
import type { Database, UsersTable } from '../../store/schema.js';
import type { Sql, Writer } from '../../store/sql.js';
import { announce, deleteKeysBy, type Revoker, type RevokedKeys } from './keys-store.js';
import { checkPassword, hashPassword } from './passwords.js';
import { newCsrfToken, newSessionToken, newUserId, sha256 } from './secrets.js';

/** Live sessions per human; logging in once more retires the oldest (and the console tokens it made). */
export const MAX_SESSIONS_PER_USER = 20;
/** Failed logins in a row before the account waits. */
export const FAILURES_BEFORE_LOCK = 5;
const FIRST_LOCK_MS = 30_000;
const MAX_LOCK_MS = 15 * 60_000;

/** The wait after `failures` failed logins in a row: none below the threshold, then 30 s doubling to 15 minutes. */
export function lockFor(failures: number): number {
  if (failures < FAILURES_BEFORE_LOCK) return 0;
  return Math.min(MAX_LOCK_MS, FIRST_LOCK_MS * 2 ** (failures - FAILURES_BEFORE_LOCK));
}

/** One message for an unknown email and a wrong password: the answer does not say which accounts exist. */
const BAD_LOGIN = 'wrong email or password';

/** A logged-in human, as each account request finds it from its cookie. */
export interface LiveSession {
  sessionHash: string;
  userId: string;
  csrfToken: string;
  expiresAt: number;
  user: Pick<UsersTable, 'user_id' | 'email' | 'display_name' | 'created_at'>;
}

/** A new session: the cookie's value (shown once, to the browser) and the answer. */
export interface OpenedSession {
  token: string;
  expiresAt: number;
  answer: AccountSession;
}

export interface SessionOptions {
  sessionTtlSeconds: number;
  signup: boolean;
}

/**
 * Human accounts and their sessions. The password is checked by the KDF
 * outside any transaction (it takes tens of milliseconds); what it decides is
 * then written in one job, which looks at the row again: the count of
 * failures in a row and the lock live in the database, so every hub sharing
 * it holds the same account to the same limit.
 */
export class Sessions {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly read: Sql,
    private readonly writer: Writer,
    private readonly revoker: Revoker,
    private readonly opts: SessionOptions,
  ) {}

  async signup(body: SignupRequest): Promise<OpenedSession> {
    if (!this.opts.signup) throw new HubError(ErrorCode.Forbidden, 'signing up is closed on this hub: ask its operator for an account');
    const passwordHash = await hashPassword(body.password);
    const userId = newUserId();
    const now = Date.now();
    const user = { user_id: userId, email: body.email, display_name: body.display_name, created_at: now };
    return this.writer.run(async (tx) => {
      const inserted = await tx.run(
        this.db
          .insertInto('users')
          .values({ ...user, password_hash: passwordHash, failed_logins: 0, locked_until: null })
          .onConflict((oc) => oc.column('email').doNothing())
          .compile(),
      );
      if (inserted === 0) throw new HubError(ErrorCode.Conflict, 'an account with this email already exists: log in instead');
      return (await this.open(tx, user, now)).opened;
    });
  }

  async login(body: LoginRequest): Promise<OpenedSession> {
    const now = Date.now();
    const row = await this.read.get(this.db.selectFrom('users').selectAll().where('email', '=', body.email).compile());
    if (row) this.refuseIfLocked(row.locked_until, now);
    // The same KDF run whether or not the account exists.
    const good = await checkPassword(row?.password_hash ?? null, body.password);
    if (!row) throw new HubError(ErrorCode.Unauthorized, BAD_LOGIN);
    const userId = row.user_id;
    const result = await this.writer.run(
      async (tx) => {
        const cur = await tx.get(this.db.selectFrom('users').select(['failed_logins', 'locked_until']).where('user_id', '=', userId).compile());
        if (!cur) return { kind: 'gone' as const };
        const at = Date.now();
        // Another attempt may have locked the account while this one ran the KDF.
        if (cur.locked_until !== null && Number(cur.locked_until) > at) return { kind: 'locked' as const, until: Number(cur.locked_until) };
        if (!good) {
          const failures = Number(cur.failed_logins) + 1;
          const wait = lockFor(failures);
          await tx.run(
            this.db
              .updateTable('users')
              .set({ failed_logins: failures, locked_until: wait > 0 ? at + wait : null })
              .where('user_id', '=', userId)
              .compile(),
          );
          return { kind: 'bad' as const };
        }
        await tx.run(this.db.updateTable('users').set({ failed_logins: 0, locked_until: null }).where('user_id', '=', userId).compile());
        const { opened, revoked } = await this.open(tx, row, at);
        return { kind: 'ok' as const, opened, revoked };
      },
      (r) => {
        if (r.kind === 'ok') announce(this.revoker, r.revoked);
      },
    );
    if (result.kind === 'ok') return result.opened;
    if (result.kind === 'locked') this.refuseIfLocked(result.until, Date.now());
    throw new HubError(ErrorCode.Unauthorized, BAD_LOGIN);
  }

  /** The live session of a cookie's value, or null. */
  async find(token: string): Promise<LiveSession | null> {
    const row = await this.read.get(
      this.db
        .selectFrom('user_sessions')
        .innerJoin('users', 'users.user_id', 'user_sessions.user_id')
        .select([
          'user_sessions.session_hash',
          'user_sessions.csrf_token',
          'user_sessions.expires_at',
          'users.user_id',
          'users.email',
          'users.display_name',
          'users.created_at',
        ])
        .where('user_sessions.session_hash', '=', sha256(token))
        .compile(),
    );
    if (!row || Number(row.expires_at) <= Date.now()) return null;
    return {
      sessionHash: row.session_hash,
      userId: row.user_id,
      csrfToken: row.csrf_token,
      expiresAt: Number(row.expires_at),
      user: { user_id: row.user_id, email: row.email, display_name: row.display_name, created_at: Number(row.created_at) },
    };
  }

  answerOf(s: LiveSession): AccountSession {
    return sessionAnswer(s.user, s.csrfToken, s.expiresAt);
  }

  /** Ends the session and the console tokens it made (their sockets close at once). */
  async logout(sessionHash: string): Promise<void> {
    await this.writer.run(
      async (tx) => {
        await tx.run(this.db.deleteFrom('user_sessions').where('session_hash', '=', sessionHash).compile());
        return deleteKeysBy(this.db, tx, 'session_hash', [sessionHash]);
      },
      (revoked) => announce(this.revoker, revoked),
    );
  }

  /** Expired sessions go, and the console tokens they made (those expired with them, at the latest). */
  async prune(now = Date.now()): Promise<void> {
    const revoked = await this.writer.runAlone(async (tx) => {
      const gone = await tx.all(this.db.deleteFrom('user_sessions').where('expires_at', '<=', now).returning('session_hash').compile());
      return deleteKeysBy(
        this.db,
        tx,
        'session_hash',
        gone.map((r) => r.session_hash),
      );
    });
    announce(this.revoker, revoked);
  }

  private refuseIfLocked(lockedUntil: number | string | null, now: number): void {
    if (lockedUntil === null || Number(lockedUntil) <= now) return;
    const wait = Number(lockedUntil) - now;
    throw new HubError(ErrorCode.RateLimited, `too many failed logins for this account: try again in ${Math.ceil(wait / 1000)} s`, { retry_after_ms: wait });
  }

  /**
   * A new session in `tx`; past MAX_SESSIONS_PER_USER the oldest are retired
   * with their console tokens (announce them after the commit). Passkey logins
   * open theirs here too, so both ways in give the same kind of session.
   */
  async open(tx: Sql, user: LiveSession['user'], now: number): Promise<{ opened: OpenedSession; revoked: RevokedKeys }> {
    const token = newSessionToken();
    const sessionHash = sha256(token);
    const csrf = newCsrfToken();
    const expiresAt = now + this.opts.sessionTtlSeconds * 1000;
    await tx.run(
      this.db.insertInto('user_sessions').values({ session_hash: sessionHash, user_id: user.user_id, csrf_token: csrf, created_at: now, expires_at: expiresAt }).compile(),
    );
    const others = await tx.all(
      this.db
        .selectFrom('user_sessions')
        .select('session_hash')
        .where('user_id', '=', user.user_id)
        .where('session_hash', '!=', sessionHash)
        .orderBy('created_at', 'desc')
        .orderBy('session_hash')
        .compile(),
    );
    const retired = others.slice(MAX_SESSIONS_PER_USER - 1).map((r) => r.session_hash);
    const revoked: RevokedKeys = new Map();
    if (retired.length > 0) {
      for (let i = 0; i < retired.length; i += 500) {
        await tx.run(this.db.deleteFrom('user_sessions').where('session_hash', 'in', retired.slice(i, i + 500)).compile());
      }
      await deleteKeysBy(this.db, tx, 'session_hash', retired, revoked);
    }
    return { opened: { token, expiresAt, answer: sessionAnswer(user, csrf, expiresAt) }, revoked };
  }
}

function sessionAnswer(user: LiveSession['user'], csrf: string, expiresAt: number): AccountSession {
  return {
    user: { user_id: user.user_id, email: user.email, display_name: user.display_name, created_at: iso(Number(user.created_at)) },
    csrf_token: csrf,
    expires_at: iso(expiresAt),
  };
}
