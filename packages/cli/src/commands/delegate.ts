import type { ParleyClient } from '@parley/client';
import { ContentType, type Delegation, type Grant } from '@parley/protocol';
import type { Command } from 'commander';
import { choice, oneOf, parseAgent, parseCapability, parseDelegationId, parseJson, parseMessageId, parseTopic } from '../args.js';
import type { Context } from '../context.js';
import { CliError, ExitCode } from '../errors.js';
import { table } from '../output.js';
import { withClient } from '../session.js';

/** The hub tries one other worker after a missed deadline, so a result can take up to two timeouts; then a little slack for the push. */
const RESULT_SLACK_MS = 5000;
/** delegate/request's timeout_ms bounds. */
const MIN_TIMEOUT_MS = 100;
const MAX_TIMEOUT_MS = 600_000;

/**
 * `parley delegate ...`: WTT's delegation. Act-as grants (a manager agent
 * publishes or sends direct messages on your behalf) and capability routing
 * (ask whichever online agent offers a capability, and wait for its answer).
 */
export function registerDelegate(program: Command, ctx: Context): Command {
  const delegate = program
    .command('delegate')
    .description('delegation: let a manager act as you, act as others, route work by capability (run "parley delegate --help")');

  delegate
    .command('grant')
    .description('let a manager agent publish and/or send direct messages as you (replaces an earlier grant to it)')
    .argument('<manager>', 'agt_... of the manager')
    .option('--publish', 'it may publish to topics as you')
    .option('--p2p', 'it may send direct messages as you')
    .action(async (manager: string, opts: { publish?: boolean; p2p?: boolean }) => {
      if (!opts.publish && !opts.p2p) throw new CliError('grant at least one of --publish and --p2p', ExitCode.Usage);
      const params = { manager: parseAgent(manager), can_publish: Boolean(opts.publish), can_p2p: Boolean(opts.p2p) };
      const g = await withClient(ctx.config(), (c) => c.call('delegate/grant', params));
      ctx.output().result(g, () => `${g.manager_id} may now ${rights(g)} as you`);
    });

  delegate
    .command('revoke')
    .description('take back a grant')
    .argument('<manager>', 'agt_... of the manager')
    .action(async (manager: string) => {
      const res = await withClient(ctx.config(), (c) => c.call('delegate/revoke', { manager: parseAgent(manager) }));
      ctx.output().result(res, () => (res.revoked ? `revoked the grant to ${res.manager_id}` : `${res.manager_id} held no grant from you`));
    });

  delegate
    .command('list')
    .alias('ls')
    .description('grants you gave, and grants you hold as a manager')
    .action(async () => {
      const res = await withClient(ctx.config(), (c) => c.call('delegate/list', {}));
      ctx.output().result(res, () =>
        [
          'given (they may act as you):',
          res.given.length ? table(['MANAGER', 'MAY', 'SINCE'], res.given.map((g) => [g.manager_id, rights(g), g.created_at])) : '  none',
          '',
          'held (you may act as them):',
          res.held.length ? table(['AS', 'MAY', 'SINCE'], res.held.map((g) => [g.agent_id, rights(g), g.created_at])) : '  none',
        ].join('\n'),
      );
    });

  delegate
    .command('publish')
    .description('publish to a topic as an agent that granted you --publish (the message carries you as "via")')
    .argument('<as>', 'agt_... you act as')
    .argument('<topic_id>', 'top_...')
    .argument('<text...>', 'message text')
    .option('-t, --type <content_type>', oneOf(ContentType), 'text')
    .option('-s, --semantic <type>', 'what kind of message this is, e.g. status')
    .option('-r, --reply-to <message_id>', 'the message this answers')
    .action(async (as: string, topic: string, words: string[], opts: { type: string; semantic?: string; replyTo?: string }) => {
      const params = {
        as: parseAgent(as),
        topic_id: parseTopic(topic),
        content: words.join(' '),
        content_type: choice(ContentType.options, opts.type, '--type'),
        ...(opts.semantic ? { semantic_type: opts.semantic } : {}),
        ...(opts.replyTo ? { reply_to: parseMessageId(opts.replyTo) } : {}),
      };
      const res = await withClient(ctx.config(), (c) => c.call('delegate/publish_as', params));
      ctx.output().result(res, () => `published ${res.message_id} (seq ${res.seq}) as ${params.as}`);
    });

  delegate
    .command('p2p')
    .alias('dm')
    .description('send a direct message as an agent that granted you --p2p (it carries you as "via")')
    .argument('<as>', 'agt_... you act as')
    .argument('<to>', 'agt_... of the recipient')
    .argument('<text...>', 'message text')
    .option('-t, --type <content_type>', oneOf(ContentType), 'text')
    .action(async (as: string, to: string, words: string[], opts: { type: string }) => {
      const params = { as: parseAgent(as), to: parseAgent(to), content: words.join(' '), content_type: choice(ContentType.options, opts.type, '--type') };
      const res = await withClient(ctx.config(), (c) => c.call('delegate/p2p_as', params));
      ctx.output().result(res, () => `sent ${res.message_id} to ${params.to} as ${params.as}`);
    });

  delegate
    .command('request')
    .description('ask an online agent that offers a capability to do something, and wait for its answer (the global --timeout is its deadline)')
    .argument('<capability>', 'e.g. code.review')
    .argument('<json-input>', 'the input, as JSON ("-" reads it from stdin)')
    .addHelpText(
      'after',
      '\nThe worker has --timeout ms (default 30000) to answer; the hub then tries one other worker before failing the request.\n' +
        'Exits 0 with the output, 1 when the request failed (the message says why), 3 when no result came in time.\n\n' +
        'Example:\n  parley delegate request math.add \'{"a":1,"b":2}\' --timeout 5000',
    )
    .action(async (capability: string, input: string) => {
      const cfg = ctx.config();
      const params = {
        capability: parseCapability(capability),
        input: parseJson(input === '-' ? await ctx.readStdin() : input, 'the input'),
        timeout_ms: cfg.timeoutMs,
      };
      if (cfg.timeoutMs < MIN_TIMEOUT_MS || cfg.timeoutMs > MAX_TIMEOUT_MS) {
        throw new CliError(`--timeout must be from ${MIN_TIMEOUT_MS} to ${MAX_TIMEOUT_MS} ms for a delegated request, got ${cfg.timeoutMs}`, ExitCode.Usage);
      }
      const d = await withClient(cfg, (c) => requestAndWait(c, params, 2 * cfg.timeoutMs + RESULT_SLACK_MS));
      const out = ctx.output();
      out.result(d, () => formatDelegation(d));
      if (d.state === 'failed') {
        // Printed (for --json scripts) and still a failure: exit 1, with the reason on stderr like every other failure.
        throw new CliError(`the delegated request failed: ${d.error ?? 'no reason given'}`, ExitCode.Failed);
      }
    });

  delegate
    .command('respond')
    .description('answer a delegated request you were given (a delegate.request push): --output on success, --error to decline or fail it')
    .argument('<request_id>', 'dlg_...')
    .option('-o, --output <json>', 'the result, as JSON')
    .option('-e, --error <text>', 'why it cannot be done (no retry)')
    .action(async (id: string, opts: { output?: string; error?: string }) => {
      if ((opts.output === undefined) === (opts.error === undefined)) throw new CliError('give exactly one of --output and --error', ExitCode.Usage);
      const params = {
        request_id: parseDelegationId(id),
        ...(opts.output !== undefined ? { output: parseJson(opts.output, '--output') } : {}),
        ...(opts.error !== undefined ? { error: opts.error } : {}),
      };
      const d = await withClient(ctx.config(), (c) => c.call('delegate/respond', params));
      ctx.output().result(d, () => `answered ${d.request_id}: ${d.state}`);
    });

  delegate
    .command('get')
    .alias('status')
    .description('a delegated request you made or were given')
    .argument('<request_id>', 'dlg_...')
    .action(async (id: string) => {
      const d = await withClient(ctx.config(), (c) => c.call('delegate/get', { request_id: parseDelegationId(id) }));
      ctx.output().result(d, () => formatDelegation(d));
    });

  return delegate;
}

