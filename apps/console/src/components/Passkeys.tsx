import { useId, useState, type FormEvent } from 'react';
import { MAX_PASSKEYS_PER_USER } from '@parley/protocol';
import { account } from '../api.js';
import { useAction, useAsync } from '../hooks.js';
import { addPasskey } from '../passkeys.js';
import { ConfirmButton } from './ConfirmButton.js';
import { Empty, ErrorAlert, Loading, Time } from './States.js';

/** The human's passkeys: another way to log in, added here (named, so they can be told apart) and removed here. */
export function Passkeys() {
  const list = useAsync(() => account.passkeys(), []);
  const [name, setName] = useState('');
  const [added, setAdded] = useState<string | null>(null);
  const add = useAction();
  const remove = useAction();
  const id = useId();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setAdded(null);
    const made = await add.run(() => addPasskey(name.trim()));
    if (made) {
      setAdded(made.name);
      setName('');
      list.reload();
    }
  };
  const removePasskey = async (passkeyId: string) => {
    const ok = await remove.run(async () => {
      await account.removePasskey(passkeyId);
      return true;
    });
    if (ok) list.setData((prev) => prev?.filter((p) => p.passkey_id !== passkeyId));
  };

  return (
    <section aria-labelledby={`${id}-h`} className="card stack">
      <h2 id={`${id}-h`}>Passkeys</h2>
      <p className="hint">
        A passkey logs you in with this device's screen lock or a security key instead of your password. You may have up to {MAX_PASSKEYS_PER_USER}.
      </p>
      <form onSubmit={(e) => void submit(e)} className="row">
        <div className="field">
          <label htmlFor={id}>Name for the new passkey</label>
          <input id={id} required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. work laptop" />
        </div>
        <button type="submit" disabled={add.busy}>
          Add a passkey
        </button>
      </form>
      <ErrorAlert error={add.error} />
      {added && (
        <p className="notice" role="status">
          Added the passkey “{added}”: use it next time you log in.
        </p>
      )}
      <ErrorAlert error={remove.error} />
      {list.error ? (
        <ErrorAlert error={list.error} />
      ) : !list.data ? (
        <Loading what="passkeys" />
      ) : list.data.length === 0 ? (
        <Empty>No passkeys: you log in with your password.</Empty>
      ) : (
        <ul className="plain keys" aria-label="Your passkeys">
          {list.data.map((p) => (
            <li key={p.passkey_id}>
              <span>
                <strong>{p.name}</strong> · added <Time at={p.created_at} /> · last used <Time at={p.last_used_at} />
              </span>
              <ConfirmButton
                label="Remove"
                name={`Remove passkey ${p.name}`}
                question={`Remove the passkey ${p.name}? It will no longer log you in.`}
                confirm="Yes, remove"
                disabled={remove.busy}
                onConfirm={() => void removePasskey(p.passkey_id)}
              />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
