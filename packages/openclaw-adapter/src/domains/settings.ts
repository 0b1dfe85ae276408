import { spellings, usageLine, type CommandRunContext, type CommandSpec } from '../commands/spec.js';
import type { ParleyDomain } from '../domain.js';

/** A subcommand's line under its command; one with subcommands of its own heads their lines, indented further. */
function subLines(prefix: string, path: string[], s: CommandSpec, indent = '    '): string[] {
  const here = [...path, s.name];
  if (s.subcommands?.length) {
    return [`${indent}${prefix} ${[...path, spellings(s)].join(' ')} — ${s.summary}`, ...s.subcommands.flatMap((sub) => subLines(prefix, here, sub, `${indent}    `))];
  }
  return [`${indent}${usageLine(prefix, here, s)}${s.aliases?.length ? ` (also: ${s.aliases.join(', ')})` : ''} — ${s.summary}`];
}

/** Past this many subcommands the overview names them on one line and `help <command>` has the details. */
const OVERVIEW_MAX_SUBCOMMANDS = 6;

function helpLines(prefix: string, spec: CommandSpec, overview = false): string[] {
  const here = [spec.name];
  if (spec.subcommands?.length) {
    const head = `${prefix} ${spellings(spec)} — ${spec.summary}`;
    if (overview && spec.subcommands.length > OVERVIEW_MAX_SUBCOMMANDS) {
      return [head, `    ${spec.subcommands.map((s) => s.name).join(', ')} (details: ${prefix} help ${spec.name})`];
    }
    return [head, ...spec.subcommands.flatMap((s) => subLines(prefix, here, s))];
  }
  const usage = usageLine(prefix, here, spec);
  const aliases = spec.aliases?.length ? ` (also: ${spec.aliases.join(', ')})` : '';
  return [`${usage}${aliases} — ${spec.summary}`];
}

/** A command's examples and those of its subcommands. */
function examplesOf(spec: CommandSpec): string[] {
  return [...(spec.examples ?? []), ...(spec.subcommands ?? []).flatMap(examplesOf)];
}

function help(ctx: CommandRunContext, word: string | undefined): string {
  const all = ctx.host.commands;
  if (word !== undefined) {
    const w = word.toLowerCase();
    const spec = all.find((c) => c.name === w || (c.aliases ?? []).includes(w));
    if (!spec) return `No command "${word}". Say "${ctx.prefix} help" for the list.`;
    const lines = helpLines(ctx.prefix, spec);
    for (const e of examplesOf(spec)) lines.push(`Example: ${ctx.prefix} ${e}`);
    return lines.join('\n');
  }
  return [
    `Parley commands (type "${ctx.prefix} <command>"; quote words with spaces: "like this"):`,
    ...all.flatMap((c) => helpLines(ctx.prefix, c, true)),
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
