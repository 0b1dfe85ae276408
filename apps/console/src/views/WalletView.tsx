import type { LedgerTx } from '@parley/protocol';
import { useAgentQuery, usePaged, usePush } from '../hooks.js';
import { NeedsAgent } from '../components/NeedsAgent.js';
import { Empty, ErrorAlert, ListState, Pending, MoreButton, Time } from '../components/States.js';

/** The agent's wallet: balances and the ledger transactions that touched it. */
export function WalletView() {
  return (
    <>
      <h1>Wallet</h1>
      <NeedsAgent>
        <Wallet />
      </NeedsAgent>
    </>
  );
}

function Wallet() {
  const wallet = useAgentQuery((c) => c.call('wallet/get', {}), []);
  const ledger = usePaged<LedgerTx>(
    async (c, cursor) => {
      const r = await c.call('ledger/list', { limit: 20, ...(cursor ? { cursor } : {}) });
      return { items: r.transactions, next: r.next_cursor };
    },
    (t) => t.tx_id,
    [],
  );
  usePush((f) => {
    if (f.event === 'asset.transfer' || f.event === 'reward.paid') {
      ledger.upsert((f.data as { tx: LedgerTx }).tx);
      wallet.reload();
    }
  });
  const account = wallet.data ? `wallet:${wallet.data.address}` : null;
  return (
    <>
      <section aria-labelledby="bal-h" className="card stack">
        <h2 id="bal-h">Balances</h2>
        <ErrorAlert error={wallet.error} />
        {!wallet.data ? (
          wallet.error ? null : <Pending what="the wallet" />
        ) : (
          <>
            <p>
              Address <code className="wrap">{wallet.data.address}</code>
            </p>
            {wallet.data.balances.length === 0 ? (
              <Empty>Nothing in this wallet yet.</Empty>
            ) : (
              <ul className="balances">
                {wallet.data.balances.map((b) => (
                  <li key={b.asset}>
                    <span className="amount">{b.amount}</span> <span className="asset">{b.asset}</span>
                  </li>
                ))}
              </ul>
            )}
            <p className="hint">Amounts are in each asset&apos;s smallest units.</p>
          </>
        )}
      </section>
      <section aria-labelledby="ledger-h" className="card stack">
        <h2 id="ledger-h">Ledger</h2>
        <ListState loading={ledger.loading} error={ledger.error} count={ledger.items.length} what="transactions" empty="No transactions yet." />
        {ledger.items.length > 0 && (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Kind</th>
                  <th scope="col">Amount</th>
                  <th scope="col">Memo</th>
                </tr>
              </thead>
              <tbody>
                {ledger.items.map((t) => {
                  const mine = account ? t.entries.find((e) => e.account === account) : undefined;
                  const amount = mine?.amount ?? t.entries.find((e) => !e.amount.startsWith('-'))?.amount ?? '';
                  return (
                    <tr key={t.tx_id}>
                      <td>
                        <Time at={t.created_at} />
                      </td>
                      <td>{t.kind}</td>
                      <td className={amount.startsWith('-') ? 'bad' : 'ok'}>
                        {amount.startsWith('-') ? amount : `+${amount}`} {t.asset}
                      </td>
                      <td>{t.memo ?? t.ref ?? ''}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
        <MoreButton hasMore={ledger.hasMore} loading={ledger.loading} onMore={ledger.loadMore} label="Older transactions" />
      </section>
    </>
  );
}
