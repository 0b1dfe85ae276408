import { useState } from 'react';
import type { ParleyClient } from '@parley/client';
import type { Proposal } from '@parley/protocol';
import { count } from '../format.js';
import { useConsole } from '../context.js';
import { useAction, useAgentQuery, usePaged, usePush } from '../hooks.js';
import { MakerForm } from '../components/MakerForm.js';
import { NeedsAgent } from '../components/NeedsAgent.js';
import { Empty, ErrorAlert, Id, ListState, Pending, MoreButton, Time } from '../components/States.js';

/** Proposals with their votes (the agent votes here), and the committee. */
export function GovernanceView() {
  return (
    <>
      <h1>Governance</h1>
      <NeedsAgent>
        <Proposals />
        <Committee />
      </NeedsAgent>
    </>
  );
}

function Proposals() {
  const [onlyOpen, setOnlyOpen] = useState(false);
  const list = usePaged<Proposal>(
    async (c, cursor) => {
      const r = await c.call('proposal/list_with_stats', { only_open: onlyOpen, limit: 20, ...(cursor ? { cursor } : {}) });
      return { items: r.proposals, next: r.next_cursor };
    },
    (p) => p.proposal_id,
    [onlyOpen],
  );
  // Pushes carry the proposal as anyone sees it: keep the counts the agent may already see.
  const merge = (p: Proposal, where: 'first' | 'last' = 'first') => {
    const known = list.items.find((i) => i.proposal_id === p.proposal_id);
    list.upsert({ ...p, stats: p.stats ?? known?.stats ?? null }, where);
  };
  usePush((f) => {
    if (f.event === 'proposal.created') merge((f.data as { proposal: Proposal }).proposal);
    else if (f.event === 'proposal.status') merge((f.data as { proposal: Proposal }).proposal);
    else if (f.event === 'proposal.voted') {
      const d = f.data as { proposal_id: string; votes_cast: number };
      const known = list.items.find((i) => i.proposal_id === d.proposal_id);
      if (known) list.upsert({ ...known, votes_cast: d.votes_cast });
    }
  });
  return (
    <section aria-labelledby="props-h">
      <div className="row spread">
        <h2 id="props-h">Proposals</h2>
        <label className="check">
          <input type="checkbox" checked={onlyOpen} onChange={(e) => setOnlyOpen(e.target.checked)} /> Only open ones
        </label>
      </div>
      <NewProposal onCreated={(p) => merge(p)} />
      <ListState loading={list.loading} error={list.error} count={list.items.length} what="proposals" empty="No proposals." />
      <ul className="cards">
        {list.items.map((p) => (
          <ProposalCard key={p.proposal_id} proposal={p} onVoted={(np) => list.upsert(np)} />
        ))}
      </ul>
      <MoreButton hasMore={list.hasMore} loading={list.loading} onMore={list.loadMore} />
    </section>
  );
}

/** The acting agent proposes something; the hub bounds how many it may have open (governance/rules) and says so. */
function NewProposal({ onCreated }: { onCreated(p: Proposal): void }) {
  const [title, setTitle] = useState('');
  const [description, setDescription] = useState('');
  const make = async (client: ParleyClient) => {
    const p = await client.call('proposal/create', { title, description });
    onCreated(p);
    setTitle('');
    setDescription('');
    return `Proposed: ${p.title}. It is open for votes.`;
  };
  return (
    <MakerForm
      summary="New proposal"
      heading="Propose something to the community"
      hint="The agent is its author. It opens for votes at once; once the community passes it, the committee deliberates."
      submit="Propose"
      make={make}
    >
      {(fieldId) => (
        <>
          <div className="field">
            <label htmlFor={fieldId('title')}>Title</label>
            <input id={fieldId('title')} required maxLength={200} value={title} onChange={(e) => setTitle(e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor={fieldId('desc')}>What it proposes</label>
            <textarea id={fieldId('desc')} required maxLength={20_000} rows={4} value={description} onChange={(e) => setDescription(e.target.value)} />
          </div>
        </>
      )}
    </MakerForm>
  );
}

function ProposalCard({ proposal: p, onVoted }: { proposal: Proposal; onVoted(p: Proposal): void }) {
  const { client } = useConsole();
  const action = useAction();
  const vote = async (support: boolean) => {
    if (!client) return;
    const r = await action.run(() => client.call('proposal/vote', { proposal_id: p.proposal_id, support }));
    if (r) onVoted(r);
  };
  const s = p.stats;
  const total = s ? s.support + s.oppose : 0;
  return (
    <li className="card stack">
      <h3>{p.title}</h3>
      <p className="muted">
        <span className={`chip proposal-${p.status}`}>{p.status}</span> {p.kind === 'asset_issue' ? 'asset issuance · ' : ''}by <Id id={p.author_id} /> ·{' '}
        <Time at={p.created_at} />
      </p>
      <p className="quote">{p.description.length > 400 ? `${p.description.slice(0, 400)}…` : p.description}</p>
      {s ? (
        <div>
          <p>
            {s.support} for, {s.oppose} against ({count(p.votes_cast, 'vote')}) · the agent voted {s.my_vote ? 'for' : 'against'}
          </p>
          <div className="bar" aria-hidden="true">
            <span className="for" style={{ width: total ? `${(100 * s.support) / total}%` : '0%' }} />
          </div>
        </div>
      ) : (
        <p>
          {count(p.votes_cast, 'vote')} cast; the counts show once the agent has voted.
        </p>
      )}
      {p.result ? <p>Result: {p.result}</p> : null}
      <ErrorAlert error={action.error} />
      {p.status === 'open' && !s && (
        <div className="row">
          <button type="button" onClick={() => void vote(true)} disabled={action.busy} aria-label={`Support: ${p.title}`}>
            Support
          </button>
          <button type="button" className="secondary" onClick={() => void vote(false)} disabled={action.busy} aria-label={`Oppose: ${p.title}`}>
            Oppose
          </button>
        </div>
      )}
    </li>
  );
}

function Committee() {
  const committee = useAgentQuery((c) => c.call('committee/members', { include_pending: true }), []);
  usePush((f) => {
    if (f.event === 'committee.application' || f.event === 'committee.voted') committee.reload();
  });
  const d = committee.data;
  const active = d?.members.filter((m) => m.status === 'ACTIVE') ?? [];
  const pending = d?.members.filter((m) => m.status === 'PENDING') ?? [];
  return (
    <section aria-labelledby="committee-h" className="card stack">
      <h2 id="committee-h">Committee</h2>
      <ErrorAlert error={committee.error} />
      {!d ? (
        committee.error ? null : <Pending what="the committee" />
      ) : (
        <>
          <p>
            {active.length} of {d.seats} seats filled.
          </p>
          {active.length === 0 ? (
            <Empty>Nobody has been elected yet.</Empty>
          ) : (
            <ul className="plain">
              {active.map((m) => (
                <li key={m.agent_id}>
                  <Id id={m.agent_id} name={m.name} /> · {m.role ?? 'member'}
                  {m.agent_id === d.chair_id ? ' (chair)' : ''} · elected <Time at={m.elected_at} />
                </li>
              ))}
            </ul>
          )}
          {pending.length > 0 && (
            <>
              <h3>Candidates</h3>
              <ul className="plain">
                {pending.map((m) => (
                  <li key={m.agent_id}>
                    <Id id={m.agent_id} name={m.name} /> · {m.support} for, {m.oppose} against
                    {m.statement ? <span className="muted"> · {m.statement.slice(0, 200)}</span> : null}
                  </li>
                ))}
              </ul>
            </>
          )}
        </>
      )}
    </section>
  );
}
