import { transferSigningString, verifyMessage, walletAddressFromPublicKey, type ActionName, type ParamsOf, type ResultOf } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import { createIdentity, formatAmount, parseAmount, parseReward, pickNonce, sendTransfer, type TransferSigner } from '../src/index.js';
import { signAsync } from '../src/signing.js';

describe('formatAmount and parseAmount', () => {
  it('put the point where the decimals say, exactly, both ways', () => {
    const cases: Array<[units: string, decimals: number, text: string]> = [
      ['1250', 2, '12.5'],
      ['1200', 2, '12'],
      ['5', 3, '0.005'],
      ['0', 6, '0'],
      ['7', 0, '7'],
      ['123456789012345678901234567890', 18, '123456789012.34567890123456789'],
      // 2^53 + 1: a float would print ...992
      ['9007199254740993', 0, '9007199254740993'],
      ['10000000000000000000000000000000000000', 18, '10000000000000000000'],
    ];
    for (const [units, decimals, text] of cases) {
      expect(formatAmount(units, decimals), `${units}/${decimals}`).toBe(text);
      expect(parseAmount(text, decimals), `${text}/${decimals}`).toBe(units);
    }
  });

  it('format signed ledger amounts', () => {
    expect(formatAmount('-1250', 2)).toBe('-12.5');
    expect(formatAmount('-5', 3)).toBe('-0.005');
  });

  it('parse what people type: trailing zeros, leading zeros, spaces', () => {
    expect(parseAmount(' 12.50 ', 2)).toBe('1250');
    expect(parseAmount('0012', 2)).toBe('1200');
    expect(parseAmount('0.1', 1)).toBe('1');
    expect(parseAmount('3.000', 0)).toBe('3');
    expect(parseAmount('0', 2)).toBe('0');
  });

  it('refuse what is not exact or not an amount, with a message that says why', () => {
    expect(() => parseAmount('12.345', 2)).toThrow(/more than 2 decimal places/);
    expect(() => parseAmount('1.5', 0)).toThrow(/no decimals/);
    for (const bad of ['', '-1', '1e5', '1,000', 'abc', '.5', '5.', '0x10']) expect(() => parseAmount(bad, 2), bad).toThrow(/non-negative decimal number/);
    expect(() => parseAmount('1'.repeat(39), 0)).toThrow(/too large/);
    expect(() => parseAmount('1', 19)).toThrow(/decimals must be an integer from 0 to 18/);
    expect(() => formatAmount('1.5', 2)).toThrow(/integer/);
    expect(() => formatAmount('01', 2)).toThrow(/integer/);
    expect(() => formatAmount('1', -1)).toThrow(/decimals/);
  });
});

describe('parseReward', () => {
  it('takes AMOUNT SYMBOL and AMOUNT:SYMBOL, as words or one string, and upper-cases the symbol', () => {
    expect(parseReward(['5', 'PLY'])).toEqual({ asset: 'PLY', amount: '5', rest: [] });
    expect(parseReward(['5:ply'])).toEqual({ asset: 'PLY', amount: '5', rest: [] });
    expect(parseReward('250 usdc')).toEqual({ asset: 'USDC', amount: '250', rest: [] });
    expect(parseReward(' 007:Ab1 ')).toEqual({ asset: 'AB1', amount: '7', rest: [] });
    // 2^64: exact, a string
    expect(parseReward(['18446744073709551616', 'PLY']).amount).toBe('18446744073709551616');
  });

  it('hands back the words after the two', () => {
    expect(parseReward(['5', 'PLY', 'after', 'the', 'changelog'])).toEqual({ asset: 'PLY', amount: '5', rest: ['after', 'the', 'changelog'] });
    expect(parseReward(['5:PLY', 'more'])).toEqual({ asset: 'PLY', amount: '5', rest: ['more'] });
  });

  it('refuses a missing symbol, a fraction, zero, a sign and a bad symbol, naming the flag', () => {
    expect(() => parseReward(['5'], '--reward')).toThrow(/^--reward must be AMOUNT SYMBOL or AMOUNT:SYMBOL \(e\.g\. 5 PLY\): no asset symbol, got "5"$/);
    expect(() => parseReward('2.5:EUR')).toThrow(/smallest units \(2\.5 of an asset with 2 decimals is 250\)/);
    for (const bad of ['0 PLY', '-1:PLY', '1e3 PLY', `${'9'.repeat(39)} PLY`, ':PLY']) expect(() => parseReward(bad), bad).toThrow(/positive integer/);
    for (const bad of ['5 P', '5 1PLY', '5 PL-Y', '5:', '5 ABCDEFGHIJKLM']) expect(() => parseReward(bad), bad).toThrow(/symbol is 2 to 12/);
    expect(() => parseReward([])).toThrow(/no asset symbol/);
  });
});

