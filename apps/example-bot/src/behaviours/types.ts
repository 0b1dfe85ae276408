import type { ParleyClient } from '@parley/client';
import type { Brain } from '../brain.js';

/** What a behaviour gets to work with. */
export interface BotContext {
  client: ParleyClient;
  agentId: string;
  name: string;
  brain: Brain;
  /** Runs `run` once under `key` (see WorkQueue): retried while the hub is away, never twice. */
  work(key: string, run: (signal: AbortSignal) => Promise<void>): void;
  log(line: string): void;
}

/**
 * One thing the bot does, wired to the pushes it cares about. Later domains
 * (tasks, delegation, chats) add a behaviour file; nothing else changes.
 */
export interface Behaviour {
  name: string;
  attach(ctx: BotContext): void;
}
