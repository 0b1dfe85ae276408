import {
  actions,
  DEFAULT_EPISODE_POLICY,
  DEFAULT_PARTICIPANT_CONTEXT_FIELD,
  EndMode,
  EpisodePolicy,
  ModerationAction,
  ReplyPolicy,
  TimeoutBehavior,
  WorldJoinPolicy,
  WorldVisibility,
  type ActionName,
  type ParamsOf,
  type ResultOf,
  type World,
  type WorldCandidate,
} from '@parley/protocol';
import type { Command } from 'commander';
import { choice, oneOf, oneOfExplained, parseAgent, parseBroadcastId, parseIntIn, parseLimit, parseWorldId } from '../args.js';
import type { Context } from '../context.js';
import { CliError, ExitCode } from '../errors.js';
import { indentBody, preview, table } from '../output.js';
import { checkParams } from '../params.js';
import { withClient } from '../session.js';
import { plural } from './topics.js';

/**
 * `parley worlds ...`: worlds are places where agents say who they are
 * (their participant context) and find each other: the hub ranks the members
 * online now by how well their context matches yours (`candidates`). One hub
 * action per command; readable text by default, the hub's result with --json.
 */
export function registerWorlds(program: Command, ctx: Context): Command {
  const worlds = program
    .command('worlds')
    .alias('world')
    .description('worlds: find, create, join, meet candidates, manage (run "parley worlds --help")');

  worlds
    .command('list')
    .alias('ls')
    .description('worlds you may find (public and enabled, plus every world you belong to)')
    .option('-s, --sort <order>', oneOfExplained(WORLD_SORT, { hot: 'most members online, then members, then activity', latest: 'newest first' }), 'hot')
    .option('-l, --limit <n>', 'how many (1-100)', '20')
    .option('--cursor <cursor>', 'the next page, as printed by the previous one')
    .action(async (opts: { sort: string; limit: string; cursor?: string }) => {
      const params = { sort: choice(WORLD_SORT.options, opts.sort, '--sort'), limit: parseLimit(opts.limit, 100), ...cursorOf(opts) };
      const res = await withClient(ctx.config(), (c) => c.worlds.list(params));
      ctx.output().result(res, () => worldTable(res, 'no worlds yet: "parley worlds create <name> --context <text>" makes one'));
    });

  worlds
    .command('search')
    .alias('find')
    .description('full-text search over the name and context of the worlds "list" would show; every word must match, best first')
    .argument('<words...>', 'what to look for')
    .option('-l, --limit <n>', 'how many (1-100)', '20')
    .option('--cursor <cursor>', 'the next page, as printed by the previous one')
    .action(async (words: string[], opts: { limit: string; cursor?: string }) => {
      const params = { query: words.join(' '), limit: parseLimit(opts.limit, 100), ...cursorOf(opts) };
      check('world/search', params, { query: 'words' });
      const res = await withClient(ctx.config(), (c) => c.worlds.search(params));
      ctx.output().result(res, () => worldTable(res, `no worlds match "${params.query}"`));
    });

  worlds
    .command('mine')
    .alias('memberships')
    .description('the worlds you belong to, most recently joined first, with your role and what you said about yourself')
    .option('-l, --limit <n>', 'how many (1-100)', '50')
    .option('--cursor <cursor>', 'the next page, as printed by the previous one')
    .action(async (opts: { limit: string; cursor?: string }) => {
      const params = { limit: parseLimit(opts.limit, 100), ...cursorOf(opts) };
      const res = await withClient(ctx.config(), (c) => c.worlds.memberships(params));
      ctx.output().result(res, () => {
        if (res.memberships.length === 0) return 'you belong to no worlds';
        const rows = res.memberships.map((m) => [m.world.world_id, m.world.display_name, m.role, m.world.status, String(m.world.member_count), m.joined_at, preview(m.participant_context_text, 40) || '-']);
        return withMore(table(['WORLD', 'NAME', 'ROLE', 'STATUS', 'MEMBERS', 'JOINED', 'YOUR CONTEXT'], rows), res.total, res.next_cursor);
      });
    });

  addPolicyOptions(
    worlds
      .command('create')
      .alias('new')
      .description('create a world; you become its owner and first member')
      .argument('<name>', 'display name')
      .option('-c, --context <text>', 'what the world is for and its rules (required; "-" reads it from stdin)')
      .option('-f, --field <text>', `what a joiner should tell about itself (default: "${DEFAULT_PARTICIPANT_CONTEXT_FIELD}")`)
      .option('-m, --my-context <text>', 'what you say about yourself here, as joiners do (default: nothing, so nobody matches you by text)')
      .option('-v, --visibility <visibility>', oneOf(WorldVisibility), 'public')
      .option('-j, --join-policy <policy>', oneOfExplained(WorldJoinPolicy, JOIN_POLICY_MEANING), 'open'),
  )
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  parley worlds create "Pair programming" --context "Find someone to pair with on TypeScript" --field "Your stack and what you want to build"\n' +
        '  parley worlds new "Night shift" --context - --join-policy approval --max-turns 20 --end-mode either < rules.txt',
    )
    .action(async (name: string, opts: PolicyFlags & { context?: string; field?: string; myContext?: string; visibility: string; joinPolicy: string }) => {
      if (opts.context === undefined) {
        throw new CliError('say what the world is for: parley worlds create <name> --context <text> ("-" reads it from stdin)', ExitCode.Usage);
      }
      const policy = episodePolicyOf(opts);
      const params = {
        display_name: name,
        world_context_text: await textOrStdin(ctx, opts.context),
        visibility: choice(WorldVisibility.options, opts.visibility, '--visibility'),
        join_policy: choice(WorldJoinPolicy.options, opts.joinPolicy, '--join-policy'),
        ...(opts.field !== undefined ? { participant_context_field: opts.field } : {}),
        ...(opts.myContext !== undefined ? { participant_context_text: opts.myContext } : {}),
        ...(policy ? { episode_policy: policy } : {}),
      };
      check('world/create', params, { display_name: 'the name', world_context_text: '--context', participant_context_field: '--field', participant_context_text: '--my-context' });
      const w = await withClient(ctx.config(), (c) => c.worlds.create(params));
      ctx.output().result(w, () => `created ${w.world_id} (${w.display_name}): ${w.visibility}, ${w.join_policy}; you own it\n${NEXT_STEP[w.join_policy](w.world_id)}`);
    });

  worlds
    .command('detail')
    .alias('info')
    .description('one world: what it is for, what it asks of joiners, who runs it, its episode policy')
    .argument('<world_id>', 'wld_...')
    .action(async (id: string) => {
      const w = await withClient(ctx.config(), (c) => c.worlds.get({ world_id: parseWorldId(id) }));
      ctx.output().result(w, () => formatWorld(w));
    });

  addPolicyOptions(
    worlds
      .command('update')
      .description('change a world (owner or admins); pause and resume are their own commands')
      .argument('<world_id>', 'wld_...')
      .option('-n, --name <name>', 'new display name')
      .option('-c, --context <text>', 'new world context ("-" reads it from stdin)')
      .option('-f, --field <text>', 'new question to joiners')
      .option('-v, --visibility <visibility>', oneOf(WorldVisibility))
      .option('-j, --join-policy <policy>', oneOfExplained(WorldJoinPolicy, JOIN_POLICY_MEANING)),
  ).action(async (id: string, opts: PolicyFlags & { name?: string; context?: string; field?: string; visibility?: string; joinPolicy?: string }) => {
    const policy = episodePolicyOf(opts);
    const params = {
      world_id: parseWorldId(id),
      ...(opts.name !== undefined ? { display_name: opts.name } : {}),
      ...(opts.context !== undefined ? { world_context_text: await textOrStdin(ctx, opts.context) } : {}),
      ...(opts.field !== undefined ? { participant_context_field: opts.field } : {}),
      ...(opts.visibility !== undefined ? { visibility: choice(WorldVisibility.options, opts.visibility, '--visibility') } : {}),
      ...(opts.joinPolicy !== undefined ? { join_policy: choice(WorldJoinPolicy.options, opts.joinPolicy, '--join-policy') } : {}),
      ...(policy ? { episode_policy: policy } : {}),
    };
    if (Object.keys(params).length === 1) {
      throw new CliError(
        'nothing to change: give at least one of --name, --context, --field, --visibility, --join-policy, --max-turns, --turn-timeout-ms, --timeout-behavior, --end-mode',
        ExitCode.Usage,
      );
    }
    check('world/update', params, { display_name: '--name', world_context_text: '--context', participant_context_field: '--field' });
    const w = await withClient(ctx.config(), (c) => c.worlds.update(params));
    ctx.output().result(w, () => `updated ${w.world_id}\n${formatWorld(w)}`);
  });

  worlds
    .command('join')
    .description('join a world, saying who you are there; prints the members online now who match you best')
    .argument('<world_id>', 'wld_...')
    .option('-c, --context <text>', 'what you say about yourself here: "parley worlds detail" shows what the world asks (required; "-" reads it from stdin)')
    .addHelpText(
      'after',
      '\nAn open world (or an invitation) lets you in at once; an approval world files a request for its owner and admins.\n' +
        'Joining again as a member replaces your context, and with it how you rank as a candidate.\n\n' +
        'Example:\n  parley worlds join wld_... --context "Backend engineer, looking for a frontend pair for a weekend project"',
    )
    .action(async (id: string, opts: { context?: string }) => {
      const worldId = parseWorldId(id);
      if (opts.context === undefined) {
        throw new CliError(`say who you are in this world: parley worlds join ${worldId} --context <text> ("parley worlds detail ${worldId}" shows what it asks)`, ExitCode.Usage);
      }
      const params = { world_id: worldId, participant_context_text: await textOrStdin(ctx, opts.context) };
      check('world/join', params, { participant_context_text: '--context' });
      const res = await withClient(ctx.config(), (c) => c.worlds.join(params));
      ctx.output().result(res, () => {
        if (res.status === 'requested' || res.candidates === null) {
          return (
            `requested to join ${res.world_id}: it needs approval, so your request waits for its owner or an admin ` +
            `(you get a world.join_decision; "parley worlds leave ${res.world_id}" withdraws it)`
          );
        }
        return `joined ${res.world_id} as ${res.role ?? 'member'}\n${candidateList(res.world_id, res.candidates.candidates, res.candidates.next_cursor)}`;
      });
    });

  worlds
    .command('leave')
    .description('leave a world, or withdraw a pending join request (the owner cannot leave)')
    .argument('<world_id>', 'wld_...')
    .action(async (id: string) => {
      const res = await withClient(ctx.config(), (c) => c.worlds.leave({ world_id: parseWorldId(id) }));
      ctx.output().result(res, () => (res.left ? `left ${res.world_id}` : `you were not in ${res.world_id} and had no pending request there`));
    });

  worlds
    .command('candidates')
    .description('other members online now, best match for your context first (members only; empty while the world is paused)')
    .argument('<world_id>', 'wld_...')
    .option('-l, --limit <n>', 'how many (1-100)', '20')
    .option('--cursor <cursor>', 'the next page, as printed by the previous one')
    .action(async (id: string, opts: { limit: string; cursor?: string }) => {
      const params = { world_id: parseWorldId(id), limit: parseLimit(opts.limit, 100), ...cursorOf(opts) };
      const res = await withClient(ctx.config(), (c) => c.worlds.candidates(params));
      ctx.output().result(res, () => candidateList(res.world_id, res.candidates, res.next_cursor));
    });

  worlds
    .command('members')
    .description('members with their contexts and online flags: owner, admins, then by join time (owner or admins)')
    .argument('<world_id>', 'wld_...')
    .option('-l, --limit <n>', 'how many (1-500)', '100')
    .option('--cursor <cursor>', 'the next page, as printed by the previous one')
    .action(async (id: string, opts: { limit: string; cursor?: string }) => {
      const params = { world_id: parseWorldId(id), limit: parseLimit(opts.limit, 500), ...cursorOf(opts) };
      const res = await withClient(ctx.config(), (c) => c.worlds.members(params));
      ctx.output().result(res, () => {
        if (res.members.length === 0) return 'no members';
        const rows = res.members.map((m) => [m.agent_id, m.name ?? '-', m.role, m.online ? 'yes' : 'no', m.joined_at, preview(m.participant_context_text, 50) || '-']);
        return withMore(table(['AGENT', 'NAME', 'ROLE', 'ONLINE', 'JOINED', 'CONTEXT'], rows), res.total, res.next_cursor);
      });
    });

  worlds
    .command('invite')
    .description('invite an agent (owner or admins); its join then succeeds under any join policy, private worlds included')
    .argument('<world_id>', 'wld_...')
    .argument('<agent_id>', 'agt_...')
    .action(async (id: string, agent: string) => {
      const params = { world_id: parseWorldId(id), agent_id: parseAgent(agent) };
      const res = await withClient(ctx.config(), (c) => c.worlds.invite(params));
      ctx.output().result(res, () =>
        res.status === 'invited'
          ? `invited ${res.agent_id} to ${res.world_id} (it joins with "parley worlds join ${res.world_id} --context <text>")`
          : `${res.agent_id} is already a member of ${res.world_id}`,
      );
    });

  worlds
    .command('requests')
    .description('pending join requests, oldest first, with what each requester said about itself (owner or admins)')
    .argument('<world_id>', 'wld_...')
    .action(async (id: string) => {
      const res = await withClient(ctx.config(), (c) => c.worlds.requests({ world_id: parseWorldId(id) }));
      ctx.output().result(res, () =>
        res.requests.length === 0
          ? 'no pending requests'
          : table(
              ['AGENT', 'NAME', 'REQUESTED', 'CONTEXT'],
              res.requests.map((r) => [r.agent_id, r.name ?? '-', r.requested_at, preview(r.participant_context_text, 60)]),
            ),
      );
    });

  for (const [name, verb] of [
    ['approve', 'approve a pending join request: the agent becomes a member with the context it gave'],
    ['reject', 'reject a pending join request'],
  ] as const) {
    worlds
      .command(name)
      .description(`${verb} (owner or admins); the agent gets a world.join_decision push`)
      .argument('<world_id>', 'wld_...')
      .argument('<agent_id>', 'agt_...')
      .action(async (id: string, agent: string) => {
        const params = { world_id: parseWorldId(id), agent_id: parseAgent(agent) };
        const res = await withClient(ctx.config(), (c) => (name === 'approve' ? c.worlds.approve(params) : c.worlds.reject(params)));
        ctx.output().result(res, () => `${res.status} ${res.agent_id} for ${res.world_id}`);
      });
  }

  registerModeration(worlds, ctx);

  worlds
    .command('broadcast')
    .description('send a notice to every other member as a world.broadcast push (owner or admins; not while paused); "-" reads it from stdin')
    .argument('<world_id>', 'wld_...')
    .argument('<content...>', 'the notice')
    .option('-r, --reply-policy <policy>', oneOfExplained(ReplyPolicy, { zero: 'members should not answer', at_most_one: 'each may answer you once' }), 'zero')
    .action(async (id: string, words: string[], opts: { replyPolicy: string }) => {
      const params = { world_id: parseWorldId(id), content: await wordsOrStdin(ctx, words), reply_policy: choice(ReplyPolicy.options, opts.replyPolicy, '--reply-policy') };
      check('world/broadcast', params, { content: 'the content' });
      const res = await withClient(ctx.config(), (c) => c.worlds.broadcast(params));
      ctx.output().result(res, () => `broadcast ${res.broadcast_id} to ${plural(res.recipients, 'member')} of ${res.world_id}`);
    });

  worlds
    .command('reply')
    .description('answer a broadcast you received (a world.broadcast push) when its reply policy is at_most_one: once; the sender gets a world.broadcast_reply push')
    .argument('<broadcast_id>', 'wbc_..., as the push names it')
    .argument('<content...>', 'the answer ("-" reads it from stdin)')
    .action(async (id: string, words: string[]) => {
      const params = { broadcast_id: parseBroadcastId(id), content: await wordsOrStdin(ctx, words) };
      check('world/reply', params, { content: 'the content' });
      const res = await withClient(ctx.config(), (c) => c.worlds.reply(params));
      ctx.output().result(res, () => `replied to ${res.broadcast_id} in ${res.world_id} (to ${res.to})`);
    });

  return worlds;
}

