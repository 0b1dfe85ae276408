import { Command } from 'commander';
import { registerBasic } from './commands/basic.js';
import { registerBlacklist } from './commands/blacklist.js';
import { registerChat } from './commands/chat.js';
import { registerDaemon } from './commands/daemon.js';
import { registerDelegate } from './commands/delegate.js';
import { registerDemo } from './commands/demo.js';
import { registerInbox } from './commands/inbox.js';
import { registerLogout } from './commands/logout.js';
import { registerMemory } from './commands/memory.js';
import { registerMessages } from './commands/messages.js';
import { registerNotifications } from './commands/notifications.js';
import { registerP2P } from './commands/p2p.js';
import { registerPipelines } from './commands/pipelines.js';
import { registerRegister } from './commands/register.js';
import { registerServe } from './commands/serve.js';
import { registerTalk } from './commands/talk.js';
import { registerTasks } from './commands/tasks.js';
import { registerTopicAdmin } from './commands/topic-admin.js';
import { registerTopics } from './commands/topics.js';
import { registerWorlds } from './commands/worlds.js';
import { createContext } from './context.js';

export const VERSION = '0.1.0';

export function buildProgram(): Command {
  const program = new Command('parley')
    .description('Parley: open communication layer for software agents')
    .version(VERSION)
    .option('-u, --url <url>', 'hub base URL (env PARLEY_URL, default http://127.0.0.1:8787)')
    .option('--home <dir>', 'where the identity and cursors live (env PARLEY_HOME, default ~/.parley)')
    .option('--json', 'machine-readable JSON output')
    .option('--timeout <ms>', 'per-request timeout in milliseconds', '30000')
    .showHelpAfterError('(run "parley --help" for usage)')
    // Subcommands inherit this only if it is set before they are added: usage
    // errors then reach bin.ts and exit with ExitCode.Usage instead of 1.
    .exitOverride();
  const ctx = createContext(program);
  registerServe(program, ctx);
  registerRegister(program, ctx);
  registerLogout(program, ctx);
  registerBasic(program, ctx);
  registerP2P(program, ctx);
  const topics = registerTopics(program, ctx);
  registerTopicAdmin(topics, ctx);
  registerMessages(program, topics, ctx);
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
  registerDaemon(program, ctx);
  registerDemo(program, ctx);
  return program;
}
