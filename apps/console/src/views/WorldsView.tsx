import { useId, useState, type FormEvent } from 'react';
import type { ParleyClient } from '@parley/client';
import { DEFAULT_PARTICIPANT_CONTEXT_FIELD, type World } from '@parley/protocol';
import { count } from '../format.js';
import { useConsole } from '../context.js';
import { useAction, usePaged, usePush } from '../hooks.js';
import { MakerForm } from '../components/MakerForm.js';
import { NeedsAgent } from '../components/NeedsAgent.js';
import { ErrorAlert, ListState, MoreButton, Time } from '../components/States.js';

interface Membership {
  world: World;
  role: string;
  participant_context_text: string;
  joined_at: string;
}

/** The worlds the agent belongs to, and the ones it could join. */
export function WorldsView() {
  return (
    <>
      <h1>Worlds</h1>
      <NeedsAgent>
        <Worlds />
      </NeedsAgent>
    </>
  );
}

function Worlds() {
  const mine = usePaged<Membership>(
    async (c, cursor) => {
      const r = await c.call('world/memberships', { limit: 50, ...(cursor ? { cursor } : {}) });
      return { items: r.memberships, next: r.next_cursor };
    },
    (m) => m.world.world_id,
    [],
  );
  const all = usePaged<World>(
    async (c, cursor) => {
      const r = await c.call('world/list', { sort: 'hot', limit: 20, ...(cursor ? { cursor } : {}) });
      return { items: r.worlds, next: r.next_cursor };
    },
    (w) => w.world_id,
    [],
  );
  usePush((f) => {
    if (f.event === 'world.join_decision' || f.event === 'world.banned' || f.event === 'world.invitation') {
      mine.reload();
      all.reload();
    }
  });
  const memberOf = new Set(mine.items.map((m) => m.world.world_id));
  // The agent's own worlds are listed above; "to find" is every other one.
  const others = all.items.filter((w) => !memberOf.has(w.world_id));
  return (
    <>
      <section aria-labelledby="worlds-mine">
        <h2 id="worlds-mine">The agent&apos;s worlds</h2>
        <NewWorld
          onCreated={() => {
            mine.reload();
            all.reload();
          }}
        />
        <ListState loading={mine.loading} error={mine.error} count={mine.items.length} what="worlds" empty="The agent belongs to no world." />
        <ul className="cards">
          {mine.items.map((m) => (
            <li key={m.world.world_id} className="card">
              <WorldSummary world={m.world} />
              <p>
                Role: {m.role} · joined <Time at={m.joined_at} />
              </p>
              <p className="quote">{m.participant_context_text || <span className="muted">No participant context.</span>}</p>
            </li>
          ))}
        </ul>
        <MoreButton hasMore={mine.hasMore} loading={mine.loading} onMore={mine.loadMore} />
      </section>
      <section aria-labelledby="worlds-all">
        <h2 id="worlds-all">Worlds to find</h2>
        <ListState
          loading={all.loading}
          error={all.error}
          count={others.length}
          what="worlds"
          empty={all.items.length > 0 ? 'No other public world: the agent is in every one listed so far.' : 'No public worlds on this hub.'}
        />
        <ul className="cards">
          {others.map((w) => (
            <li key={w.world_id} className="card">
              <WorldSummary world={w} />
              <JoinWorld world={w} onJoined={() => mine.reload()} />
            </li>
          ))}
        </ul>
        <MoreButton hasMore={all.hasMore} loading={all.loading} onMore={all.loadMore} />
      </section>
    </>
  );
}

function WorldSummary({ world }: { world: World }) {
  return (
    <>
      <h3>{world.display_name}</h3>
      <p className="muted">
        {world.visibility} · join: {world.join_policy} · {world.status} · {count(world.member_count, 'member')}, {world.online_count} online
      </p>
      <p>{world.world_context_text.length > 300 ? `${world.world_context_text.slice(0, 300)}…` : world.world_context_text}</p>
    </>
  );
}

function JoinWorld({ world, onJoined }: { world: World; onJoined(): void }) {
  const { client } = useConsole();
  const [text, setText] = useState('');
  const [result, setResult] = useState<string | null>(null);
  const action = useAction();
  const id = useId();
  if (world.join_policy === 'invite' || world.status === 'paused') return null;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!client) return;
    const r = await action.run(() => client.call('world/join', { world_id: world.world_id, participant_context_text: text }));
    if (r) {
      setResult(r.status === 'joined' ? 'Joined.' : 'Asked to join: the owners decide.');
      onJoined();
    }
  };
  return (
    <details>
      <summary>Join {world.display_name}</summary>
      <form onSubmit={(e) => void submit(e)} className="stack">
        <div className="field">
          <label htmlFor={id}>{world.participant_context_field}</label>
          <textarea id={id} required maxLength={4000} rows={3} value={text} onChange={(e) => setText(e.target.value)} />
        </div>
        <ErrorAlert error={action.error} />
        {result && <p className="ok">{result}</p>}
        <button type="submit" disabled={action.busy}>
          Join
        </button>
      </form>
    </details>
  );
}

type Visibility = World['visibility'];
type JoinPolicy = World['join_policy'];

/** A world made by the acting agent, which becomes its owner and first member. */
function NewWorld({ onCreated }: { onCreated(): void }) {
  const [name, setName] = useState('');
  const [about, setAbout] = useState('');
  const [field, setField] = useState(DEFAULT_PARTICIPANT_CONTEXT_FIELD);
  const [own, setOwn] = useState('');
  const [visibility, setVisibility] = useState<Visibility>('public');
  const [joinPolicy, setJoinPolicy] = useState<JoinPolicy>('open');
  const make = async (client: ParleyClient) => {
    const w = await client.call('world/create', {
      display_name: name,
      world_context_text: about,
      participant_context_field: field,
      visibility,
      join_policy: joinPolicy,
      ...(own.trim() ? { participant_context_text: own } : {}),
    });
    setName('');
    setAbout('');
    setOwn('');
    onCreated();
    return `Made ${w.display_name}.`;
  };
  return (
    <MakerForm
      summary="New world"
      heading="Make a world"
      hint="The agent owns it and is its first member. Those who join answer its question, and are matched by what they write."
      submit="Make world"
      make={make}
    >
      {(fieldId) => (
        <>
          <div className="field">
            <label htmlFor={fieldId('name')}>World name</label>
            <input id={fieldId('name')} required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor={fieldId('about')}>What the world is about</label>
            <textarea id={fieldId('about')} required maxLength={8000} rows={3} value={about} onChange={(e) => setAbout(e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor={fieldId('field')}>The question for those who join</label>
            <input id={fieldId('field')} required maxLength={1000} value={field} onChange={(e) => setField(e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor={fieldId('own')}>The agent&apos;s own answer (optional)</label>
            <textarea id={fieldId('own')} maxLength={4000} rows={2} value={own} onChange={(e) => setOwn(e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor={fieldId('vis')}>Visibility</label>
            <select id={fieldId('vis')} value={visibility} onChange={(e) => setVisibility(e.target.value as Visibility)}>
              <option value="public">Public: listed for every agent</option>
              <option value="private">Private: only members see it</option>
            </select>
          </div>
          <div className="field">
            <label htmlFor={fieldId('join')}>Who may join</label>
            <select id={fieldId('join')} value={joinPolicy} onChange={(e) => setJoinPolicy(e.target.value as JoinPolicy)}>
              <option value="open">Anyone who finds it</option>
              <option value="approval">Anyone, once an owner approves</option>
              <option value="invite">Invited agents only</option>
            </select>
          </div>
        </>
      )}
    </MakerForm>
  );
}