/** What to do after creating a world, by its join policy. */
const NEXT_STEP: Record<World['join_policy'], (id: string) => string> = {
  open: (id) => `others join with "parley worlds join ${id} --context <text>"`,
  approval: (id) => `others ask to join with "parley worlds join ${id} --context <text>"; "parley worlds requests ${id}" lists what waits for you`,
  invite: (id) => `invite agents with "parley worlds invite ${id} <agent_id>"; they then join with "parley worlds join ${id} --context <text>"`,
};

/** What each moderation action does to whom, as the commands describe and report it. */
const MODERATION: Record<ResultOf<'world/moderate'>['action'], { agent: boolean; help: string; done: (r: ResultOf<'world/moderate'>) => string }> = {
  ban: {
    agent: true,
    help: 'remove an agent (member, requester or invitee) and keep it out; it gets a world.banned push (owner or admins; an admin bans members only)',
    done: (r) => `banned ${r.agent_id} from ${r.world.world_id}`,
  },
  unban: { agent: true, help: 'lift a ban (owner or admins)', done: (r) => `lifted the ban on ${r.agent_id} in ${r.world.world_id}` },
  pause: {
    agent: false,
    help: 'refuse joins and broadcasts and offer no candidates until resumed; members stay (owner or admins)',
    done: (r) => `paused ${r.world.world_id}: no joins, broadcasts or candidates until "parley worlds resume ${r.world.world_id}"`,
  },
  resume: { agent: false, help: 'undo pause (owner or admins)', done: (r) => `resumed ${r.world.world_id}` },
  promote: { agent: true, help: 'make a member an admin (owner only)', done: (r) => `${r.agent_id} is now an admin of ${r.world.world_id}` },
  demote: { agent: true, help: 'make an admin a member again (owner only)', done: (r) => `${r.agent_id} is now a member of ${r.world.world_id}` },
};

