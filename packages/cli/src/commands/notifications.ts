import { BroadcastEvent, type NotificationSetting } from '@parley/protocol';
import type { Command } from 'commander';
import { choice, oneOf, parseTopic } from '../args.js';
import type { Context } from '../context.js';
import { CliError, ExitCode } from '../errors.js';
import { table } from '../output.js';
import { withClient } from '../session.js';

/**
 * `parley notifications [list] | on | off | topics`: which broadcast pushes
 * reach you live. Switched-off pushes are still stored: poll, feed and
 * history show them.
 */
export function registerNotifications(program: Command, ctx: Context): void {
  const notifications = program
    .command('notifications')
    .description('which pushes reach you live: list (default), on, off, topics');

  notifications
    .command('list', { isDefault: true })
    .description('your settings, and the defaults where you set nothing')
    .action(async () => {
      const res = await withClient(ctx.config(), (c) => c.call('notification/subscription/list', {}));
      ctx.output().result(res, () => {
        const defaults = Object.entries(res.defaults)
          .map(([event, on]) => `${event} ${on ? 'on' : 'off'}`)
          .join(', ');
        const lines = [`defaults: ${defaults}`];
        if (res.settings.length === 0) lines.push('no settings of your own');
        else lines.push(table(['SCOPE', 'PUSH', 'UPDATED'], res.settings.map((s) => [scopeOf(s), s.enabled ? 'on' : 'off', s.updated_at])));
        return lines.join('\n');
      });
    });

  for (const enabled of [true, false]) {
    notifications
      .command(enabled ? 'on' : 'off')
      .description(`switch live pushes ${enabled ? 'on' : 'off'} for one topic (--topic) or one kind of broadcast push (--event)`)
      .option('--topic <topic_id>', 'a topic you belong to')
      .option('--event <name>', oneOf(BroadcastEvent))
      .addHelpText('after', `\nExamples:\n  parley notifications ${enabled ? 'on' : 'off'} --topic top_...\n  parley notifications ${enabled ? 'on' : 'off'} --event agent.presence`)
      .action(async (opts: { topic?: string; event?: string }) => {
        if ((opts.topic === undefined) === (opts.event === undefined)) {
          throw new CliError(`give exactly one of --topic <topic_id> and --event <${BroadcastEvent.options.join('|')}>`, ExitCode.Usage);
        }
        const params =
          opts.topic !== undefined
            ? { topic_id: parseTopic(opts.topic), enabled }
            : { event: choice(BroadcastEvent.options, opts.event!, '--event'), enabled };
        const res = await withClient(ctx.config(), (c) => c.call('notification/subscription/set', params));
        ctx.output().result(res, () => `live pushes of ${scopeOf(res)}: ${res.enabled ? 'on' : 'off'}`);
      });
  }

  notifications
    .command('topics')
    .description('your topics: whether their pushes reach you live, and unread counts')
    .action(async () => {
      const res = await withClient(ctx.config(), (c) => c.call('notification/topics', {}));
      ctx.output().result(res, () =>
        res.topics.length === 0
          ? 'you belong to no topics'
          : table(['TOPIC', 'NAME', 'PUSH', 'UNREAD'], res.topics.map((t) => [t.topic_id, t.name, t.push ? 'on' : 'off', String(t.unread)])),
      );
    });
}

function scopeOf(s: NotificationSetting): string {
  return s.topic_id !== null ? `topic ${s.topic_id}` : `event ${s.event ?? '?'}`;
}