/**
 * delegate/request, then the delegate.result push for it. The listener is on
 * before the call: a fast worker's result can arrive before the request's own
 * response. If no push comes within `waitMs`, the hub is asked once
 * (delegate/get), so a missed push cannot hang or mislead the command.
 */
async function requestAndWait(c: ParleyClient, params: { capability: string; input: unknown; timeout_ms: number }, waitMs: number): Promise<Delegation> {
  const results = new Map<string, Delegation>();
  let wanted: string | null = null;
  let resolveWait: ((d: Delegation) => void) | null = null;
  const onResult = (d: Delegation): void => {
    results.set(d.request_id, d);
    if (d.request_id === wanted) resolveWait?.(d);
  };
  c.on('delegate.result', onResult);
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const pending = await c.call('delegate/request', params);
    if (pending.state !== 'pending') return pending;
    wanted = pending.request_id;
    const early = results.get(wanted);
    if (early) return early;
    const pushed = await new Promise<Delegation | null>((resolve) => {
      resolveWait = resolve;
      timer = setTimeout(() => resolve(null), waitMs);
    });
    if (pushed) return pushed;
    const now = await c.call('delegate/get', { request_id: wanted });
    if (now.state === 'pending') {
      throw new CliError(
        `no result for ${wanted} after ${waitMs} ms (still pending with ${now.worker_id ?? 'no worker'}); "parley delegate get ${wanted}" looks again`,
        ExitCode.Unreachable,
      );
    }
    return now;
  } finally {
    clearTimeout(timer);
    c.off('delegate.result', onResult);
  }
}

function rights(g: Grant): string {
  return [g.can_publish ? 'publish' : null, g.can_p2p ? 'p2p' : null].filter(Boolean).join(', ');
}

function formatDelegation(d: Delegation): string {
  const lines = [
    `request_id:  ${d.request_id}`,
    `capability:  ${d.capability}`,
    `state:       ${d.state}`,
    `requester:   ${d.requester_id}`,
    `worker:      ${d.worker_id ?? '-'} (attempt ${d.attempts})`,
    `input:       ${JSON.stringify(d.input)}`,
  ];
  if (d.state === 'done') lines.push(`output:      ${JSON.stringify(d.output)}`);
  if (d.error !== null) lines.push(`error:       ${d.error}`);
  lines.push(`deadline:    ${d.deadline}`);
  return lines.join('\n');
}