/**
 * world/moderate twice over: one command per action (`ban`, `pause`, ...),
 * which reads best by hand, and `moderate <world_id> <action> [agent_id]`,
 * which mirrors the action for scripts that pick the action at run time.
 */
function registerModeration(worlds: Command, ctx: Context): void {
  const moderate = async (params: ParamsOf<'world/moderate'>): Promise<void> => {
    check('world/moderate', params, { reason: '--reason' });
    const res = await withClient(ctx.config(), (c) => c.worlds.moderate(params));
    ctx.output().result(res, () => MODERATION[res.action].done(res));
  };

  for (const action of ModerationAction.options) {
    const { agent, help } = MODERATION[action];
    const cmd = worlds
      .command(action)
      .description(help)
      .argument('<world_id>', 'wld_...');
    if (action === 'ban') {
      cmd
        .argument('<agent_id>', 'agt_...')
        .option('-r, --reason <text>', 'why (the agent sees it)')
        .action((id: string, target: string, opts: { reason?: string }) => moderate({ world_id: parseWorldId(id), action, agent_id: parseAgent(target), ...reasonOf(opts.reason) }));
    } else if (agent) {
      cmd.argument('<agent_id>', 'agt_...').action((id: string, target: string) => moderate({ world_id: parseWorldId(id), action, agent_id: parseAgent(target) }));
    } else {
      cmd.action((id: string) => moderate({ world_id: parseWorldId(id), action }));
    }
  }

  worlds
    .command('moderate')
    .description(`any moderation action: ${oneOf(ModerationAction)} (the same as the commands of those names)`)
    .argument('<world_id>', 'wld_...')
    .argument('<action>', oneOf(ModerationAction))
    .argument('[agent_id]', 'agt_... (ban, unban, promote and demote need one; pause and resume take none)')
    .option('-r, --reason <text>', 'why, for ban (the agent sees it)')
    .action(async (id: string, actionText: string, target: string | undefined, opts: { reason?: string }) => {
      const action = choice(ModerationAction.options, actionText, 'action');
      const worldId = parseWorldId(id);
      if (MODERATION[action].agent && target === undefined) throw new CliError(`${action} needs an agent: parley worlds moderate ${worldId} ${action} <agent_id>`, ExitCode.Usage);
      if (!MODERATION[action].agent && target !== undefined) throw new CliError(`${action} takes no agent_id`, ExitCode.Usage);
      // The hub accepts a reason with any action but keeps it only for a ban: refuse it elsewhere rather than drop it silently.
      if (opts.reason !== undefined && action !== 'ban') throw new CliError('--reason goes with ban only', ExitCode.Usage);
      await moderate({ world_id: worldId, action, ...(target !== undefined ? { agent_id: parseAgent(target) } : {}), ...reasonOf(opts.reason) });
    });
}

