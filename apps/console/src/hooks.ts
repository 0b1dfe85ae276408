import { useCallback, useEffect, useRef, useState, type DependencyList } from 'react';
import type { ParleyClient, PushFrame } from '@parley/client';
import { useConsole } from './context.js';

/** Live lists keep at most this many items: a busy topic must not grow the page without bound. */
export const MAX_ITEMS = 300;

export interface Async<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload(): void;
  setData(update: (prev: T | undefined) => T | undefined): void;
}

/**
 * Runs `load` when `enabled` and whenever `deps` change, keeping the last
 * data while a reload runs; an answer to a superseded run is dropped.
 */
export function useAsync<T>(load: () => Promise<T>, deps: DependencyList, enabled = true): Async<T> {
  const [data, setDataState] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(enabled);
  const [tick, setTick] = useState(0);
  const run = useRef(0);
  useEffect(() => {
    if (!enabled) {
      setLoading(false);
      return;
    }
    const mine = ++run.current;
    setLoading(true);
    load().then(
      (value) => {
        if (run.current !== mine) return;
        setDataState(value);
        setError(null);
        setLoading(false);
      },
      (err: unknown) => {
        if (run.current !== mine) return;
        setError(err);
        setLoading(false);
      },
    );
    // `load` is left out on purpose: the caller's deps decide when to load again.
  }, [...deps, enabled, tick]);
  useEffect(() => () => void run.current++, []);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  const setData = useCallback((update: (prev: T | undefined) => T | undefined) => setDataState(update), []);
  return { data, error, loading, reload, setData };
}

/**
 * Calls `refresh` every `everyMs` while the tab is shown, and at once when
 * the human comes back to it: for what the hub does not push (presence on
 * the agent cards, a key's "last used"). A hidden tab asks for nothing.
 */
export function useWhileShown(refresh: () => void, everyMs: number): void {
  const latest = useRef(refresh);
  latest.current = refresh;
  useEffect(() => {
    const shown = () => {
      if (document.visibilityState === 'visible') latest.current();
    };
    const timer = setInterval(shown, everyMs);
    document.addEventListener('visibilitychange', shown);
    return () => {
      clearInterval(timer);
      document.removeEventListener('visibilitychange', shown);
    };
  }, [everyMs]);
}

/** useAsync for a call as the acting agent: it waits for the connection and loads again after every reconnect. */
export function useAgentQuery<T>(load: (client: ParleyClient) => Promise<T>, deps: DependencyList): Async<T> {
  const { client, link, epoch } = useConsole();
  const online = client !== null && link === 'online';
  return useAsync(() => load(client!), [client, epoch, ...deps], online);
}

export interface Page<T> {
  items: T[];
  next: string | null;
}

export interface Paged<T> {
  items: T[];
  error: unknown;
  loading: boolean;
  hasMore: boolean;
  loadMore(): void;
  reload(): void;
  /** Adds or replaces an item (a live push); new items go first or last. */
  upsert(item: T, where?: 'first' | 'last'): void;
  remove(key: string): void;
}

/**
 * A paged list as the acting agent: the first page on load (and after each
 * reconnect), further pages on demand, live changes merged by key, and never
 * more than MAX_ITEMS kept.
 */
export function usePaged<T>(
  load: (client: ParleyClient, cursor: string | undefined) => Promise<Page<T>>,
  keyOf: (item: T) => string,
  deps: DependencyList,
): Paged<T> {
  const { client, link, epoch } = useConsole();
  const [items, setItems] = useState<T[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const run = useRef(0);
  const keyRef = useRef(keyOf);
  keyRef.current = keyOf;
  const online = client !== null && link === 'online';

  const fetchPage = useCallback(
    (cursor: string | undefined, append: boolean) => {
      if (!client) return;
      const mine = ++run.current;
      setLoading(true);
      load(client, cursor).then(
        (page) => {
          if (run.current !== mine) return;
          setItems((prev) => {
            if (!append) return page.items.slice(0, MAX_ITEMS);
            const seen = new Set(prev.map(keyRef.current));
            return [...prev, ...page.items.filter((i) => !seen.has(keyRef.current(i)))].slice(0, MAX_ITEMS);
          });
          setNext(page.next);
          setError(null);
          setLoading(false);
        },
        (err: unknown) => {
          if (run.current !== mine) return;
          setError(err);
          setLoading(false);
        },
      );
    },
    // `load` is left out on purpose: the caller's deps say what the list is.
    [client, ...deps],
  );

  useEffect(() => {
    if (!online) {
      setLoading(false);
      return;
    }
    fetchPage(undefined, false);
  }, [online, epoch, tick, fetchPage]);
  useEffect(() => {
    // A new list (another agent, another filter) starts empty rather than showing the old one's items.
    setItems([]);
    setNext(null);
  }, [client, ...deps]);
  useEffect(() => () => void run.current++, []);

  const upsert = useCallback((item: T, where: 'first' | 'last' = 'first') => {
    setItems((prev) => {
      const key = keyRef.current(item);
      const at = prev.findIndex((i) => keyRef.current(i) === key);
      if (at >= 0) return prev.map((i, n) => (n === at ? item : i));
      const merged = where === 'first' ? [item, ...prev] : [...prev, item];
      return where === 'first' ? merged.slice(0, MAX_ITEMS) : merged.slice(-MAX_ITEMS);
    });
  }, []);
  const remove = useCallback((key: string) => setItems((prev) => prev.filter((i) => keyRef.current(i) !== key)), []);

  return {
    items,
    error,
    loading,
    hasMore: next !== null && items.length < MAX_ITEMS,
    loadMore: () => {
      if (next !== null) fetchPage(next, true);
    },
    reload: () => setTick((t) => t + 1),
    upsert,
    remove,
  };
}

/** Calls `handler` for every push the acting agent receives, for as long as the component is mounted. */
export function usePush(handler: (frame: PushFrame) => void): void {
  const { client } = useConsole();
  const ref = useRef(handler);
  ref.current = handler;
  useEffect(() => {
    if (!client) return;
    const listener = (frame: PushFrame) => ref.current(frame);
    client.on('push', listener);
    return () => {
      client.off('push', listener);
    };
  }, [client]);
}

/** Runs an action from a button or form: `busy` while it runs, `error` when it fails (shown in the view's alert). */
export function useAction(): { busy: boolean; error: unknown; run<T>(fn: () => Promise<T>): Promise<T | undefined>; clear(): void } {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = useCallback(async <T,>(fn: () => Promise<T>): Promise<T | undefined> => {
    setBusy(true);
    setError(null);
    try {
      return await fn();
    } catch (err) {
      setError(err);
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, run, clear: () => setError(null) };
}
