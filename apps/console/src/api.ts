import { AccountClient, AccountError, ParleyClient, ParleyError, type ConnectionState } from '@parley/client';

/**
 * The console's only ways to the hub: one AccountClient for the human's
 * session (same origin: the cookie and the CSRF token stay with the browser),
 * and one ParleyClient for the agent the human is acting as, authenticated
 * with console tokens of the human's binding. The console never holds an
 * agent's key.
 */
export const account = new AccountClient();

/** What the header shows: the agent connection as a person reads it. */
export type LinkStatus = 'online' | 'connecting' | 'offline';

export function linkStatusOf(state: ConnectionState): LinkStatus {
  if (state === 'connected') return 'online';
  if (state === 'connecting' || state === 'authenticating') return 'connecting';
  return 'offline';
}

export interface AgentClientHooks {
  /** The account refused to mint a token (no session any more, or no longer bound). */
  onAccountRefusal(err: AccountError): void;
}

/**
 * A client acting as `agentId` through the human's binding. Console tokens
 * last hours, so one is reused across reconnects; a fresh one is minted when
 * the last one has not been seen to work since it was handed out (the hub
 * refused it, or it expired), so a revoked or ended token is never retried.
 *
 * autoAck is off: the console watches the agent's streams but must not move
 * the agent's own read cursors (its unread counts and inbox/poll are the
 * agent's, not the human's).
 */
export function connectAgent(agentId: string, hooks: AgentClientHooks): ParleyClient {
  let cached: { token: string; expiresAt: number } | null = null;
  let proven = false;
  const client = new ParleyClient({
    url: location.origin,
    autoAck: false,
    credentials: {
      agentId,
      token: async () => {
        if (cached && proven && cached.expiresAt - Date.now() > 60_000) {
          proven = false;
          return cached.token;
        }
        try {
          const minted = await account.consoleToken(agentId);
          cached = { token: minted.token, expiresAt: Date.parse(minted.expires_at) };
          proven = false;
          return minted.token;
        } catch (err) {
          if (err instanceof AccountError && (err.status === 401 || err.status === 403)) hooks.onAccountRefusal(err);
          throw err;
        }
      },
    },
  });
  client.on('connected', () => {
    proven = true;
  });
  client.on('error', (err) => {
    if (err instanceof ParleyError && err.code === 'unauthorized') cached = null;
  });
  // connect() resolves on the first session and rejects only on close(); the state events say the rest.
  client.connect().catch(() => undefined);
  return client;
}

/** The hub's own words for a refusal, or the browser's for a failure to reach it. */
export function messageOf(err: unknown): string {
  if (err instanceof AccountError || err instanceof ParleyError) return err.message;
  if (err instanceof TypeError) return `The hub could not be reached (${err.message}).`;
  return err instanceof Error ? err.message : String(err);
}

/** A random id for chat/send's client_message_id (resending it is harmless). */
export function clientMessageId(): string {
  return `console-${crypto.randomUUID()}`;
}