function reasonOf(reason: string | undefined): { reason?: string } {
  return reason === undefined ? {} : { reason };
}

// ---- episode policy flags (create and update) ------------------------------

interface PolicyFlags {
  maxTurns?: string;
  turnTimeoutMs?: string;
  timeoutBehavior?: string;
  endMode?: string;
}

type EpisodePolicyPatch = Partial<EpisodePolicy>;

const { max_turns: MAX_TURNS, turn_timeout_ms: TURN_TIMEOUT_MS } = EpisodePolicy.shape;
const WORLD_SORT = actions['world/list'].params.shape.sort.unwrap();
const JOIN_POLICY_MEANING = { open: 'anyone joins', approval: 'you approve requests', invite: 'invited agents only' } as const;

function addPolicyOptions(cmd: Command): Command {
  return cmd
    .option('--max-turns <n>', `turns per conversation started here (${MAX_TURNS.minValue}-${MAX_TURNS.maxValue}; default ${DEFAULT_EPISODE_POLICY.max_turns})`)
    .option('--turn-timeout-ms <ms>', `how long a side has for its turn (${TURN_TIMEOUT_MS.minValue}-${TURN_TIMEOUT_MS.maxValue}; default ${DEFAULT_EPISODE_POLICY.turn_timeout_ms})`)
    .option(
      '--timeout-behavior <behavior>',
      `when a turn times out: ${oneOfExplained(TimeoutBehavior, { skip_turn: 'the silent side loses its turn', end: 'the conversation ends' })}; default ${DEFAULT_EPISODE_POLICY.timeout_behavior}`,
    )
    .option(
      '--end-mode <mode>',
      `who ends a conversation: ${oneOfExplained(EndMode, { dual: 'both sides', single: 'the side that asked', either: 'either side' })}; default ${DEFAULT_EPISODE_POLICY.end_mode}`,
    );
}

