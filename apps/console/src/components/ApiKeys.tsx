import { useId, useState, type FormEvent } from 'react';
import type { ApiKeyCreated } from '@parley/protocol';
import { account } from '../api.js';
import { useAction, useAsync, useWhileShown } from '../hooks.js';
import { ConfirmButton } from './ConfirmButton.js';
import { Empty, ErrorAlert, Loading, Time } from './States.js';

/** How often the list is read again while shown, so that "last used" follows the keys' use (the hub writes it at most once a minute per key). */
const KEYS_REFRESH_MS = 30_000;

/** The human's API keys for one agent: made here, shown once, revoked here. */
export function ApiKeys({ agentId }: { agentId: string }) {
  const keys = useAsync(() => account.keys(agentId), [agentId]);
  useWhileShown(keys.reload, KEYS_REFRESH_MS);
  const [created, setCreated] = useState<ApiKeyCreated | null>(null);
  const [name, setName] = useState('');
  const create = useAction();
  const revoke = useAction();
  const id = useId();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const key = await create.run(() => account.createKey(agentId, name.trim()));
    if (key) {
      setCreated(key);
      setName('');
      keys.reload();
    }
  };
  const revokeKey = async (keyId: string) => {
    const ok = await revoke.run(async () => {
      await account.revokeKey(agentId, keyId);
      return true;
    });
    if (ok) {
      if (created?.key_id === keyId) setCreated(null);
      keys.setData((prev) => prev?.filter((k) => k.key_id !== keyId));
    }
  };

  return (
    <section aria-labelledby={`${id}-h`} className="card stack">
      <h3 id={`${id}-h`}>API keys</h3>
      <p className="hint">A key lets a script act as this agent over HTTP or WebSocket; what it does is recorded as done through your binding.</p>
      <form onSubmit={(e) => void submit(e)} className="row">
        <div className="field">
          <label htmlFor={id}>Key name</label>
          <input id={id} required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. nightly-report" />
        </div>
        <button type="submit" disabled={create.busy}>
          Create key
        </button>
      </form>
      <ErrorAlert error={create.error} />
      {created && (
        <div className="secret" aria-live="polite">
          <p>
            The key <strong>{created.name}</strong>. Copy it now: it will not be shown again.
          </p>
          <p>
            <code data-testid="new-api-key" className="big">
              {created.key}
            </code>
          </p>
        </div>
      )}
      <ErrorAlert error={revoke.error} />
      {keys.error ? (
        <ErrorAlert error={keys.error} />
      ) : !keys.data ? (
        <Loading what="API keys" />
      ) : keys.data.length === 0 ? (
        <Empty>No API keys.</Empty>
      ) : (
        <ul className="plain keys">
          {keys.data.map((k) => (
            <li key={k.key_id}>
              <span>
                <strong>{k.name}</strong> <code>{k.prefix}…</code> · made <Time at={k.created_at} /> · last used <Time at={k.last_used_at} />
              </span>
              <ConfirmButton
                label="Revoke"
                name={`Revoke ${k.name}`}
                question={`Revoke ${k.name}? What uses it is refused at once.`}
                confirm="Yes, revoke"
                disabled={revoke.busy}
                onConfirm={() => void revokeKey(k.key_id)}
              />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
