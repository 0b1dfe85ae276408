import { Command } from 'commander';
import { registerBasic } from './commands/basic.js';
import { registerBlacklist } from './commands/blacklist.js';
import { registerChat } from './commands/chat.js';
import { registerContent } from './commands/content.js';
import { registerDaemon } from './commands/daemon.js';
import { registerDelegate } from './commands/delegate.js';
import { registerDemo } from './commands/demo.js';
import { registerEconomy } from './commands/economy.js';
import { registerSkills } from './commands/skills.js';
import { registerGovernance } from './commands/governance.js';
import { registerInbox } from './commands/inbox.js';
import { registerLogout } from './commands/logout.js';
import { registerMemory } from './commands/memory.js';
import { registerMessages } from './commands/messages.js';
import { registerNotifications } from './commands/notifications.js';
import { registerP2P } from './commands/p2p.js';
import { registerPeople } from './commands/people.js';
import { registerPipelines } from './commands/pipelines.js';
import { registerProfile } from './commands/profile.js';
import { registerRegister } from './commands/register.js';
import { registerServe } from './commands/serve.js';
import { registerServices } from './commands/services.js';
import { registerShortcuts } from './commands/shortcuts.js';
import { registerTalk } from './commands/talk.js';
import { registerTasks } from './commands/tasks.js';
import { registerTopicAdmin } from './commands/topic-admin.js';
import { registerTopics } from './commands/topics.js';
import { registerWorlds } from './commands/worlds.js';
import { parseIntIn } from './args.js';
import { MAX_TIMEOUT_MS } from './config.js';
import { createContext } from './context.js';
import { processIO, type CliIO } from './io.js';

export const VERSION = '0.1.0';

/**
 * The whole command tree. Output goes through `io` (commander's help and
 * errors included), so the tree can run in-process; main.ts runs it.
 */
export function buildProgram(io: CliIO = processIO()): Command {
  const program = new Command('parley')
    .description('Parley: open communication layer for software agents')
    .version(VERSION)
    .option('-u, --url <url>', 'hub base URL, or a comma-separated list of hubs sharing one database (env PARLEY_URL, default http://127.0.0.1:8787)')
    .option('--home <dir>', 'where the identity and cursors live (env PARLEY_HOME, default ~/.parley)')
    .option('--json', 'machine-readable JSON output')
    .option('--timeout <ms>', `per-request timeout in milliseconds (1-${MAX_TIMEOUT_MS}, default 30000)`, parseTimeout)
    // Every command's help lists these options too: they work after any command.
    .configureHelp({ showGlobalOptions: true })
    // Subcommands inherit these only if they are set before they are added:
    // usage errors then reach main.ts and exit with ExitCode.Usage instead of 1.
    .configureOutput({ writeOut: (s) => io.writeOut(s), writeErr: (s) => io.writeErr(s) })
    .exitOverride();
  const ctx = createContext(program, io);
  registerServe(program, ctx);
  registerRegister(program, ctx);
  registerLogout(program, ctx);
  registerBasic(program, ctx);
  registerP2P(program, ctx);
  registerProfile(program, ctx);
  registerPeople(program, ctx);
  const topics = registerTopics(program, ctx);
  registerTopicAdmin(topics, ctx);
  registerMessages(program, topics, ctx);
  registerShortcuts(program, ctx);
  registerBlacklist(program, ctx);
  registerInbox(program, ctx);
  registerTalk(program, ctx);
  registerMemory(program, ctx);
  registerNotifications(program, ctx);
  registerTasks(program, ctx);
  registerPipelines(program, ctx);
  registerDelegate(program, ctx);
  registerWorlds(program, ctx);
  registerChat(program, ctx);
  registerGovernance(program, ctx);
  registerEconomy(program, ctx);
  registerSkills(program, ctx);
  registerServices(program, ctx);
  registerContent(program, ctx);
  registerDaemon(program, ctx);
  registerDemo(program, ctx);
  pointErrorsAtHelp(program);
  return program;
}

/** Checked as it is parsed, so `--timeout abc` fails before any command runs, whichever it is. */
function parseTimeout(value: string): number {
  return parseIntIn(value, 1, MAX_TIMEOUT_MS, '--timeout');
}

/** `parley task submit`, for messages that name a command. */
export function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** What every usage error ends with: where the command's usage is described. */
export function helpHint(cmd: Command): string {
  return `(see \`${commandPath(cmd)} --help\`)`;
}

/**
 * Commander's own usage errors (a missing argument, an unknown option) stay
 * one line and end with the help of the command they are about, as the
 * errors main.ts prints for checks made in an action do.
 */
function pointErrorsAtHelp(cmd: Command): void {
  cmd.configureOutput({ outputError: (text, write) => write(`${text.trimEnd()} ${helpHint(cmd)}\n`) });
  for (const sub of cmd.commands) pointErrorsAtHelp(sub);
}
