import { signMessage, verifyMessage } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import { createIdentity } from '../src/index.js';
import { signAsync } from '../src/signing.js';

describe('signAsync', () => {
  it('gives exactly the pure-JS signature (Ed25519 is deterministic), through WebCrypto where it has Ed25519', async () => {
    for (let i = 0; i < 5; i++) {
      const id = createIdentity();
      const msg = `parley-ws-v1|${id.agentId}|${'ab'.repeat(32)}`;
      const sig = await signAsync(id, msg);
      expect(sig).toBe(signMessage(id.secretKey, msg));
      expect(verifyMessage(id.publicKey, msg, sig)).toBe(true);
    }
  });

  it('falls back to the pure-JS signer where WebCrypto cannot import the key', async () => {
    const subtle = globalThis.crypto.subtle;
    const importKey = subtle.importKey.bind(subtle);
    subtle.importKey = (() => Promise.reject(new Error('Ed25519 not supported'))) as typeof subtle.importKey;
    try {
      const id = createIdentity();
      expect(await signAsync(id, 'hello')).toBe(signMessage(id.secretKey, 'hello'));
    } finally {
      subtle.importKey = importKey;
    }
  });
});
