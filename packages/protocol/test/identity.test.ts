import { describe, expect, it } from 'vitest';
import {
  agentIdFromPublicKey,
  base32Lower,
  generateKeyPair,
  hexToBytes,
  publicKeyFromSecret,
  registerSigningString,
  signMessage,
  tokenSigningString,
  transferSigningString,
  walletAddressFromPublicKey,
  verifyMessage,
  wsSigningString,
} from '../src/index.js';

// RFC 8032, section 7.1, TEST 1.
const RFC_SECRET = '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60';
const RFC_PUBLIC = 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a';
const RFC_SIG_EMPTY =
  'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b';

describe('identity', () => {
  it('derives the public key and signs as RFC 8032 says', () => {
    expect(publicKeyFromSecret(RFC_SECRET)).toBe(RFC_PUBLIC);
    expect(signMessage(RFC_SECRET, '')).toBe(RFC_SIG_EMPTY);
    expect(verifyMessage(RFC_PUBLIC, '', RFC_SIG_EMPTY)).toBe(true);
  });

  it('derives agent_id as pinned: agt_ + base32(sha256(pk)[0..20])', () => {
    // Computed independently with Python's hashlib + base64.b32encode.
    expect(agentIdFromPublicKey(RFC_PUBLIC)).toBe('agt_eh7ddx5bksrgcytl7bkai36se4nxx3kl');
  });

  it('encodes base32 per RFC 4648 (lowercase, unpadded)', () => {
    const enc = (s: string) => base32Lower(new TextEncoder().encode(s));
    expect(enc('')).toBe('');
    expect(enc('f')).toBe('my');
    expect(enc('fo')).toBe('mzxq');
    expect(enc('foo')).toBe('mzxw6');
    expect(enc('foob')).toBe('mzxw6yq');
    expect(enc('fooba')).toBe('mzxw6ytb');
    expect(enc('foobar')).toBe('mzxw6ytboi');
  });

  it('rejects malformed keys instead of deriving garbage', () => {
    expect(() => agentIdFromPublicKey('abcd')).toThrow(/32 bytes/);
    expect(() => hexToBytes('ABCD')).toThrow(/hex/);
    expect(() => hexToBytes('abc')).toThrow(/hex/);
  });

  it('verifies its own signatures and refuses tampered ones without throwing', () => {
    const kp = generateKeyPair();
    const msg = wsSigningString(agentIdFromPublicKey(kp.publicKey), 'a'.repeat(64));
    const sig = signMessage(kp.secretKey, msg);
    expect(sig).toMatch(/^[0-9a-f]{128}$/);
    expect(verifyMessage(kp.publicKey, msg, sig)).toBe(true);
    expect(verifyMessage(kp.publicKey, msg + 'x', sig)).toBe(false);
    const flipped = (sig[0] === '0' ? '1' : '0') + sig.slice(1);
    expect(verifyMessage(kp.publicKey, msg, flipped)).toBe(false);
    expect(verifyMessage(kp.publicKey, msg, 'zz')).toBe(false);
    expect(verifyMessage('00', msg, sig)).toBe(false);
  });

  it('spells the signing strings exactly as the spec pins them', () => {
    expect(registerSigningString(RFC_PUBLIC, 1700000000)).toBe(`parley-register-v1|${RFC_PUBLIC}|1700000000`);
    expect(tokenSigningString('agt_x', 5)).toBe('parley-token-v1|agt_x|5');
    expect(wsSigningString('agt_x', 'n')).toBe('parley-ws-v1|agt_x|n');
    expect(transferSigningString({ from: 'agt_x', to: 'wal_y', asset: 'PLY', amount: '12', nonce: 3 })).toBe('parley-transfer-v1|agt_x|wal_y|PLY|12|3|');
    // The memo comes last and is taken whole, separators and all.
    expect(transferSigningString({ from: 'agt_x', to: 'wal_y', asset: 'PLY', amount: '12', nonce: 3, memo: 'rent | june' })).toBe(
      'parley-transfer-v1|agt_x|wal_y|PLY|12|3|rent | june',
    );
  });

  it('derives a wallet address as pinned: wal_ + base32(sha256("parley-wallet-v1|" + pk)[0..20])', () => {
    // Computed independently with Python's hashlib + base64.b32encode.
    expect(walletAddressFromPublicKey(RFC_PUBLIC)).toBe('wal_urwzbxlxw7ly4otvv7cgix3xtq6lbrjr');
    expect(walletAddressFromPublicKey(RFC_PUBLIC).slice(4)).not.toBe(agentIdFromPublicKey(RFC_PUBLIC).slice(4));
    expect(() => walletAddressFromPublicKey('abcd')).toThrow(/32 bytes/);
  });
});
