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
  /** Runs `run` once under `key` (see WorkQueue): retried while the hub is away, never twice. */
  work(key: string, run: (signal: AbortSignal) => Promise<void>): void;
  log(line: string): void;
}

/** Stops what a behaviour started; the bot awaits it on close(), before the connection closes. */
export type Stop = () => void | Promise<void>;

/**
 * One thing the bot does. Each domain (messages, mentions, tasks, delegation)
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
