// `client.chats.onConversation(handler)`: a conversation partner in a few lines.
//
// Why this lives in the client: holding a conversation is more than answering
// a push. The handler must run only when it is this agent's turn (pushes say
// whose turn it is, but a scan is needed after a reconnect or a restart,
// because a turn that came while the agent was away is not pushed again to a
// fresh process), once per turn (the push and the scan can both offer it), and
// its answer must be sent so that a retry never speaks twice: the
// client_message_id is derived from the turn it answers, so the hub
// de-duplicates a resend. A turn lost meanwhile (the timeout skipped it, the
// conversation ended) aborts the handler and drops its answer.
//
// This file must stay free of Node built-ins: it is part of the browser entry
// (test/bundle.test.ts).
import type { ChatConversation, ChatRequest, ConversationEndReason, EventDataOf, Turn } from '@parley/protocol';
import type { ParleyClient } from './client.js';
import type { DomainHelper } from './domains.js';
import { asError, isClosed, isRefusal, ParleyError } from './errors.js';
import { chatTranscript } from './paging.js';

/** What the handler gets for each of the agent's turns. */
export interface ConversationTurn {
  /** The conversation as it is now; `next_turn` is this agent. */
  readonly conversation: ChatConversation;
  /** What just happened: the kickoff (its text is the opening message, the brief), the other side's message, or a skipped turn. */
  readonly turn: Turn;
  /** Aborted when the turn is lost while the handler runs (timed out, or the conversation ended); its answer is then dropped. */
  readonly signal: AbortSignal;
  readonly client: ParleyClient;
  /** The whole transcript so far, kickoff first (chat/get, every page). */
  transcript(): Promise<Turn[]>;
}

/**
 * What the handler answers: the text to send, and/or `end: true` to raise the
 * agent's hand (chat/end) after sending. Nothing (or empty text) sends
 * nothing: the turn then runs into its timeout, as the policy says.
 */
export type ConversationReply = string | { text?: string; end?: boolean } | null | undefined | void;

export type ConversationHandler = (conv: ConversationTurn) => ConversationReply | Promise<ConversationReply>;

/** What an `accept` function decides: accept, reject, or reject with a reason the asker reads. */
export type ChatDecision = boolean | { reject: string };

export interface ConversationOptions {
  /**
   * Answer pending chat requests addressed to the agent (`chat.request`
   * pushes, and those already waiting when the client connects): `true`
   * accepts every one, a function decides per request (`false` rejects it,
   * `{ reject: 'why' }` rejects it with that reason for the asker).
   * Left out, requests are left for the application.
   */
  accept?: boolean | ((request: ChatRequest) => ChatDecision | Promise<ChatDecision>);
  /** Called once per conversation that ends while this runs, with the reason. */
  onEnded?: (conversation: ChatConversation, reason: ConversationEndReason) => void;
  /** Handler errors and failed sends; default: the client's 'error' event. */
  onError?: (err: Error, conversationId: string | null) => void;
  /** Aborting it stops the runner (like stop()). */
  signal?: AbortSignal;
}

/** The handle `onConversation()` returns. */
export interface ConversationRunner {
  /** Stop taking turns and requests; waits for running handlers to finish and their answers to be sent. Idempotent. */
  stop(): Promise<void>;
  /** Conversations whose handler runs now. */
  readonly active: readonly string[];
}

export interface OnConversation {
  (handler: ConversationHandler): ConversationRunner;
  (options: ConversationOptions, handler: ConversationHandler): ConversationRunner;
}

/** `client.chats`: one method per `chat/...` action, plus `onConversation`. */
export type ChatHelper = DomainHelper<'chat'> & {
  /**
   * Run `handler` for each of this agent's turns in its conversations and
   * send what it returns: `client.chats.onConversation(async (conv) => 'Hello!')`.
   * See ConversationOptions, and the client README's "Conversations".
   */
  readonly onConversation: OnConversation;
};

/** The protocol's bound on chat/send text; longer answers are cut there. */
const MAX_TEXT = 8000;
/** Active conversations looked at per scan: pages of PAGE, at most MAX_PAGES. */
const PAGE = 100;
const MAX_PAGES = 10;

/** The id of the answer to the turn that left `turnsTaken` turns taken: the same on every retry, so the hub keeps one. */
export const answerId = (turnsTaken: number): string => `parley-turn-${turnsTaken + 1}`;

/**
 * The client_message_id for a message typed by hand (a CLI command, a chat
 * command), given the conversation and transcript read just before sending.
 * Normally answerId of the turns taken, the id the conversation runner would
 * give the answer to that turn, so a resend while the turn is open is kept
 * once. That alone misses the case it is for: when the first send went
 * through and only its response was lost, the turn has passed and answerId
 * names the next one, which the hub would refuse as out of turn. Then the
 * transcript ends with `me`'s own message of the same text: its id is reused,
 * and the hub answers with that turn (`duplicate: true`). The same words on a
 * later turn (the other side spoke since) are a new message.
 */
