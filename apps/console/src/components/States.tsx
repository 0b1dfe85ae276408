import type { ReactNode } from 'react';
import { messageOf } from '../api.js';
import { useConsole } from '../context.js';

/** The hub's message for what went wrong, announced at once. */
export function ErrorAlert({ error }: { error: unknown }) {
  if (error === null || error === undefined) return null;
  return (
    <p role="alert" className="alert">
      {messageOf(error)}
    </p>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="muted" aria-live="polite">
      Loading {what}…
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}

/**
 * The usual states of a list, in the order that matters: an error, then the
 * first load, then "nothing here". While the agent is offline a list that has
 * nothing yet says so instead of "loading" forever.
 */
export function ListState(props: { loading: boolean; error: unknown; count: number; what: string; empty: ReactNode }) {
  const { link, client } = useConsole();
  if (props.error) return <ErrorAlert error={props.error} />;
  if (props.count > 0) return null;
  if (client && link !== 'online') return <OfflineNote />;
  if (props.loading) return <Loading what={props.what} />;
  return <Empty>{props.empty}</Empty>;
}

/** In place of what cannot be read while the agent's connection is down (the banner above the view says why). */
export function OfflineNote() {
  const { link } = useConsole();
  return <p className="muted">{link === 'connecting' ? 'Connecting to the hub…' : 'Waiting for the hub to be reachable again…'}</p>;
}

/** Nothing to show yet from the agent: not connected, or still loading (the caller shows errors). */
export function Pending({ what }: { what: string }) {
  const { link, client } = useConsole();
  if (client && link !== 'online') return <OfflineNote />;
  return <Loading what={what} />;
}

/** Above every view while the agent's connection is lost: what is shown may be out of date. */
export function OfflineBanner({ lost }: { lost: boolean }) {
  const { link, client } = useConsole();
  if (!client || !lost || link === 'online') return null;
  return (
    <p className="offline" aria-live="polite">
      Offline: the hub cannot be reached, so what you see may be out of date. The console keeps trying and catches up when it is back.
    </p>
  );
}

export function MoreButton({ hasMore, loading, onMore, label = 'Load more' }: { hasMore: boolean; loading: boolean; onMore(): void; label?: string }) {
  if (!hasMore) return null;
  return (
    <button type="button" className="secondary" onClick={onMore} disabled={loading}>
      {loading ? 'Loading…' : label}
    </button>
  );
}

/** A timestamp people read, with the exact one for machines and on hover. */
export function Time({ at }: { at: string | null | undefined }) {
  if (!at) return <span className="muted">never</span>;
  const d = new Date(at);
  const sameDay = d.toDateString() === new Date().toDateString();
  return (
    <time dateTime={at} title={d.toLocaleString()}>
      {sameDay ? d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : d.toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' })}
    </time>
  );
}

/** Long ids are shown shortened (the whole id on hover and for screen readers). */
export function Id({ id, name }: { id: string; name?: string | null }) {
  if (name) return <span title={id}>{name}</span>;
  const short = id.length > 16 ? `${id.slice(0, 10)}…${id.slice(-4)}` : id;
  return (
    <span className="id" title={id}>
      {short}
    </span>
  );
}
