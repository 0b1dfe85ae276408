// Pushes to the chat: the config's event list and each domain's filter decide
// what is forwarded, the rate limiter decides when, and the read cursor on the
// hub moves only past what really reached the chat, so "/parley poll" still
// shows everything that was filtered out, held back or undeliverable.
import { events, type EventName, type PushFrame } from '@parley/protocol';
import type { ResolvedConfig } from './config.js';
import type { FormatContext, PushFilterContext, PushHandler } from './domain.js';
import type { PluginLogger } from './openclaw-types.js';
import { CoalescingRateLimiter, systemClock, type Clock } from './rate-limit.js';

export interface RoutedPush {
  /** null for a line of the plugin's own (what the agent answered), which has nothing to ack. */
  frame: PushFrame | null;
  text: string;
  label: string;
}

export interface PushRouterOptions {
  handlers: ReadonlyMap<string, PushHandler>;
  config: ResolvedConfig;
  filterContext: () => PushFilterContext;
  formatContext: () => FormatContext;
  /** Sends one chat message; true when the channel took it. Must not throw. */
  deliver: (text: string) => Promise<boolean>;
  /** Moves the hub's read cursor of a stream. */
  ack: (stream: string, seq: number) => void;
  logger: PluginLogger;
  clock?: Clock;
}

export type RouteOutcome = 'forwarded' | 'held' | 'skipped' | 'own' | 'agent';

/** A push as chat text through its domain's handler; an event no domain knows as JSON. */
export function describePush(handlers: ReadonlyMap<string, PushHandler>, frame: PushFrame, ctx: FormatContext): string {
  const handler = handlers.get(frame.event);
  if (handler && Object.hasOwn(events, frame.event)) {
    const parsed = events[frame.event as EventName].data.safeParse(frame.data);
    if (parsed.success) return handler.describe(parsed.data as never, frame, ctx);
  }
  return `Parley ${frame.event} on ${frame.stream} #${frame.seq}: ${JSON.stringify(frame.data)}`;
}

function seconds(ms: number): number {
  return Math.max(1, Math.round(ms / 1000));
}

/** "Parley: 7 more events in the last 12 s (5 topic messages, 2 direct messages). ..." */
export function summaryText(items: readonly RoutedPush[], sinceMs: number, nowMs: number): string {
  const counts = new Map<string, number>();
  for (const i of items) counts.set(i.label, (counts.get(i.label) ?? 0) + 1);
  const parts = [...counts].map(([label, n]) => `${n} ${label}${n === 1 ? '' : 's'}`);
  return (
    `Parley: ${items.length} more events in the last ${seconds(nowMs - sinceMs)} s (${parts.join(', ')}), held back by the rate limit. ` +
    'They stay unread: "/parley poll" shows them.'
  );
}

export class PushRouter {
  readonly #o: PushRouterOptions;
  readonly #limiter: CoalescingRateLimiter<RoutedPush>;
  /** Per stream, the first seq that did not reach the chat since the last poll: acks stop below it. */
  readonly #holds = new Map<string, number>();
  /** Per stream, the seqs the agent is answering now (inbound.ts): acks stop below the lowest. */
  readonly #retained = new Map<string, Set<number>>();
  /** Per stream, the highest seq the chat side wanted acked (applied once retentions end). */
  readonly #wanted = new Map<string, number>();
  /** Retained pushes the chat does not take ("stream seq"): read once the agent has them. */
  readonly #agentOnly = new Set<string>();
  #chain: Promise<void> = Promise.resolve();
  #stopped = false;

