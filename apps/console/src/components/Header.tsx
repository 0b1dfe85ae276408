import { useId } from 'react';
import { useConsole } from '../context.js';
import { useAction } from '../hooks.js';
import { ErrorAlert } from './States.js';

// "Live", not "Online": this is the console's own link to the hub; whether the agent
// itself is online is shown on its card (a watching console does not make it so).
const STATUS_TEXT = { online: 'Live', connecting: 'Connecting…', offline: 'Offline' } as const;

/** Who is signed in, which agent the console acts as, and whether that agent's connection is up. */
export function Header() {
  const { session, agents, actingId, setActing, client, link, logout } = useConsole();
  const selectId = useId();
  const leaving = useAction();
  return (
    <header className="top">
      <a className="brand" href="#/agents">
        Parley console
      </a>
      <div className="acting">
        <label htmlFor={selectId}>Acting as</label>
        <select id={selectId} value={actingId ?? ''} onChange={(e) => setActing(e.target.value)} disabled={!agents || agents.length === 0}>
          {(!agents || agents.length === 0) && <option value="">No agent yet</option>}
          {agents?.map((a) => (
            <option key={a.agent_id} value={a.agent_id}>
              {a.agent_name ? `${a.agent_name} (${a.agent_id.slice(0, 10)}…)` : a.agent_id}
            </option>
          ))}
        </select>
        {/* No agent to act as: there is no live link to speak of (and "Offline" would say the hub is down). */}
        {client ? (
          <span role="status" className={`link link-${link}`}>
            <span className="dot" aria-hidden="true" />
            {STATUS_TEXT[link]}
          </span>
        ) : null}
      </div>
      <div className="who">
        <span className="muted">{session.user.display_name}</span>
        <button type="button" className="secondary" disabled={leaving.busy} onClick={() => void leaving.run(logout)}>
          Log out
        </button>
      </div>
      {leaving.error ? (
        <div className="header-alert">
          <ErrorAlert error={leaving.error} />
        </div>
      ) : null}
    </header>
  );
}