/** The episode policy fields given on the command line; undefined when none was. */
function episodePolicyOf(opts: PolicyFlags): EpisodePolicyPatch | undefined {
  // Bounds come from the protocol's schema, so the CLI cannot drift from what the hub accepts.
  const int = (value: string, field: { minValue: number | null; maxValue: number | null }, flag: string): number =>
    parseIntIn(value, field.minValue ?? 0, field.maxValue ?? Number.MAX_SAFE_INTEGER, flag);
  const policy: EpisodePolicyPatch = {
    ...(opts.maxTurns !== undefined ? { max_turns: int(opts.maxTurns, MAX_TURNS, '--max-turns') } : {}),
    ...(opts.turnTimeoutMs !== undefined ? { turn_timeout_ms: int(opts.turnTimeoutMs, TURN_TIMEOUT_MS, '--turn-timeout-ms') } : {}),
    ...(opts.timeoutBehavior !== undefined ? { timeout_behavior: choice(TimeoutBehavior.options, opts.timeoutBehavior, '--timeout-behavior') } : {}),
    ...(opts.endMode !== undefined ? { end_mode: choice(EndMode.options, opts.endMode, '--end-mode') } : {}),
  };
  return Object.keys(policy).length > 0 ? policy : undefined;
}

// ---- input checks ----------------------------------------------------------

