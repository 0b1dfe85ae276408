import type { ParleyClient, PushFrame } from '@parley/client';

/** How many notifications the console keeps per agent connection. */
const KEEP = 200;

/**
 * The pushes an agent received while the console watched it, newest first,
 * kept outside React so a busy agent does not re-render every view; the
 * Inbox reads it with useSyncExternalStore. Topic messages are left out: the
 * feed shows those.
 */
export class PushLog {
  #items: readonly PushFrame[] = [];
  readonly #listeners = new Set<() => void>();

  constructor(client: ParleyClient) {
    client.on('push', (frame) => {
      if (frame.event === 'topic.message') return;
      this.#items = [frame, ...this.#items].slice(0, KEEP);
      for (const l of this.#listeners) l();
    });
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  readonly snapshot = (): readonly PushFrame[] => this.#items;
}