export function resendSafeId(conversation: ChatConversation, turns: readonly Turn[], me: string, text: string): string {
  const last = turns[turns.length - 1];
  // The hub keeps the text trimmed (ChatText), so compare it the same way.
  const resent = last !== undefined && last.kind === 'message' && last.from === me && last.text === text.trim();
  return resent && last.client_message_id !== null ? last.client_message_id : answerId(conversation.turns_taken);
}

export function startConversations(client: ParleyClient, spec: ConversationHandler | ConversationOptions, maybe?: ConversationHandler): ConversationRunner {
  const [options, handler] = typeof spec === 'function' ? [{}, spec] : [spec, maybe];
  if (typeof handler !== 'function') throw new TypeError('chats.onConversation needs a handler function');
  return new Conversations(client, options, handler);
}

interface Run {
  readonly turnsTaken: number;
  readonly controller: AbortController;
  done: Promise<void>;
}

class Conversations implements ConversationRunner {
  readonly #client: ParleyClient;
  readonly #chats: DomainHelper<'chat'>;
  readonly #me: string;
  readonly #handler: ConversationHandler;
  readonly #options: ConversationOptions;
  readonly #report: (err: Error, conversationId: string | null) => void;
  /** Running handlers, one per conversation at most. */
  readonly #active = new Map<string, Run>();
  /** The highest `turns_taken` handed to the handler, per conversation: a turn is offered once, however many times it is seen. */
  readonly #offered = new Map<string, number>();
  /** Conversations whose end was reported (the push and a scan may both see it). */
  readonly #ended = new Set<string>();
  /** Requests being decided, so a push and a scan do not answer one twice. */
  readonly #deciding = new Set<string>();
  #stopped = false;
  #stopping: Promise<void> | null = null;
  #scan: Promise<void> | null = null;
  #scanAgain = false;

