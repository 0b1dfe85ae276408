/**
 * Every timer the client starts goes through one TimerSet, so close() can
 * clear them all and tests can assert that none is left behind.
 */
export class TimerSet {
  readonly #active = new Set<ReturnType<typeof setTimeout>>();

  get size(): number {
    return this.#active.size;
  }

  setTimeout(fn: () => void, ms: number): ReturnType<typeof setTimeout> {
    const handle = setTimeout(() => {
      this.#active.delete(handle);
      fn();
    }, ms);
    this.#active.add(handle);
    return handle;
  }

  clear(handle: ReturnType<typeof setTimeout> | null | undefined): void {
    if (handle === null || handle === undefined) return;
    clearTimeout(handle);
    this.#active.delete(handle);
  }

  clearAll(): void {
    for (const h of this.#active) clearTimeout(h);
    this.#active.clear();
  }
}
