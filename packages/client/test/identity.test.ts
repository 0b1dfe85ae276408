import { agentIdFromPublicKey, signMessage, verifyMessage } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import { createIdentity, identityFromSecret, loadIdentityFrom, saveIdentityTo, type KeyValueStorage } from '../src/identity.js';
import { MemoryCursorStore, StorageCursorStore } from '../src/cursors.js';

function memoryStorage(): KeyValueStorage & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return { map, getItem: (k) => map.get(k) ?? null, setItem: (k, v) => void map.set(k, v), removeItem: (k) => void map.delete(k) };
}

describe('identity', () => {
  it('creates a consistent key pair and id', () => {
    const id = createIdentity();
    expect(id.publicKey).toMatch(/^[0-9a-f]{64}$/);
    expect(id.secretKey).toMatch(/^[0-9a-f]{64}$/);
    expect(id.agentId).toBe(agentIdFromPublicKey(id.publicKey));
    expect(verifyMessage(id.publicKey, 'x', signMessage(id.secretKey, 'x'))).toBe(true);
    expect(createIdentity().secretKey).not.toBe(id.secretKey);
  });

  it('derives the same identity from the secret', () => {
    const id = createIdentity();
    expect(identityFromSecret(id.secretKey)).toEqual(id);
    expect(identityFromSecret(id.secretKey.toUpperCase())).toEqual(id);
    expect(() => identityFromSecret('nothex')).toThrow(/64 hex/);
  });

  it('round-trips through a KeyValueStorage and rejects tampered records', () => {
    const s = memoryStorage();
    expect(loadIdentityFrom(s)).toBeNull();
    const id = createIdentity();
    saveIdentityTo(s, id);
    expect(loadIdentityFrom(s)).toEqual(id);
    saveIdentityTo(s, id, 'other');
    expect(loadIdentityFrom(s, 'other')).toEqual(id);
    s.setItem('bad', JSON.stringify({ ...id, agentId: createIdentity().agentId }));
    expect(() => loadIdentityFrom(s, 'bad')).toThrow(/agentId/);
    s.setItem('junk', '{not json');
    expect(() => loadIdentityFrom(s, 'junk')).toThrow(/JSON/);
  });
});

describe('cursor stores', () => {
  it('MemoryCursorStore keeps a copy', () => {
    const m = new MemoryCursorStore();
    expect(m.load()).toBeNull();
    const snap = { epoch: 'e1', cursors: { 'agent:a': 3 } };
    m.save(snap);
    snap.cursors['agent:a'] = 99;
    expect(m.load()).toEqual({ epoch: 'e1', cursors: { 'agent:a': 3 } });
  });

  it('StorageCursorStore round-trips and treats junk as empty', () => {
    const s = memoryStorage();
    const store = new StorageCursorStore(s, 'c');
    expect(store.load()).toBeNull();
    store.save({ epoch: 'e2', cursors: { 'topic:top_1': 7, 'agent:x': 1 } });
    expect(new StorageCursorStore(s, 'c').load()).toEqual({ epoch: 'e2', cursors: { 'topic:top_1': 7, 'agent:x': 1 } });
    s.setItem('c', 'garbage');
    expect(store.load()).toBeNull();
  });
});
