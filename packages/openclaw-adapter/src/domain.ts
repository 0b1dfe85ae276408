// What a domain module contributes: its agent tools, its chat commands and
// how its push events read in a chat. src/domains/index.ts lists the modules;
// a new domain (task, pipeline, ...) is one new file there plus one line.
import type { TransferRequest } from '@parley/client';
import type { ActionName, EventDataOf, EventName, ParamsOf, ParsedParamsOf, PushFrame, ResultOf } from '@parley/protocol';
import type { z } from 'zod';
import type { CommandSpec } from './commands/spec.js';
import type { ResolvedConfig } from './config.js';

/** How tools and commands reach the hub: the service's one connection. */
export interface ParleyCaller {
  call<A extends ActionName>(action: A, params: ParamsOf<A>, signal?: AbortSignal): Promise<ResultOf<A>>;
  /**
   * asset/transfer signed with this agent's key (the client's transfer: it
   * resolves the receiver's address, picks the nonce and signs; the key never
   * leaves the client). Absent on a caller that holds no key.
   */
  transfer?(req: TransferRequest): Promise<ResultOf<'asset/transfer'>>;
}

/** What formatters may look at besides the result. */
export interface FormatContext {
  /** This agent's id, once the identity is loaded. */
  readonly selfId: string | null;
  /** The hub this agent uses (where its web console is), null while the service has not started. */
  readonly hubUrl: string | null;
  /** A push as chat text, through the domains' push handlers (inbox poll uses it). */
  describePush(frame: PushFrame): string;
}

// ---- tools ----

/** One operation of a tool: the protocol action it runs and how its result reads. */
export interface ToolOp<A extends ActionName = ActionName> {
  readonly action: A;
  /** One line for the tool description: what the op does. */
  readonly summary: string;
  format(result: ResultOf<A>, params: ParsedParamsOf<A>, ctx: FormatContext): string;
  /**
   * An op whose params are not the action's own: the agent gives `params`
   * and `run` completes them (asset/transfer: the nonce and the signature,
   * which an agent cannot make). Its format gets the action's result only.
   */
  readonly custom?: CustomOp<A>;
}

export interface CustomOp<A extends ActionName> {
  readonly params: z.ZodType<Record<string, unknown>>;
  run(caller: ParleyCaller, params: Record<string, unknown>): Promise<ResultOf<A>>;
}

export function op<A extends ActionName>(
  action: A,
  summary: string,
  format: (result: ResultOf<A>, params: ParsedParamsOf<A>, ctx: FormatContext) => string,
): ToolOp<A> {
  return { action, summary, format };
}

/**
 * An agent tool over one or more actions. With several ops the parameters
 * get a required `op` enum and the union of the actions' fields; with one op
 * the parameters are that action's own.
 */
export interface ActionToolSpec {
  readonly name: string;
  readonly label: string;
  readonly description: string;
  readonly ops: Readonly<Record<string, ToolOp>>;
  /** Extra words for a field's description in the generated schema (the protocol has few field descriptions). */
  readonly fieldHints?: Readonly<Record<string, string>>;
}

// ---- pushes ----

/**
 * forward: to the chat; skip: left out by the config (stays unread); own: the
 * agent's own doing, or a copy of what it also gets on its own stream (dropped,
 * not unread).
 */
export type PushVerdict = 'forward' | 'skip' | 'own';

export interface PushFilterContext {
  readonly selfId: string | null;
  readonly selfName: string | null;
  readonly config: ResolvedConfig;
}

export interface PushHandler<E extends EventName = EventName> {
  readonly event: E;
  /** Short noun for summaries, e.g. "direct message". */
  readonly label: string;
  describe(data: EventDataOf<E>, frame: PushFrame, ctx: FormatContext): string;
  /** Finer filtering than the config's event list (default: forward). `frame.stream` tells which stream it came on. */
  classify?(data: EventDataOf<E>, ctx: PushFilterContext, frame: PushFrame): PushVerdict;
}

export function pushHandler<E extends EventName>(handler: PushHandler<E>): PushHandler {
  return handler as unknown as PushHandler;
}

// ---- the module ----

export interface ParleyDomain {
  /** Short id, e.g. "topics". */
  readonly id: string;
  readonly tools?: readonly ActionToolSpec[];
  readonly commands?: readonly CommandSpec[];
  readonly pushes?: readonly PushHandler[];
}
