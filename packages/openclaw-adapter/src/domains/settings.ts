import { spellings, usageLine, type CommandRunContext, type CommandSpec } from '../commands/spec.js';
import type { ParleyDomain } from '../domain.js';

function helpLines(prefix: string, spec: CommandSpec, path: string[] = []): string[] {
  const here = [...path, spec.name];
  if (spec.subcommands?.length) {
    return [
      `${prefix} ${[...path, spellings(spec)].join(' ')} — ${spec.summary}`,
      ...spec.subcommands.map(
        (s) => `    ${usageLine(prefix, [...here, s.name], s)}${s.aliases?.length ? ` (also: ${s.aliases.join(', ')})` : ''} — ${s.summary}`,
      ),
    ];
  }
  const usage = usageLine(prefix, here, spec);
  const aliases = spec.aliases?.length ? ` (also: ${spec.aliases.join(', ')})` : '';
  return [`${usage}${aliases} — ${spec.summary}`];
}

function help(ctx: CommandRunContext, word: string | undefined): string {
  const all = ctx.host.commands;
  if (word !== undefined) {
    const w = word.toLowerCase();
    const spec = all.find((c) => c.name === w || (c.aliases ?? []).includes(w));
    if (!spec) return `No command "${word}". Say "${ctx.prefix} help" for the list.`;
    const lines = helpLines(ctx.prefix, spec);
    for (const e of spec.examples ?? []) lines.push(`Example: ${ctx.prefix} ${e}`);
    return lines.join('\n');
  }
  return [
    `Parley commands (type "${ctx.prefix} <command>"; quote words with spaces: "like this"):`,
    ...all.flatMap((c) => helpLines(ctx.prefix, c)),
    `Details: ${ctx.prefix} help <command>`,
  ].join('\n');
}

/** The plugin's own commands: runtime config and routing (WTT's "config", "config auto") and help. */
export const settingsDomain: ParleyDomain = {
  id: 'settings',
  commands: [
    {
      name: 'config',
      summary: 'show the connection and routing; auto: send Parley events to this chat; off: stop; reset: back to the configured route',
      run: (ctx) => ctx.host.describeSettings(),
      subcommands: [
        { name: 'auto', aliases: ['here'], summary: 'send Parley events to this chat', run: (ctx) => ctx.host.routeHere(ctx.chat) },
        { name: 'off', summary: 'stop sending Parley events to any chat', run: (ctx) => ctx.host.routeOff() },
        { name: 'reset', summary: 'forget "auto"/"off": use the route from the plugin config', run: (ctx) => ctx.host.routeReset() },
      ],
    },
    {
      name: 'help',
      summary: 'this list, or one command in detail',
      args: [{ name: 'command', kind: 'word', optional: true }],
      run: (ctx, a) => help(ctx, a.optStr('command')),
    },
  ],
};
