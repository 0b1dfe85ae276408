import type { ParleyClient } from '@parley/client';
import type { Brain } from '../brain.js';

/** What a behaviour gets to work with. */
export interface BotContext {
  client: ParleyClient;
  agentId: string;
  name: string;
  brain: Brain;
  /** The capabilities the bot offers (advertised on its profile): the work it takes. */
  capabilities: readonly string[];
  /** The services it serves in the hub's registry, as `name@version` (each backed by the capability of its name). */
  services: readonly string[];
  /** How the bot takes chat requests and how long it talks in a conversation. */
  chats: ChatSettings;
  /** Whether it votes on proposals (and, as a committee member, in deliberations) through its brain. */
  governance: boolean;
  /** Runs `run` once under `key` (see WorkQueue): retried while the hub is away, never twice. */
  work(key: string, run: (signal: AbortSignal) => Promise<void>): void;
  log(line: string): void;
}

/**
 * Which pending chat requests (contact policy `approval_required`) the bot
 * accepts: `all`; `world`, those made in a world (the rest are rejected, and
 * the profile's `world_requests_only` makes the hub refuse them up front);
 * `none`, it decides none and leaves them to someone else (`chat/accept`).
 */
export type AcceptChats = 'all' | 'world' | 'none';

export interface ChatSettings {
  accept: AcceptChats;
  /** The bot raises its hand with its answer of this number (or sooner, when the brain has nothing more to say). */
  maxTurns: number;
}

/** Stops what a behaviour started; the bot awaits it on close(), before the connection closes. */
export type Stop = () => void | Promise<void>;

/**
 * One thing the bot does. Each domain (messages, mentions, tasks, delegation, chats, governance)
 * is a behaviour file; nothing else changes to add one.
 */
export interface Behaviour {
  name: string;
  /**
   * Subscribe to the pushes it cares about. Called before the bot connects,
   * so pushes replayed on resume (sent while the bot was away) are not missed.
   */
  attach?(ctx: BotContext): void;
  /**
   * Go looking for work: called once connected, with the capabilities
   * advertised and the topics joined. May return how to stop (awaited by
   * close(), before the connection closes).
   */
  start?(ctx: BotContext): void | Stop | Promise<void | Stop>;
}
