import {
  ErrorCode,
  MAX_PASSKEYS_PER_USER,
  PASSKEY_CHALLENGE_TTL_SECONDS,
  type PasskeyAuthenticationResponse,
  type PasskeyInfo,
  type PasskeyRegistrationResponse,
} from '@parley/protocol';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type AuthenticatorTransportFuture,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type { Kysely } from 'kysely';
import { HubError } from '../../core/errors.js';
import { iso } from '../../core/ids.js';
import type { Database, PasskeysTable } from '../../store/schema.js';
import type { Sql, Writer } from '../../store/sql.js';
import { announce, type Revoker } from './keys-store.js';
import { newPasskeyId } from './secrets.js';
import type { OpenedSession, Sessions } from './sessions.js';

/** The relying party of one request: from config, or from the request itself on a hub without one. */
export interface RelyingParty {
  rpId: string;
  rpName: string;
  /** Origins a ceremony may be answered from. */
  origins: string[];
}

const CHALLENGE_TTL_MS = PASSKEY_CHALLENGE_TTL_SECONDS * 1000;
/** Unanswered passkey login prompts the database holds at most (a few KiB of rows); past it a new one is refused (503). */
export const MAX_PENDING_PASSKEY_LOGINS = 10_000;
const STALE_CHALLENGE = 'this passkey prompt is unknown, already answered or expired (they last 5 minutes): start again';
const UNKNOWN_PASSKEY = 'this passkey is not registered here (it may have been removed from its account): log in another way';

/** The challenge and origin a browser wrote into clientDataJSON, or null when it is not what a browser writes. */
function clientData(b64: string): { challenge: string; origin: string } | null {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(b64, 'base64url').toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null) return null;
    const { challenge, origin } = parsed as Record<string, unknown>;
    if (typeof challenge !== 'string' || typeof origin !== 'string' || challenge.length > 512) return null;
    return { challenge, origin };
  } catch {
    return null;
  }
}

/** The WebAuthn user handle of a human: their user id's bytes (random, and says nothing about them). */
const userHandle = (userId: string) => Buffer.from(userId, 'utf8').toString('base64url');

const transportsOf = (row: Pick<PasskeysTable, 'transports'>): AuthenticatorTransportFuture[] => JSON.parse(row.transports) as AuthenticatorTransportFuture[];

/**
 * Passkeys (WebAuthn) over the `passkeys` and `passkey_challenges` tables;
 * @simplewebauthn/server does the ceremonies' cryptography. A challenge lives
 * in the database, so a ceremony begun on one hub may finish on another, and
 * it is deleted in the very transaction that uses it: answered once, and a
 * failed answer changes nothing. The signature check runs before that
 * transaction (it needs no lock), and the transaction reads again what it
 * decides on (the challenge, the counter, the count of passkeys).
 */
