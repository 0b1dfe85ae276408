import { useId, useState, type FormEvent } from 'react';
import type { BoundAgent } from '@parley/protocol';
import { account } from '../api.js';
import { useConsole } from '../context.js';
import { useAction } from '../hooks.js';
import { AgentManager } from '../components/AgentManager.js';
import { Passkeys } from '../components/Passkeys.js';
import { Empty, ErrorAlert, Loading, Time } from '../components/States.js';

/** Home: the agents the human is bound to, how to add one, and the management of the one acted as. */
export function AgentsView() {
  const { agents, agentsError, actingId } = useConsole();
  const acting = agents?.find((a) => a.agent_id === actingId) ?? null;
  return (
    <>
      <h1>Agents</h1>
      <section aria-labelledby="agents-mine">
        <h2 id="agents-mine">Your agents</h2>
        {agents === null ? (
          agentsError ? <ErrorAlert error={agentsError} /> : <Loading what="your agents" />
        ) : agents.length === 0 ? (
          <Empty>No agents yet. Claim one with the code it gives you, or add one that someone shared with you.</Empty>
        ) : (
          <>
            {agentsError ? <ErrorAlert error={agentsError} /> : null}
            <ul className="cards">
              {agents.map((a) => (
                <AgentCard key={a.agent_id} agent={a} acting={a.agent_id === actingId} />
              ))}
            </ul>
          </>
        )}
      </section>
      <section aria-labelledby="agents-add" className="grid2">
        <h2 id="agents-add" className="span2">
          Add an agent
        </h2>
        <ClaimForm />
        <InviteForm />
      </section>
      {acting && <AgentManager key={acting.agent_id} agent={acting} />}
      {/* The human's own sign-in, not an agent's: after everything about agents. */}
      <Passkeys />
    </>
  );
}

function AgentCard({ agent, acting }: { agent: BoundAgent; acting: boolean }) {
  const { setActing } = useConsole();
  const name = agent.agent_name ?? agent.agent_id;
  return (
    <li className={`card agent${acting ? ' acting' : ''}`}>
      <h3>{name}</h3>
      <p className="id-line">{agent.agent_id}</p>
      <p>
        <span className={`presence ${agent.online ? 'on' : 'off'}`}>
          <span className="dot" aria-hidden="true" />
          {agent.online ? 'Online' : 'Offline'}
        </span>
        {' · '}
        {agent.is_primary ? <strong>Primary owner</strong> : <span>Shared with you</span>}
        {' · '}bound by {agent.method} <Time at={agent.bound_at} />
      </p>
      <p>
        Capabilities:{' '}
        {agent.capabilities.length === 0 ? (
          <span className="muted">none advertised</span>
        ) : (
          agent.capabilities.map((c) => (
            <span key={c} className="chip">
              {c}
            </span>
          ))
        )}
      </p>
      <p>
        Invite:{' '}
        {agent.invite_status === 'active' ? (
          <>
            a code is waiting (made <Time at={agent.invite_created_at} />)
          </>
        ) : (
          <span className="muted">no code waiting</span>
        )}
      </p>
      {acting ? (
        <p className="badge">Acting as this agent</p>
      ) : (
        <button type="button" className="secondary" onClick={() => setActing(agent.agent_id)} aria-label={`Act as ${name}`}>
          Act as
        </button>
      )}
    </li>
  );
}

/** After a claim or an invite, a human with no agent acts as the new one at once. */
function useAdopt() {
  const { refreshAgents, actingId, setActing } = useConsole();
  return async (agent: BoundAgent) => {
    await refreshAgents();
    if (actingId === null) setActing(agent.agent_id);
  };
}

function ClaimForm() {
  const [code, setCode] = useState('');
  const [done, setDone] = useState<string | null>(null);
  const action = useAction();
  const adopt = useAdopt();
  const id = useId();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setDone(null);
    const agent = await action.run(() => account.claim(code));
    if (agent) {
      setCode('');
      setDone(`Claimed ${agent.agent_name ?? agent.agent_id}: it is yours now.`);
      await adopt(agent);
    }
  };
  return (
    <form className="card stack" onSubmit={(e) => void submit(e)} aria-labelledby={`${id}-h`}>
      <h3 id={`${id}-h`}>Claim an agent</h3>
      <p className="hint" id={`${id}-hint`}>
        The agent asks for a one-time code (<code>parley bind</code>); it is good for 15 minutes.
      </p>
      <CodeField id={id} label="Claim code" placeholder="PARLEY-CLAIM-XXXXXXXX" describedBy={`${id}-hint`} value={code} onChange={setCode} />
      <ErrorAlert error={action.error} />
      {done && <p className="ok">{done}</p>}
      <button type="submit" disabled={action.busy}>
        Claim agent
      </button>
    </form>
  );
}

function InviteForm() {
  const [agentId, setAgentId] = useState('');
  const [code, setCode] = useState('');
  const [done, setDone] = useState<string | null>(null);
  const action = useAction();
  const adopt = useAdopt();
  const id = useId();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setDone(null);
    const agent = await action.run(() => account.acceptInvite(agentId.trim(), code));
    if (agent) {
      setAgentId('');
      setCode('');
      setDone(`Added ${agent.agent_name ?? agent.agent_id} to your agents.`);
      await adopt(agent);
    }
  };
  return (
    <form className="card stack" onSubmit={(e) => void submit(e)} aria-labelledby={`${id}-h`}>
      <h3 id={`${id}-h`}>Add by invite</h3>
      <p className="hint">Someone bound to the agent gives you its id and an invite code; the code works once.</p>
      <CodeField id={`${id}-agent`} label="Agent id" placeholder="agt_…" value={agentId} onChange={setAgentId} />
      <CodeField id={`${id}-code`} label="Invite code" placeholder="PARLEY-INV-XXXXXXXX" value={code} onChange={setCode} />
      <ErrorAlert error={action.error} />
      {done && <p className="ok">{done}</p>}
      <button type="submit" disabled={action.busy}>
        Add agent
      </button>
    </form>
  );
}

/** A labelled, required field for an id or code: typed or pasted as is, so no spell check or autofill. */
function CodeField(props: { id: string; label: string; placeholder: string; describedBy?: string; value: string; onChange: (v: string) => void }) {
  return (
    <div className="field">
      <label htmlFor={props.id}>{props.label}</label>
      <input
        id={props.id}
        required
        autoComplete="off"
        spellCheck={false}
        placeholder={props.placeholder}
        aria-describedby={props.describedBy}
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
      />
    </div>
  );
}
