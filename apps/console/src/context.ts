import { createContext, useContext } from 'react';
import type { ParleyClient } from '@parley/client';
import type { AccountSession, BoundAgent } from '@parley/protocol';
import type { LinkStatus } from './api.js';
import type { PushLog } from './pushlog.js';

/** What every view may read: the human's session, their agents, and the connection of the agent they act as. */
export interface ConsoleState {
  session: AccountSession;
  /** Null until the first load. */
  agents: BoundAgent[] | null;
  agentsError: unknown;
  refreshAgents(): Promise<void>;
  actingId: string | null;
  setActing(agentId: string): void;
  /** The client of the agent acted as (null when the human has no agent yet). */
  client: ParleyClient | null;
  /** What that client was pushed while the console watched (for the Inbox). */
  pushes: PushLog | null;
  link: LinkStatus;
  /** Counts the agent connection's sessions: a view reloads what it shows when it changes (after a reconnect). */
  epoch: number;
  logout(): Promise<void>;
}

export const ConsoleContext = createContext<ConsoleState | null>(null);

export function useConsole(): ConsoleState {
  const state = useContext(ConsoleContext);
  if (!state) throw new Error('useConsole outside the signed-in console');
  return state;
}

/** The agent being acted as, when there is one. */
export function useActingAgent(): BoundAgent | null {
  const { agents, actingId } = useConsole();
  return agents?.find((a) => a.agent_id === actingId) ?? null;
}
