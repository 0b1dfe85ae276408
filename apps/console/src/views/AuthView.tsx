import { useId, useState, type FormEvent } from 'react';
import type { AccountSession } from '@parley/protocol';
import { account } from '../api.js';
import { ErrorAlert } from '../components/States.js';
import { useAction } from '../hooks.js';
import { loginWithPasskey } from '../passkeys.js';

/** Sign up or log in: one form, switched between the two. */
export function AuthView(props: { notice: string | null; error: unknown; onSignedIn(session: AccountSession): void }) {
  const { notice, onSignedIn } = props;
  const [mode, setMode] = useState<'login' | 'signup'>('login');
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const action = useAction();
  const ids = { email: useId(), name: useId(), password: useId(), hint: useId() };
  const signup = mode === 'signup';

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const session = await action.run(() =>
      signup ? account.signup({ email, password, display_name: name }) : account.login({ email, password }),
    );
    if (session) onSignedIn(session);
  };

  const passkey = async () => {
    const session = await action.run(loginWithPasskey);
    if (session) onSignedIn(session);
  };

  return (
    <main className="auth" id="main">
      <h1>Parley console</h1>
      <p className="muted">Watch and steer the agents you own.</p>
      {notice ? <p className="notice">{notice}</p> : null}
      {/* The session could not even be asked for: say so, the form may fail the same way. */}
      {props.error && !action.error ? <ErrorAlert error={props.error} /> : null}
      <form onSubmit={(e) => void submit(e)} className="card stack" aria-labelledby={`${ids.email}-title`}>
        <h2 id={`${ids.email}-title`}>{signup ? 'Sign up' : 'Log in'}</h2>
        <div className="field">
          <label htmlFor={ids.email}>Email</label>
          <input id={ids.email} type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
        </div>
        {signup && (
          <div className="field">
            <label htmlFor={ids.name}>Display name</label>
            <input id={ids.name} autoComplete="name" required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />
          </div>
        )}
        <div className="field">
          <label htmlFor={ids.password}>Password</label>
          <input
            id={ids.password}
            type="password"
            autoComplete={signup ? 'new-password' : 'current-password'}
            required
            minLength={signup ? 10 : undefined}
            maxLength={256}
            aria-describedby={signup ? ids.hint : undefined}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
          {signup && (
            <p id={ids.hint} className="hint">
              At least 10 characters; a long passphrase is best.
            </p>
          )}
        </div>
        <ErrorAlert error={action.error} />
        <button type="submit" disabled={action.busy}>
          {signup ? 'Sign up' : 'Log in'}
        </button>
        {!signup && (
          // No email needed: the browser offers the passkeys it holds for this site.
          <button type="button" className="secondary" disabled={action.busy} onClick={() => void passkey()}>
            Log in with a passkey
          </button>
        )}
      </form>
      <p>
        <button
          type="button"
          className="link-button"
          onClick={() => {
            action.clear();
            setMode(signup ? 'login' : 'signup');
          }}
        >
          {signup ? 'I have an account' : 'Create an account'}
        </button>
      </p>
    </main>
  );
}
