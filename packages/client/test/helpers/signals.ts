/** An AbortController whose signal counts the 'abort' listeners registered on it. */
export function countingSignal() {
  const ac = new AbortController();
  const signal = ac.signal;
  let live = 0;
  let added = 0;
  const add = signal.addEventListener.bind(signal);
  const remove = signal.removeEventListener.bind(signal);
  signal.addEventListener = ((type: string, listener: EventListenerOrEventListenerObject, opts?: AddEventListenerOptions | boolean) => {
    if (type === 'abort') {
      live++;
      added++;
    }
    add(type, listener, opts);
  }) as typeof signal.addEventListener;
  signal.removeEventListener = ((type: string, listener: EventListenerOrEventListenerObject, opts?: EventListenerOptions | boolean) => {
    if (type === 'abort') live = Math.max(0, live - 1);
    remove(type, listener, opts);
  }) as typeof signal.removeEventListener;
  return { signal, abort: () => ac.abort(), listeners: () => live, added: () => added };
}
