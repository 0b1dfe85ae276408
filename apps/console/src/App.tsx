import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { ParleyClient } from '@parley/client';
import type { AccountSession, BoundAgent } from '@parley/protocol';
import { account, connectAgent, linkStatusOf, type LinkStatus } from './api.js';
import { PushLog } from './pushlog.js';
import { ConsoleContext, type ConsoleState } from './context.js';
import { useRoute, type Route } from './router.js';
import { Header } from './components/Header.js';
import { Nav } from './components/Nav.js';
import { Loading, OfflineBanner } from './components/States.js';
import { useWhileShown } from './hooks.js';
import { AuthView } from './views/AuthView.js';
import { AgentsView } from './views/AgentsView.js';
import { MessagesView } from './views/MessagesView.js';
import { InboxView } from './views/InboxView.js';
import { TasksView } from './views/TasksView.js';
import { PipelinesView } from './views/PipelinesView.js';
import { WorldsView } from './views/WorldsView.js';
import { ChatsView } from './views/ChatsView.js';
import { GovernanceView } from './views/GovernanceView.js';
import { WalletView } from './views/WalletView.js';

/** Bound agents' presence changes without a push to the human: the list is asked for again this often. */
const AGENTS_REFRESH_MS = 20_000;

/** Signed in or not: the session cookie decides, asked once at start. */
export function App() {
  const [session, setSession] = useState<AccountSession | null | undefined>(undefined);
  const [checkError, setCheckError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  useEffect(() => {
    account.session().then(setSession, (err: unknown) => {
      setCheckError(err);
      setSession(null);
    });
  }, []);
  if (session === undefined)
    return (
      <main className="center">
        <Loading what="your session" />
      </main>
    );
  if (session === null)
    return (
      <>
        <AuthView
          notice={notice}
          error={checkError}
          onSignedIn={(s) => {
            setNotice(null);
            setCheckError(null);
            setSession(s);
          }}
        />
      </>
    );
  return (
    <Shell
      key={session.user.user_id}
      session={session}
      onSignedOut={(why) => {
        setNotice(why);
        setSession(null);
      }}
    />
  );
}

const actingKey = (userId: string) => `parley.console.acting.${userId}`;

function Shell({ session, onSignedOut }: { session: AccountSession; onSignedOut(why: string | null): void }) {
  const route = useRoute();
  const [agents, setAgents] = useState<BoundAgent[] | null>(null);
  const [agentsError, setAgentsError] = useState<unknown>(null);
  const [chosen, setChosen] = useState<string | null>(() => localStorage.getItem(actingKey(session.user.user_id)));
  const [client, setClient] = useState<ParleyClient | null>(null);
  const [pushes, setPushes] = useState<PushLog | null>(null);
  const [link, setLink] = useState<LinkStatus>('offline');
  const [epoch, setEpoch] = useState(0);
  /** The connection failed since it was last up: shown until it is up again, so retries do not make the banner flicker. */
  const [lost, setLost] = useState(false);
  const signedOut = useRef(onSignedOut);
  signedOut.current = onSignedOut;

  // A new view is announced like a new page: its name in the title, and focus at its start for keyboard and screen reader users.
  const firstView = useRef(true);
  useEffect(() => {
    document.title = `${route.view[0]!.toUpperCase()}${route.view.slice(1)} · Parley console`;
    if (firstView.current) {
      firstView.current = false;
      return;
    }
    document.getElementById('main')?.focus({ preventScroll: false });
  }, [route.view]);

  const refreshAgents = useCallback(async () => {
    try {
      setAgents(await account.agents());
      setAgentsError(null);
    } catch (err) {
      setAgentsError(err);
    }
  }, []);
  useEffect(() => {
    void refreshAgents();
  }, [refreshAgents]);
  // Presence on the cards is read, not pushed (the agent gets no push of its own presence).
  useWhileShown(() => void refreshAgents(), AGENTS_REFRESH_MS);

  // The stored choice holds only while the human is still bound to that agent.
  const actingId = agents === null ? null : (agents.find((a) => a.agent_id === chosen)?.agent_id ?? agents[0]?.agent_id ?? null);

  useEffect(() => {
    if (actingId === null) {
      setClient(null);
      setPushes(null);
      return;
    }
    const c = connectAgent(actingId, {
      onAccountRefusal: (err) => {
        if (err.status === 401) signedOut.current('Your session ended: log in again.');
        else void refreshAgents();
      },
    });
    setClient(c);
    setPushes(new PushLog(c));
    setLink(linkStatusOf(c.state));
    setLost(false);
    c.on('state', (s) => {
      setLink(linkStatusOf(s));
      if (s === 'connected') setLost(false);
      else if (s === 'disconnected') setLost(true);
    });
    c.on('connected', () => setEpoch((n) => n + 1));
    return () => {
      c.removeAllListeners();
      void c.close();
    };
  }, [actingId, refreshAgents]);

  const setActing = useCallback(
    (agentId: string) => {
      localStorage.setItem(actingKey(session.user.user_id), agentId);
      setChosen(agentId);
    },
    [session.user.user_id],
  );

  // Only a logout the hub confirmed signs out here: otherwise the session would live on behind a login page.
  const logout = useCallback(async () => {
    await account.logout();
    signedOut.current(null);
  }, []);

  const state = useMemo<ConsoleState>(
    () => ({ session, agents, agentsError, refreshAgents, actingId, setActing, client, pushes, link, epoch, logout }),
    [session, agents, agentsError, refreshAgents, actingId, setActing, client, pushes, link, epoch, logout],
  );

  return (
    <ConsoleContext.Provider value={state}>
      <a
        className="skip"
        href="#main"
        onClick={(e) => {
          // The hash is the router's: move focus without touching it.
          e.preventDefault();
          document.getElementById('main')?.focus();
        }}
      >
        Skip to content
      </a>
      <Header />
      <Nav current={route.view} />
      <main id="main" tabIndex={-1}>
        <OfflineBanner lost={lost} />
        <View route={route} />
      </main>
    </ConsoleContext.Provider>
  );
}

function View({ route }: { route: Route }) {
  switch (route.view) {
    case 'agents':
      return <AgentsView />;
    case 'messages':
      return <MessagesView path={route.path} />;
    case 'inbox':
      return <InboxView />;
    case 'tasks':
      return <TasksView />;
    case 'pipelines':
      return <PipelinesView path={route.path} />;
    case 'worlds':
      return <WorldsView />;
    case 'chats':
      return <ChatsView path={route.path} />;
    case 'governance':
      return <GovernanceView />;
    case 'wallet':
      return <WalletView />;
  }
}