describe('pickNonce', () => {
  it('is the time, raised past the wallet and this process', () => {
    expect(pickNonce(0, 0, 1000)).toBe(1000);
    expect(pickNonce(5000, 0, 1000)).toBe(5001);
    expect(pickNonce(0, 1000, 1000)).toBe(1001);
  });
});

describe('sendTransfer', () => {
  /** A hub stand-in that answers wallet/get and checks asset/transfer the way the hub does: the signature over the rebuilt string. */
  function fakeHub(lastNonce: number) {
    const sent: Array<ParamsOf<'asset/transfer'>> = [];
    const wallets = new Map<string, { address: string; publicKey: string }>();
    const caller = {
      call<A extends ActionName>(action: A, params: ParamsOf<A>): Promise<ResultOf<A>> {
        if (action === 'wallet/get') {
          const p = params as ParamsOf<'wallet/get'>;
          const w = wallets.get(p.agent_id ?? 'me');
          if (!w) return Promise.reject(new Error(`not_found: ${p.agent_id}`));
          return Promise.resolve({ address: w.address, agent_id: p.agent_id ?? 'me', balances: [], last_nonce: lastNonce } as ResultOf<A>);
        }
        if (action === 'asset/transfer') {
          sent.push(params as ParamsOf<'asset/transfer'>);
          return Promise.resolve({ tx_id: 'ltx_1' } as ResultOf<A>);
        }
        return Promise.reject(new Error(`unexpected ${action}`));
      },
    };
    return { caller, sent, wallets };
  }

  it('signs the receiving wallet address (an agent id resolved to it) over a fresh nonce, and sends `to` as given', async () => {
    const me = createIdentity();
    const bob = createIdentity();
    const hub = fakeHub(Date.now() + 60_000); // a wallet whose last nonce is ahead of the clock
    hub.wallets.set('me', { address: walletAddressFromPublicKey(me.publicKey), publicKey: me.publicKey });
    hub.wallets.set(bob.agentId, { address: walletAddressFromPublicKey(bob.publicKey), publicKey: bob.publicKey });
    let last = 0;
    const signer: TransferSigner = { agentId: me.agentId, sign: (m) => signAsync(me, m), nextNonce: (a) => (last = pickNonce(a, last)) };

    await sendTransfer(hub.caller, signer, { to: bob.agentId, asset: 'PLY', amount: '250', memo: 'thanks | for the fix' });
    await sendTransfer(hub.caller, signer, { to: walletAddressFromPublicKey(bob.publicKey), asset: 'PLY', amount: '1' });

    const [first, second] = hub.sent;
    // an agent id goes to the hub as it is (a wallet that does not exist yet has no address the hub knows)
    expect(first).toMatchObject({ to: bob.agentId, asset: 'PLY', amount: '250', memo: 'thanks | for the fix' });
    expect(second).toMatchObject({ to: walletAddressFromPublicKey(bob.publicKey) });
    expect(second).not.toHaveProperty('memo');
    expect(second!.nonce).toBeGreaterThan(first!.nonce);
    for (const t of hub.sent) {
      // what the hub rebuilds: the receiving wallet's address, whichever form `to` took
      const signed = transferSigningString({ from: me.agentId, to: walletAddressFromPublicKey(bob.publicKey), asset: t.asset, amount: String(t.amount), nonce: t.nonce, memo: t.memo });
      expect(verifyMessage(me.publicKey, signed, t.sig)).toBe(true);
      expect(verifyMessage(bob.publicKey, signed, t.sig)).toBe(false);
    }
  });

  it('sends nothing when the receiver has no wallet', async () => {
    const me = createIdentity();
    const hub = fakeHub(0);
    hub.wallets.set('me', { address: walletAddressFromPublicKey(me.publicKey), publicKey: me.publicKey });
    const signer: TransferSigner = { agentId: me.agentId, sign: (m) => signAsync(me, m), nextNonce: (a) => pickNonce(a, 0) };
    await expect(sendTransfer(hub.caller, signer, { to: createIdentity().agentId, asset: 'PLY', amount: '1' })).rejects.toThrow(/not_found/);
    expect(hub.sent).toEqual([]);
  });
});
