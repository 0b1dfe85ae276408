import type { Command } from 'commander';
import type { Context } from '../context.js';
import { topicFind, topicJoin, topicLeave, topicList } from './topics.js';

/**
 * The topic commands WTT users type at the top level (`@wtt list`, `find`,
 * `join`, `leave`), as the adapter's `@parley` commands take them: the same
 * commands as under `parley topics`, defined once in topics.ts. (`history`
 * takes a topic as well as an agent: p2p.ts.)
 */
export function registerShortcuts(program: Command, ctx: Context): void {
  for (const [name, alias, define] of [
    ['list', 'ls', topicList],
    ['find', 'search', topicFind],
    ['join', 'subscribe', topicJoin],
    ['leave', 'unsubscribe', topicLeave],
  ] as const) {
    const cmd = define(program.command(name).alias(alias), ctx);
    cmd.description(`${cmd.description()} (as "parley topics ${name}")`);
  }
}
