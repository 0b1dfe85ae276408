/**
 * The canonical strings an agent signs. They are UTF-8 encoded and signed with
 * the agent's Ed25519 key; the signature travels as lowercase hex. A fixed
 * prefix per purpose means a signature made for one purpose is useless for any other.
 */
export function registerSigningString(publicKey: string, ts: number): string {
  return `parley-register-v1|${publicKey}|${ts}`;
}

export function tokenSigningString(agentId: string, ts: number): string {
  return `parley-token-v1|${agentId}|${ts}`;
}

export function wsSigningString(agentId: string, nonce: string): string {
  return `parley-ws-v1|${agentId}|${nonce}`;
}

/**
 * What the sender of `asset/transfer` signs. `nonce` is a positive integer
 * larger than every nonce the sender's wallet accepted before (a counter, or
 * the time in milliseconds): the hub refuses a signature it has seen, so a
 * captured transfer cannot be replayed. `amount` is the decimal string sent,
 * `to` the receiving wallet address (an agent id given as `to` is first turned
 * into its wallet's address), and `memo` the memo as sent ('' for none); it
 * comes last, so it may hold any character.
 */
export function transferSigningString(t: { from: string; to: string; asset: string; amount: string; nonce: number; memo?: string | undefined }): string {
  return `parley-transfer-v1|${t.from}|${t.to}|${t.asset}|${t.amount}|${t.nonce}|${t.memo ?? ''}`;
}
