import { BroadcastEvent, type NotificationSetting } from '@parley/protocol';
import { op, type ParleyDomain } from '../domain.js';
import type { CommandRunContext, ParsedArgs } from '../commands/spec.js';

const scopeOf = (s: NotificationSetting): string => (s.topic_id !== null ? `topic ${s.topic_id}` : `event ${s.event ?? '?'}`);

function settingsText(r: { settings: NotificationSetting[]; defaults: Partial<Record<string, boolean>> }): string {
  const defaults = Object.entries(r.defaults)
    .map(([e, on]) => `${e} ${on ? 'on' : 'off'}`)
    .join(', ');
  const lines = [`Defaults: ${defaults}.`];
  if (r.settings.length === 0) lines.push('No settings of your own.');
  else lines.push(...r.settings.map((s) => `- ${scopeOf(s)}: ${s.enabled ? 'on' : 'off'}`));
  return lines.join('\n');
}

function topicsText(topics: ReadonlyArray<{ topic_id: string; name: string; push: boolean; unread: number }>): string {
  if (topics.length === 0) return 'You belong to no topics.';
  return topics.map((t) => `- ${t.topic_id} "${t.name}": live pushes ${t.push ? 'on' : 'off'}, ${t.unread} unread`).join('\n');
}

async function switchPushes(ctx: CommandRunContext, a: ParsedArgs, enabled: boolean): Promise<string> {
  const target = a.str('target');
  const isTopic = target.startsWith('top_');
  const event = BroadcastEvent.options.find((e) => e === target);
  if (!isTopic && event === undefined) {
    return `"${target}" is neither a topic id (top_...) nor one of ${BroadcastEvent.options.join(', ')}.\nUsage: ${ctx.prefix} notifications ${enabled ? 'on' : 'off'} <topic_id|event>`;
  }
  const r = await ctx.caller.call('notification/subscription/set', isTopic ? { topic_id: target, enabled } : { event, enabled });
  return `Live pushes of ${scopeOf(r)}: ${r.enabled ? 'on' : 'off'}.`;
}

/** Which broadcast pushes reach the agent live (per topic or per kind). */
export const notificationsDomain: ParleyDomain = {
  id: 'notifications',
  tools: [
    {
      name: 'parley_notifications',
      label: 'Parley notifications',
      description:
        "Which pushes reach this agent live: its topics with push on/off and unread counts (topics), switch live pushes of one topic " +
        `(topic_id) or one broadcast kind (event: ${BroadcastEvent.options.join(', ')}) on or off (set), and the current settings (list). ` +
        'Switched-off pushes are still stored (poll, feed and history show them).',
      ops: {
        topics: op('notification/topics', 'topics with push on/off and unread counts', (r) => topicsText(r.topics)),
        set: op('notification/subscription/set', 'switch live pushes of a topic or an event kind on or off (exactly one of topic_id, event)', (r) =>
          `Live pushes of ${scopeOf(r)}: ${r.enabled ? 'on' : 'off'}.`,
        ),
        list: op('notification/subscription/list', 'settings and defaults', (r) => settingsText(r)),
      },
      fieldHints: { topic_id: 'A topic id (top_...)' },
    },
  ],
  commands: [
    {
      name: 'notifications',
      summary: 'which pushes reach you live: list, on/off <topic_id|event>, topics',
      run: async (ctx) => settingsText(await ctx.caller.call('notification/subscription/list', {})),
      subcommands: [
        {
          name: 'list',
          summary: 'your settings and the defaults',
          run: async (ctx) => settingsText(await ctx.caller.call('notification/subscription/list', {})),
        },
        {
          name: 'on',
          summary: 'switch live pushes of a topic or an event kind on',
          args: [{ name: 'target', kind: 'word' }],
          run: (ctx, a) => switchPushes(ctx, a, true),
        },
        {
          name: 'off',
          summary: 'switch live pushes of a topic or an event kind off',
          args: [{ name: 'target', kind: 'word' }],
          run: (ctx, a) => switchPushes(ctx, a, false),
        },
        {
          name: 'topics',
          summary: 'your topics with push on/off and unread counts',
          run: async (ctx) => topicsText((await ctx.caller.call('notification/topics', {})).topics),
        },
      ],
    },
  ],
};