export class Passkeys {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly read: Sql,
    private readonly writer: Writer,
    private readonly sessions: Sessions,
    private readonly revoker: Revoker,
    /** Login prompts not yet answered nor expired, across every hub on the database. */
    private readonly maxPendingLogins = MAX_PENDING_PASSKEY_LOGINS,
  ) {}

  async list(userId: string): Promise<PasskeyInfo[]> {
    const rows = await this.read.all(
      this.db.selectFrom('passkeys').selectAll().where('user_id', '=', userId).orderBy('created_at').orderBy('passkey_id').compile(),
    );
    return rows.map(infoOf);
  }

  async beginRegistration(
    user: { user_id: string; email: string; display_name: string },
    rp: RelyingParty,
  ): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const mine = await this.read.all(this.db.selectFrom('passkeys').select(['credential_id', 'transports']).where('user_id', '=', user.user_id).compile());
    if (mine.length >= MAX_PASSKEYS_PER_USER) throw tooMany();
    const options = await generateRegistrationOptions({
      rpName: rp.rpName,
      rpID: rp.rpId,
      userName: user.email,
      userID: new Uint8Array(Buffer.from(user.user_id, 'utf8')),
      userDisplayName: user.display_name,
      timeout: CHALLENGE_TTL_MS,
      attestationType: 'none',
      // Discoverable, so "Log in with a passkey" needs no email; verified (PIN, biometrics), since it is the only factor.
      authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
      excludeCredentials: mine.map((r) => ({ id: r.credential_id, transports: transportsOf(r) })),
    });
    await this.saveChallenge(options.challenge, 'register', user.user_id);
    return options;
  }

  async finishRegistration(userId: string, name: string, response: PasskeyRegistrationResponse, rp: RelyingParty): Promise<PasskeyInfo> {
    const challenge = await this.challengeOf(response.response.clientDataJSON, 'register', userId, rp);
    let info;
    try {
      const v = await verifyRegistrationResponse({
        // The protocol checked the shape the hub reads; the library checks the rest and refuses what it cannot read.
        response: response as unknown as RegistrationResponseJSON,
        expectedChallenge: challenge,
        expectedOrigin: rp.origins,
        expectedRPID: rp.rpId,
        requireUserVerification: true,
      });
      if (!v.verified) throw new Error('the attestation did not verify');
      info = v.registrationInfo;
    } catch (err) {
      throw unverified(err);
    }
    const now = Date.now();
    const row: PasskeysTable = {
      passkey_id: newPasskeyId(),
      credential_id: info.credential.id,
      user_id: userId,
      public_key: Buffer.from(info.credential.publicKey).toString('base64url'),
      counter: info.credential.counter,
      transports: JSON.stringify(info.credential.transports ?? response.response.transports ?? []),
      name,
      created_at: now,
      last_used_at: null,
    };
    return this.writer.run(async (tx) => {
      await this.useChallenge(tx, challenge, now);
      const n = await tx.get(
        this.db
          .selectFrom('passkeys')
          .select((eb) => eb.fn.countAll<number | string>().as('n'))
          .where('user_id', '=', userId)
          .compile(),
      );
      if (Number(n?.n ?? 0) >= MAX_PASSKEYS_PER_USER) throw tooMany();
      const inserted = await tx.run(this.db.insertInto('passkeys').values(row).onConflict((oc) => oc.column('credential_id').doNothing()).compile());
      if (inserted === 0) throw new HubError(ErrorCode.Conflict, 'this passkey is already registered');
      return infoOf(row);
    });
  }

  async beginLogin(rp: RelyingParty): Promise<PublicKeyCredentialRequestOptionsJSON> {
    // No allowCredentials: the browser offers the passkeys it has for this site, and the one chosen says whose it is.
    const options = await generateAuthenticationOptions({ rpID: rp.rpId, userVerification: 'required', timeout: CHALLENGE_TTL_MS });
    await this.saveChallenge(options.challenge, 'login', null);
    return options;
  }

  async finishLogin(response: PasskeyAuthenticationResponse, rp: RelyingParty): Promise<OpenedSession> {
    const challenge = await this.challengeOf(response.response.clientDataJSON, 'login', null, rp);
    const row = await this.read.get(this.db.selectFrom('passkeys').selectAll().where('credential_id', '=', response.id).compile());
    if (!row) throw new HubError(ErrorCode.Unauthorized, UNKNOWN_PASSKEY);
    const handle = response.response.userHandle;
    if (handle !== undefined && handle !== userHandle(row.user_id)) throw unverified(new Error('the passkey names another account than the one it is registered to'));
    let newCounter: number;
    try {
      const v = await verifyAuthenticationResponse({
        response: response as unknown as AuthenticationResponseJSON,
        expectedChallenge: challenge,
        expectedOrigin: rp.origins,
        expectedRPID: rp.rpId,
        credential: { id: row.credential_id, publicKey: new Uint8Array(Buffer.from(row.public_key, 'base64url')), counter: Number(row.counter), transports: transportsOf(row) },
        requireUserVerification: true,
      });
      if (!v.verified) throw new Error('the signature did not verify');
      newCounter = v.authenticationInfo.newCounter;
    } catch (err) {
      throw unverified(err);
    }
    const result = await this.writer.run(
      async (tx) => {
        const now = Date.now();
        await this.useChallenge(tx, challenge, now);
        const cur = await tx.get(this.db.selectFrom('passkeys').select(['counter']).where('passkey_id', '=', row.passkey_id).compile());
        if (!cur) throw new HubError(ErrorCode.Unauthorized, UNKNOWN_PASSKEY);
        // Checked again here: another login with the same passkey may have moved the counter since it was read.
        // A counter that does not grow means a cloned authenticator (0 and 0: one that keeps none).
        const stored = Number(cur.counter);
        if ((stored > 0 || newCounter > 0) && newCounter <= stored) {
          throw unverified(new Error(`its signature counter went from ${stored} to ${newCounter} (a copied passkey?)`));
        }
        await tx.run(this.db.updateTable('passkeys').set({ counter: newCounter, last_used_at: now }).where('passkey_id', '=', row.passkey_id).compile());
        const user = await tx.get(this.db.selectFrom('users').select(['user_id', 'email', 'display_name', 'created_at']).where('user_id', '=', row.user_id).compile());
        if (!user) throw new HubError(ErrorCode.Unauthorized, UNKNOWN_PASSKEY);
        return this.sessions.open(tx, user, now);
      },
      (r) => announce(this.revoker, r.revoked),
    );
    return result.opened;
  }

  /** Removes one of the human's passkeys; 404 when it is not theirs. */
  async remove(userId: string, passkeyId: string): Promise<void> {
    const n = await this.writer.run((tx) => tx.run(this.db.deleteFrom('passkeys').where('passkey_id', '=', passkeyId).where('user_id', '=', userId).compile()));
    if (n === 0) throw new HubError(ErrorCode.NotFound, 'passkey not found');
  }

  /** Challenges nobody answered in time. */
  async prune(now = Date.now()): Promise<void> {
    await this.writer.runAlone((tx) => tx.run(this.db.deleteFrom('passkey_challenges').where('expires_at', '<=', now).compile()));
  }

  private async saveChallenge(challenge: string, kind: 'register' | 'login', userId: string | null): Promise<void> {
    const now = Date.now();
    await this.writer.run(async (tx) => {
      // A login prompt needs no account: the per-address limit stops one client, this bound stops many.
      // (A registration prompt needs a session, and a human has at most 20 of those.)
      if (kind === 'login') {
        const live = await tx.get(
          this.db
            .selectFrom('passkey_challenges')
            .select((eb) => eb.fn.countAll<number | string>().as('n'))
            .where('kind', '=', 'login')
            .where('expires_at', '>', now)
            .compile(),
        );
        if (Number(live?.n ?? 0) >= this.maxPendingLogins) {
          throw new HubError(ErrorCode.Unavailable, 'too many passkey logins are under way on this hub: try again in a moment', { retry_after_ms: 5000 });
        }
      }
      await tx.run(this.db.insertInto('passkey_challenges').values({ challenge, kind, user_id: userId, created_at: now, expires_at: now + CHALLENGE_TTL_MS }).compile());
    });
  }

  /**
   * The challenge a response answers, when it is a live one of this kind (and
   * this human's, for a registration), and the page's origin is allowed.
   */
  private async challengeOf(clientDataJSON: string, kind: 'register' | 'login', userId: string | null, rp: RelyingParty): Promise<string> {
    const data = clientData(clientDataJSON);
    if (!data) throw unverified(new Error('its clientDataJSON is not JSON with a challenge and an origin'));
    if (!rp.origins.includes(data.origin)) throw originRefused(data.origin, rp);
    const row = await this.read.get(this.db.selectFrom('passkey_challenges').selectAll().where('challenge', '=', data.challenge).compile());
    if (!row || row.kind !== kind || row.user_id !== userId || Number(row.expires_at) <= Date.now()) {
      throw new HubError(ErrorCode.Unauthorized, STALE_CHALLENGE);
    }
    return data.challenge;
  }

  /** Deletes the challenge in `tx`, refusing when another answer (on any hub) used it first or it expired meanwhile. */
  private async useChallenge(tx: Sql, challenge: string, now: number): Promise<void> {
    const n = await tx.run(this.db.deleteFrom('passkey_challenges').where('challenge', '=', challenge).where('expires_at', '>', now).compile());
    if (n === 0) throw new HubError(ErrorCode.Unauthorized, STALE_CHALLENGE);
  }
}

export function originRefused(origin: string, rp: RelyingParty): HubError {
  return new HubError(
    ErrorCode.BadRequest,
    `passkeys are not allowed from ${origin} on this hub (allowed: ${rp.origins.join(', ')}; see accounts.webauthn.origins)`,
    { origin, allowed: rp.origins },
  );
}

const tooMany = () =>
  new HubError(ErrorCode.Conflict, `you have ${MAX_PASSKEYS_PER_USER} passkeys, the most an account may have: remove one first`, { limit: MAX_PASSKEYS_PER_USER });

function unverified(err: unknown): HubError {
  const why = err instanceof Error ? err.message : String(err);
  return new HubError(ErrorCode.Unauthorized, `the passkey could not be verified: ${why}`);
}

function infoOf(r: PasskeysTable): PasskeyInfo {
  return {
    passkey_id: r.passkey_id,
    name: r.name,
    transports: transportsOf(r),
    created_at: iso(Number(r.created_at)),
    last_used_at: r.last_used_at === null ? null : iso(Number(r.last_used_at)),
  };
}
