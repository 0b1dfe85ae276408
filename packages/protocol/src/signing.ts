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
