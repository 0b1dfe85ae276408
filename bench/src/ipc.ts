import type { AnswerMessage, AskMessage, ChildMessage, ParentMessage } from './types.js';

/** Sends to the parent process; children are always forked with an IPC channel. */
export function toParent(msg: ChildMessage): void {
  if (!process.send) throw new Error('this process must be started by the bench orchestrator (no IPC channel)');
  process.send(msg);
}

/** Answers the orchestrator's questions ('mem', 'cut') with the given handlers. */
export function answerAsks(handlers: Partial<Record<AskMessage['what'], () => Promise<unknown>>>): void {
  process.on('message', (raw: ParentMessage) => {
    if (raw.type !== 'ask') return;
    const handler = handlers[raw.what];
    const reply = (m: Omit<AnswerMessage, 'type' | 'id'>) => toParent({ type: 'answer', id: raw.id, ...m });
    if (!handler) return reply({ error: `cannot answer "${raw.what}"` });
    handler().then(
      (value) => reply({ value }),
      (err: unknown) => reply({ error: err instanceof Error ? err.message : String(err) }),
    );
  });
}

let nextAsk = 1;
const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
let listening = false;

/** Asks another child (through the orchestrator) and waits for its answer. */
export function ask(to: AskMessage['to'], what: AskMessage['what']): Promise<unknown> {
  if (!listening) {
    listening = true;
    process.on('message', (raw: ParentMessage) => {
      if (raw.type !== 'answer') return;
      const p = pending.get(raw.id);
      if (!p) return;
      pending.delete(raw.id);
      if (raw.error !== undefined) p.reject(new Error(raw.error));
      else p.resolve(raw.value);
    });
  }
  const id = nextAsk++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    toParent({ type: 'ask', id, to, what });
  });
}
