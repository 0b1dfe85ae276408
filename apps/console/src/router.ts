import { useEffect, useState } from 'react';

/**
 * A hash router: `#/messages/topic/top_x` is the route `messages` with the
 * path `['topic', 'top_x']`. Hash routes need nothing from the hub beyond
 * index.html, and a reload keeps the view.
 */
export const VIEWS = ['agents', 'messages', 'inbox', 'tasks', 'pipelines', 'worlds', 'chats', 'governance', 'wallet'] as const;
export type ViewName = (typeof VIEWS)[number];

export interface Route {
  view: ViewName;
  path: string[];
}

export function parseHash(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  const [first, ...rest] = parts;
  const view = (VIEWS as readonly string[]).includes(first ?? '') ? (first as ViewName) : 'agents';
  return { view, path: view === first ? rest : [] };
}

export function href(view: ViewName, ...path: string[]): string {
  return `#/${[view, ...path].map(encodeURIComponent).join('/')}`;
}

export function navigate(view: ViewName, ...path: string[]): void {
  location.hash = href(view, ...path);
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseHash(location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