  constructor(options: PushRouterOptions) {
    this.#o = options;
    this.#limiter = new CoalescingRateLimiter<RoutedPush>(
      options.config.rateLimit,
      (item) => this.#send([item], item.text),
      (items, since, now) => {
        if (items.length === 1) this.#send(items, items[0]!.text);
        else {
          for (const i of items) if (i.frame) this.#hold(i.frame);
          this.#send([], summaryText(items, since, now));
        }
      },
      options.clock ?? systemClock,
    );
  }

  /**
   * `agent`: the agent is answering this push (it was retained first); when
   * the chat does not take it, the agent's outcome alone decides whether it
   * counts as read (release).
   */
  handle(frame: PushFrame, agent = false): RouteOutcome {
    if (this.#stopped) return 'held';
    const { config } = this.#o;
    const handler = this.#o.handlers.get(frame.event);
    const known = Object.hasOwn(events, frame.event);
    const notForChat = (): RouteOutcome => {
      if (agent) {
        this.#agentOnly.add(`${frame.stream} ${frame.seq}`);
        return 'agent';
      }
      this.#hold(frame);
      return 'skipped';
    };
    if (!known || !handler || !config.events.includes(frame.event as EventName)) return notForChat();
    const parsed = events[frame.event as EventName].data.safeParse(frame.data);
    if (!parsed.success) return notForChat();
    const verdict = handler.classify?.(parsed.data as never, this.#o.filterContext(), frame) ?? 'forward';
    if (verdict === 'own') {
      this.#ack(frame.stream, frame.seq);
      return 'own';
    }
    if (verdict === 'skip') return notForChat();
    const text = handler.describe(parsed.data as never, frame, this.#o.formatContext());
    return this.#limiter.offer({ frame, text, label: handler.label }) === 'sent' ? 'forwarded' : 'held';
  }

  /** The agent is answering `frame`: the stream's read cursor stays below it until release. */
  retain(frame: PushFrame): void {
    let set = this.#retained.get(frame.stream);
    if (!set) this.#retained.set(frame.stream, (set = new Set()));
    set.add(frame.seq);
  }

  /**
   * The agent is done with `frame`: handed over (ok) it counts as read, as far
   * as the chat side allows; not handed over it stays unread for poll.
   */
  release(frame: PushFrame, ok: boolean): void {
    const set = this.#retained.get(frame.stream);
    set?.delete(frame.seq);
    if (set?.size === 0) this.#retained.delete(frame.stream);
    if (!ok) this.#hold(frame);
    const agentOnly = this.#agentOnly.delete(`${frame.stream} ${frame.seq}`);
    const wanted = this.#wanted.get(frame.stream);
    const upTo = ok && agentOnly ? Math.max(wanted ?? 0, frame.seq) : wanted;
    if (upTo !== undefined && upTo >= 1) this.#ack(frame.stream, upTo);
  }

  /** A line of the plugin's own under the rate limit (summarised with the events when it is exceeded). */
  post(text: string, label: string): void {
    if (!this.#stopped) this.#limiter.offer({ frame: null, text, label });
  }

  /** A notice of the plugin itself (e.g. a gap), outside the rate limit. */
  notice(text: string): void {
    this.#send([], text);
  }

  /** After an inbox/poll the hub's cursors are past everything: nothing is held any more. */
  onPolled(): void {
    this.#holds.clear();
  }

  /** Waits until every send queued so far is done (tests, shutdown). */
  idle(): Promise<void> {
    return this.#chain;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    const left = this.#limiter.stop();
    if (left.length) this.#o.logger.info(`parley: ${left.length} held-back events were not summarised before stopping; they stay unread`);
    await this.#chain;
  }

  #send(items: readonly RoutedPush[], text: string): void {
    this.#chain = this.#chain.then(async () => {
      let ok = false;
      try {
        ok = await this.#o.deliver(text);
      } catch (err) {
        this.#o.logger.warn(`parley: delivering to the chat failed: ${err instanceof Error ? err.message : String(err)}`);
      }
      for (const i of items) {
        if (!i.frame) continue;
        if (ok) this.#ack(i.frame.stream, i.frame.seq);
        else this.#hold(i.frame);
      }
    });
  }

  #hold(frame: PushFrame): void {
    const h = this.#holds.get(frame.stream);
    if (h === undefined || frame.seq < h) this.#holds.set(frame.stream, frame.seq);
  }

  #ack(stream: string, seq: number): void {
    this.#wanted.set(stream, Math.max(this.#wanted.get(stream) ?? 0, seq));
    let target = seq;
    const h = this.#holds.get(stream);
    if (h !== undefined) target = Math.min(target, h - 1);
    const retained = this.#retained.get(stream);
    if (retained) for (const r of retained) target = Math.min(target, r - 1);
    if (target >= 1) this.#o.ack(stream, target);
  }
}
