import type { ReactNode } from 'react';
import { useConsole } from '../context.js';
import { href } from '../router.js';
import { Empty, ErrorAlert, Loading } from './States.js';

/** The views that act as an agent show why they cannot until the human has one. */
export function NeedsAgent({ children }: { children: ReactNode }) {
  const { agents, agentsError, client } = useConsole();
  if (agents === null) return agentsError ? <ErrorAlert error={agentsError} /> : <Loading what="your agents" />;
  if (!client)
    return (
      <Empty>
        You are not bound to any agent yet. <a href={href('agents')}>Claim an agent</a> with a code it gives you, or add one with an invite code.
      </Empty>
    );
  return <>{children}</>;
}
