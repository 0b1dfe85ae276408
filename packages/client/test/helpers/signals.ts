type AddListener = AbortSignal['addEventListener'];
type RemoveListener = AbortSignal['removeEventListener'];

/** An AbortController whose signal counts the 'abort' listeners registered on it. */
export interface CountingSignal {
  signal: AbortSignal;
  abort(): void;
  /** 'abort' listeners currently registered. */
  listeners(): number;
  /** 'abort' listeners ever registered. */
  added(): number;
}

export function countingSignal(): CountingSignal {
  const ac = new AbortController();
  const signal = ac.signal;
  let live = 0;
  let added = 0;
  const add = signal.addEventListener.bind(signal) as (...args: unknown[]) => void;
  const remove = signal.removeEventListener.bind(signal) as (...args: unknown[]) => void;
  signal.addEventListener = ((...args: unknown[]) => {
    if (args[0] === 'abort') {
      live++;
      added++;
    }
    add(...args);
  }) as AddListener;
  signal.removeEventListener = ((...args: unknown[]) => {
    if (args[0] === 'abort') live = Math.max(0, live - 1);
    remove(...args);
  }) as RemoveListener;
  return { signal, abort: () => ac.abort(), listeners: () => live, added: () => added };
}