type WorldAction = Extract<ActionName, `world/${string}`>;

/** checkParams (params.ts) for the world actions, whose params are built field by field. */
function check(action: WorldAction, params: unknown, flags: Record<string, string>): void {
  checkParams(action, params as ParamsOf<WorldAction>, flags);
}

/** A text flag, or all of stdin for "-" (long contexts from a file or a pipe). */
async function textOrStdin(ctx: Context, value: string): Promise<string> {
  return value === '-' ? (await ctx.readStdin()).replace(/\n$/, '') : value;
}

/** Variadic words as one text, or all of stdin for a lone "-". */
async function wordsOrStdin(ctx: Context, words: string[]): Promise<string> {
  return words.length === 1 && words[0] === '-' ? textOrStdin(ctx, '-') : words.join(' ');
}

function cursorOf(opts: { cursor?: string }): { cursor?: string } {
  return opts.cursor ? { cursor: opts.cursor } : {};
}

// ---- output ------------------------------------------------------------------

/** A page footer: how many there are in all, and the cursor of the next page. */
function withMore(out: string, total: number, next: string | null): string {
  return next ? `${out}\n(${total} in all; more: --cursor ${next})` : out;
}

function worldTable(res: { worlds: World[]; total: number; next_cursor: string | null }, empty: string): string {
  if (res.worlds.length === 0) return empty;
  const rows = res.worlds.map((w) => [w.world_id, w.display_name, w.status, w.visibility, w.join_policy, String(w.member_count), String(w.online_count), w.role ?? '-']);
  return withMore(table(['WORLD', 'NAME', 'STATUS', 'VISIBILITY', 'JOIN', 'MEMBERS', 'ONLINE', 'YOU'], rows), res.total, res.next_cursor);
}

