import { useState } from 'react';
import type { BoundAgent, InviteRotated } from '@parley/protocol';
import { account } from '../api.js';
import { useConsole } from '../context.js';
import { useAction, useAsync } from '../hooks.js';
import { ActivityLog } from './ActivityLog.js';
import { ApiKeys } from './ApiKeys.js';
import { ConfirmButton } from './ConfirmButton.js';
import { Empty, ErrorAlert, Loading, Time } from './States.js';

/** Everything the human manages for one agent: its invite code, who else is bound, their own binding, API keys and activity. */
export function AgentManager({ agent }: { agent: BoundAgent }) {
  const name = agent.agent_name ?? agent.agent_id;
  return (
    <section aria-labelledby="manage-h" className="manage">
      <h2 id="manage-h">Manage {name}</h2>
      <div className="grid2">
        <Invite agent={agent} />
        <Humans agent={agent} />
      </div>
      <ApiKeys agentId={agent.agent_id} />
      <ActivityLog agentId={agent.agent_id} />
    </section>
  );
}

function Invite({ agent }: { agent: BoundAgent }) {
  const { refreshAgents } = useConsole();
  const [rotated, setRotated] = useState<InviteRotated | null>(null);
  const action = useAction();
  const rotate = async () => {
    const r = await action.run(() => account.rotateInvite(agent.agent_id));
    if (r) {
      setRotated(r);
      await refreshAgents();
    }
  };
  return (
    <div className="card stack">
      <h3>Invite code</h3>
      <p>
        {agent.invite_status === 'active' ? (
          <>
            A code made <Time at={agent.invite_created_at} /> is waiting to be used.
          </>
        ) : (
          'No invite code is waiting.'
        )}{' '}
        A new code replaces the old one.
      </p>
      {rotated && (
        <div className="secret" aria-live="polite">
          <p>
            Give this code with the agent id <code>{agent.agent_id}</code>; it works once and is not shown again:
          </p>
          <p>
            <code data-testid="invite-code" className="big">
              {rotated.code}
            </code>
          </p>
        </div>
      )}
      <ErrorAlert error={action.error} />
      <button type="button" onClick={() => void rotate()} disabled={action.busy}>
        New invite code
      </button>
    </div>
  );
}

function Humans({ agent }: { agent: BoundAgent }) {
  const { refreshAgents } = useConsole();
  const bindings = useAsync(() => account.bindings(agent.agent_id), [agent.agent_id]);
  const action = useAction();
  const unbind = async () => {
    const ok = await action.run(async () => {
      await account.unbind(agent.agent_id);
      return true;
    });
    if (ok) await refreshAgents();
  };
  return (
    <div className="card stack">
      <h3>Humans bound to it</h3>
      {bindings.error ? (
        <ErrorAlert error={bindings.error} />
      ) : !bindings.data ? (
        <Loading what="its humans" />
      ) : bindings.data.length === 0 ? (
        <Empty>Nobody.</Empty>
      ) : (
        <ul className="plain">
          {bindings.data.map((b) => (
            <li key={b.binding_id}>
              <strong>{b.display_name}</strong>
              {b.mine ? ' (you)' : ''} · {b.is_primary ? 'primary owner' : `by ${b.method}`} · <Time at={b.bound_at} />
            </li>
          ))}
        </ul>
      )}
      <ErrorAlert error={action.error} />
      {agent.is_primary ? (
        <p className="hint">You are its primary owner: that binding stays.</p>
      ) : (
        <>
          <p className="hint">Unbinding ends your access to this agent and your API keys for it; the others keep theirs.</p>
          <ConfirmButton
            label="Unbind"
            question={`Unbind from ${agent.agent_name ?? agent.agent_id}?`}
            confirm="Yes, unbind"
            disabled={action.busy}
            onConfirm={() => void unbind()}
          />
        </>
      )}
    </div>
  );
}