  constructor(client: ParleyClient, options: ConversationOptions, handler: ConversationHandler) {
    this.#client = client;
    this.#chats = client.chats;
    this.#me = client.agentId;
    this.#handler = handler;
    this.#options = options;
    this.#report = options.onError ?? ((err) => client.emit('error', err));
    if (options.signal?.aborted) {
      this.#stopped = true;
      this.#stopping = Promise.resolve();
      return;
    }
    options.signal?.addEventListener('abort', this.#onAbort, { once: true });
    // Pushes first, then the scan: a turn pushed between the two cannot slip through.
    client.on('conversation.turn', this.#onTurn);
    client.on('conversation.ended', this.#onEnded);
    client.on('chat.request', this.#onRequest);
    client.on('connected', this.#onConnected);
    if (client.state === 'connected') this.#requestScan();
  }

  get active(): readonly string[] {
    return [...this.#active.keys()];
  }

  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      this.#stopped = true;
      this.#options.signal?.removeEventListener('abort', this.#onAbort);
      this.#client.off('conversation.turn', this.#onTurn);
      this.#client.off('conversation.ended', this.#onEnded);
      this.#client.off('chat.request', this.#onRequest);
      this.#client.off('connected', this.#onConnected);
      while (this.#active.size > 0 || this.#scan) await Promise.allSettled([...[...this.#active.values()].map((r) => r.done), this.#scan]);
    })();
    return this.#stopping;
  }

  readonly #onAbort = (): void => void this.stop();
  readonly #onConnected = (): void => this.#requestScan();

  readonly #onTurn = (data: EventDataOf<'conversation.turn'>): void => this.#offer(data.conversation, data.turn);

  readonly #onEnded = (data: EventDataOf<'conversation.ended'>): void => {
    this.#abort(data.conversation.conversation_id, 'the conversation ended');
    this.#reportEnd(data.conversation, data.reason);
  };

  readonly #onRequest = (request: EventDataOf<'chat.request'>): void => {
    if (request.status === 'pending' && request.to === this.#me) void this.#decide(request);
  };

  // ---- turns --------------------------------------------------------------------

  #offer(conversation: ChatConversation, turn: Turn): void {
    if (this.#stopped) return;
    const id = conversation.conversation_id;
    const taken = conversation.turns_taken;
    if (conversation.status !== 'active' || conversation.next_turn !== this.#me) {
      // The turn moved on (skipped, or it is the other side's now): a handler still thinking about an older one must not answer.
      const run = this.#active.get(id);
      if (run && run.turnsTaken < taken) run.controller.abort(new ParleyError('conflict', `turn ${run.turnsTaken + 1} of ${id} was lost`));
      return;
    }
    if ((this.#offered.get(id) ?? -1) >= taken) return;
    this.#offered.set(id, taken);
    const previous = this.#active.get(id);
    previous?.controller.abort(new ParleyError('conflict', `turn ${previous.turnsTaken + 1} of ${id} was lost`));
    const controller = new AbortController();
    const run: Run = { turnsTaken: taken, controller, done: Promise.resolve() };
    this.#active.set(id, run);
    run.done = (async () => {
      // One handler per conversation at a time: a new turn waits for the aborted one to settle.
      if (previous) await previous.done;
      try {
        await this.#take(conversation, turn, controller.signal);
      } finally {
        if (this.#active.get(id) === run) this.#active.delete(id);
      }
    })();
  }

  async #take(conversation: ChatConversation, turn: Turn, signal: AbortSignal): Promise<void> {
    const id = conversation.conversation_id;
    let reply: ConversationReply;
    try {
      reply = await this.#handler({
        conversation,
        turn,
        signal,
        client: this.#client,
        transcript: async () => (await chatTranscript(this.#client, id)).turns,
      });
    } catch (err) {
      if (signal.aborted) return;
      // Not taken: the next scan (after a reconnect, or a restart) may offer this turn again, if it is still ours.
      if (this.#offered.get(id) === conversation.turns_taken) this.#offered.set(id, conversation.turns_taken - 1);
      this.#report(asError(err), id);
      return;
    }
    if (signal.aborted) return;
    const { text, end } = typeof reply === 'string' ? { text: reply, end: false } : { text: reply?.text, end: reply?.end === true };
    try {
      if (text !== undefined && text.trim() !== '') {
        await this.#chats.send({ conversation_id: id, text: text.slice(0, MAX_TEXT), client_message_id: answerId(conversation.turns_taken) });
      }
      if (end) await this.#chats.end({ conversation_id: id });
    } catch (err) {
      // A refusal means "that turn is gone" (out of turn, ended, not ours): dropped quietly.
      if (!isRefusal(err) && !isClosed(err)) this.#report(asError(err), id);
    }
  }

  #abort(conversationId: string, why: string): void {
    this.#active.get(conversationId)?.controller.abort(new ParleyError('conflict', `${conversationId}: ${why}`));
  }

  #reportEnd(conversation: ChatConversation, reason: ConversationEndReason): void {
    if (this.#ended.has(conversation.conversation_id)) return;
    this.#ended.add(conversation.conversation_id);
    this.#offered.delete(conversation.conversation_id);
    try {
      this.#options.onEnded?.(conversation, reason);
    } catch (err) {
      this.#report(asError(err), conversation.conversation_id);
    }
  }

  // ---- requests -------------------------------------------------------------------

  async #decide(request: ChatRequest): Promise<void> {
    const policy = this.#options.accept;
    if (policy === undefined || policy === false || this.#stopped || this.#deciding.has(request.request_id)) return;
    this.#deciding.add(request.request_id);
    try {
      const decision = policy === true ? true : await policy(request);
      if (this.#stopped) return;
      // The kickoff goes to the requester; this side's first turn arrives as a push when it answers.
      if (decision === true) await this.#chats.accept({ request_id: request.request_id });
      else if (decision === false) await this.#chats.reject({ request_id: request.request_id });
      else await this.#chats.reject({ request_id: request.request_id, reason: decision.reject.slice(0, 500) });
    } catch (err) {
      if (!isRefusal(err) && !isClosed(err)) this.#report(asError(err), null);
    } finally {
      this.#deciding.delete(request.request_id);
    }
  }

  // ---- catching up ------------------------------------------------------------------

  #requestScan(): void {
    if (this.#stopped) return;
    if (this.#scan) {
      this.#scanAgain = true;
      return;
    }
    this.#scan = (async () => {
      try {
        do {
          this.#scanAgain = false;
          await this.#scanOnce();
        } while (this.#scanAgain && !this.#stopped);
      } catch (err) {
        if (!isClosed(err) && this.#client.state === 'connected') this.#report(asError(err), null);
      } finally {
        this.#scan = null;
      }
    })();
  }

  /** Turns and requests that came while this process was away: the pushes for them are not sent again to a new process. */
  async #scanOnce(): Promise<void> {
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES && !this.#stopped; page++) {
      const res = await this.#chats.conversations({ status: 'active', limit: PAGE, ...(cursor ? { cursor } : {}) });
      for (const conv of res.conversations) {
        if (conv.next_turn !== this.#me || (this.#offered.get(conv.conversation_id) ?? -1) >= conv.turns_taken) continue;
        // The last turn is the one to answer: the whole transcript, not its first page.
        const { conversation, turns } = await chatTranscript(this.#client, conv.conversation_id);
        const last = turns[turns.length - 1];
        if (last) this.#offer(conversation, last);
      }
      if (!res.next_cursor) break;
      cursor = res.next_cursor;
    }
    if (this.#options.accept === undefined || this.#options.accept === false || this.#stopped) return;
    const pending = await this.#chats.list({ direction: 'inbound', status: 'pending', limit: 100 });
    await Promise.all(pending.requests.map((r) => this.#decide(r)));
  }
}