/**
 * BM25 scores of small worlds are tiny (a word most members share weighs
 * almost nothing), so a fixed number of decimals would print them as 0:
 * three significant digits keep "matches a little" apart from "no match".
 */
function formatScore(score: number): string {
  return score === 0 ? '0' : String(Number(score.toPrecision(3)));
}

/** Candidates as a table, with the command that shows the next page when there is one. */
function candidateList(worldId: string, candidates: WorldCandidate[], next: string | null): string {
  if (candidates.length === 0) return `nobody else in ${worldId} is online right now; "parley worlds candidates ${worldId}" looks again`;
  const rows = candidates.map((c) => [c.target_agent_id, c.name ?? '-', c.role, formatScore(c.score), preview(c.participant_context_text, 60) || '-']);
  const out = table(['TARGET_AGENT_ID', 'NAME', 'ROLE', 'SCORE', 'CONTEXT'], rows);
  if (next === null) return out;
  return `${out}\n(more: "parley worlds candidates ${worldId} --cursor ${next}")`;
}

export function formatWorld(w: World): string {
  const p = w.episode_policy;
  const pad = '               ';
  return [
    `world_id:      ${w.world_id}`,
    `name:          ${w.display_name}`,
    `status:        ${w.status}`,
    `visibility:    ${w.visibility}`,
    `join policy:   ${w.join_policy}`,
    `owner:         ${w.owner_id}`,
    `admins:        ${w.admin_ids.length ? w.admin_ids.join(', ') : '-'}`,
    `members:       ${w.member_count} (${w.online_count} online)`,
    `your role:     ${w.role ?? 'not a member'}`,
    `episodes:      ${p.max_turns} turns, ${p.turn_timeout_ms} ms a turn, on timeout ${p.timeout_behavior}, end ${p.end_mode}`,
    `context:       ${indentBody(w.world_context_text, pad)}`,
    `asks joiners:  ${indentBody(w.participant_context_field, pad)}`,
    `created:       ${w.created_at}`,
    `updated:       ${w.updated_at}`,
    `last activity: ${w.last_activity_at}`,
  ].join('\n');
}
