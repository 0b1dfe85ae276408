import { ContentType, type Delegation, type Grant } from '@parley/protocol';
import { parseJsonText, UsageError, type CommandSpec } from '../commands/spec.js';
import { op, pushHandler, type ParleyDomain } from '../domain.js';
import { clip, indentBody } from '../format.js';
import { who } from './tasks.js';

/** The hub's bounds for delegate/request's timeout_ms. */
const MAX_TIMEOUT_S = 600;

/** A delegated call's input or output for a reader: a string as itself, anything else as JSON. */
export function payloadText(v: unknown, max = 1000): string {
  if (v === undefined || v === null) return '-';
  return clip(typeof v === 'string' ? v : JSON.stringify(v), max);
}

function rights(g: Grant): string {
  return [g.can_publish ? 'publish' : null, g.can_p2p ? 'p2p' : null].filter((x) => x !== null).join(' and ');
}

function grantsText(r: { given: readonly Grant[]; held: readonly Grant[] }): string {
  return [
    'Given (they may act as you):',
    ...(r.given.length ? r.given.map((g) => `- ${g.manager_id}: ${rights(g)} (since ${g.created_at})`) : ['- none']),
    'Held (you may act as them):',
    ...(r.held.length ? r.held.map((g) => `- ${g.agent_id}: ${rights(g)} (since ${g.created_at})`) : ['- none']),
  ].join('\n');
}

export function delegationDetail(d: Delegation, selfId: string | null): string {
  const lines = [
    `Delegated request ${d.request_id} (${d.capability}): ${d.state}`,
    `requester: ${who(d.requester_id, selfId)}, worker: ${who(d.worker_id, selfId, 'none')} (attempt ${d.attempts}), deadline: ${d.deadline}`,
    `input: ${indentBody(payloadText(d.input), '  ')}`,
  ];
  if (d.state === 'done') lines.push(`output: ${indentBody(payloadText(d.output, 2000), '  ')}`);
  if (d.error !== null) lines.push(`error: ${d.error}`);
  return lines.join('\n');
}

function requestedText(d: Delegation, selfId: string | null, get: string): string {
  if (d.state !== 'pending') return delegationDetail(d, selfId);
  return `Asked ${who(d.worker_id, selfId)} for ${d.capability}: request ${d.request_id}, to be answered by ${d.deadline}. The answer arrives as a Parley event (delegate.result); ${get} shows it any time.`;
}

const answeredText = (d: Delegation): string => `Answered ${d.request_id}: ${d.state}.`;

function resultText(d: Delegation, selfId: string | null): string {
  if (d.state === 'done') {
    return `Parley: your delegated request ${d.request_id} (${d.capability}) was answered by ${who(d.worker_id, selfId)}:\n${indentBody(payloadText(d.output, 1500), '  ')}`;
  }
  if (d.state === 'failed') return `Parley: your delegated request ${d.request_id} (${d.capability}) failed: ${d.error ?? 'no reason given'}.`;
  return `Parley: your delegated request ${d.request_id} (${d.capability}) is ${d.state}.`;
}

const contentTypeFlag = { name: 'type', help: 'content type', value: { kind: 'choice', choices: ContentType.options } } as const;

const delegateCommand: CommandSpec = {
  name: 'delegate',
  summary: 'delegation: let a manager act as you, act as others, route work by capability',
  subcommands: [
    {
      name: 'grant',
      summary: 'let a manager agent publish (--publish) and/or send direct messages (--p2p) as you; replaces an earlier grant to it',
      args: [{ name: 'manager', kind: 'agent' }],
      flags: [
        { name: 'publish', help: 'it may publish to topics as you' },
        { name: 'p2p', help: 'it may send direct messages as you' },
      ],
      examples: ['delegate grant agt_... --publish --p2p'],
      run: async (ctx, a) => {
        if (!a.flag('publish') && !a.flag('p2p')) throw new UsageError('grant at least one of --publish and --p2p');
        const g = await ctx.caller.call('delegate/grant', { manager: a.str('manager'), can_publish: a.flag('publish'), can_p2p: a.flag('p2p') });
        return `${g.manager_id} may now ${rights(g)} as you.`;
      },
    },
    {
      name: 'revoke',
      summary: 'take back a grant',
      args: [{ name: 'manager', kind: 'agent' }],
      run: async (ctx, a) => {
        const r = await ctx.caller.call('delegate/revoke', { manager: a.str('manager') });
        return r.revoked ? `Revoked the grant to ${r.manager_id}.` : `${r.manager_id} held no grant from you.`;
      },
    },
    {
      name: 'list',
      aliases: ['ls'],
      summary: 'grants you gave, and grants you hold as a manager',
      run: async (ctx) => grantsText(await ctx.caller.call('delegate/list', {})),
    },
    {
      name: 'publish',
      summary: 'publish to a topic as an agent that granted you --publish (the message carries you as "via")',
      args: [
        { name: 'as', kind: 'agent' },
        { name: 'topic_id', kind: 'topic' },
        { name: 'content', kind: 'text' },
      ],
      flags: [
        contentTypeFlag,
        { name: 'semantic', help: 'what kind of message this is, e.g. status', value: { kind: 'word', label: 'type' } },
        { name: 'reply-to', help: 'the message this answers', value: { kind: 'message_id' } },
      ],
      examples: ['delegate publish agt_... top_... build is green --semantic status'],
      run: async (ctx, a) => {
        const semantic = a.optStr('semantic');
        const replyTo = a.optStr('reply-to');
        const as = a.str('as');
        const r = await ctx.caller.call('delegate/publish_as', {
          as,
          topic_id: a.str('topic_id'),
          content: a.str('content'),
          content_type: (a.optStr('type') ?? 'text') as (typeof ContentType.options)[number],
          ...(semantic ? { semantic_type: semantic } : {}),
          ...(replyTo ? { reply_to: replyTo } : {}),
        });
        return `Published ${r.message_id} (seq ${r.seq}) to ${a.str('topic_id')} as ${as}.`;
      },
    },
    {
      name: 'p2p',
      aliases: ['dm'],
      summary: 'send a direct message as an agent that granted you --p2p (it carries you as "via")',
      args: [
        { name: 'as', kind: 'agent' },
        { name: 'to', kind: 'agent' },
        { name: 'content', kind: 'text' },
      ],
      flags: [contentTypeFlag],
      run: async (ctx, a) => {
        const as = a.str('as');
        const to = a.str('to');
        const r = await ctx.caller.call('delegate/p2p_as', {
          as,
          to,
          content: a.str('content'),
          content_type: (a.optStr('type') ?? 'text') as (typeof ContentType.options)[number],
        });
        return `Sent ${r.message_id} to ${to} as ${as}.`;
      },
    },
    {
      name: 'request',
      summary: 'ask an online agent that offers a capability to do something; its answer arrives here as an event',
      args: [
        { name: 'capability', kind: 'capability' },
        { name: 'input', kind: 'json' },
      ],
      flags: [{ name: 'timeout', help: 'how long the worker has (default 30s, at most 10m)', value: { kind: 'duration' } }],
      examples: ['delegate request math.add {"a": 1, "b": 2}', 'delegate request text.summarize "a long text to summarise" --timeout 2m'],
      run: async (ctx, a) => {
        const seconds = a.optInt('timeout');
        if (seconds !== undefined && seconds > MAX_TIMEOUT_S) throw new UsageError(`--timeout is at most 10m, got ${seconds} s`);
        const d = await ctx.caller.call('delegate/request', {
          capability: a.str('capability'),
          input: a.json('input'),
          ...(seconds !== undefined ? { timeout_ms: seconds * 1000 } : {}),
        });
        return requestedText(d, ctx.format.selfId, `"${ctx.prefix} delegate get ${d.request_id}"`);
      },
    },
    {
      name: 'respond',
      aliases: ['answer'],
      summary: 'answer a delegated request you were given: its output as JSON, or --error <reason> to decline or fail it',
      args: [
        { name: 'request_id', kind: 'delegation' },
        { name: 'answer', kind: 'text' },
      ],
      flags: [{ name: 'error', help: 'the rest is why it cannot be done (no retry)' }],
      examples: ['delegate respond dlg_... {"sum": 3}', 'delegate respond dlg_... --error I cannot reach the build server'],
      run: async (ctx, a) => {
        const id = a.str('request_id');
        const answer = a.str('answer');
        let d: Delegation;
        if (a.flag('error')) d = await ctx.caller.call('delegate/respond', { request_id: id, error: answer });
        else {
          const parsed = parseJsonText(a.raw('answer'), 'the output');
          if (!parsed.ok) throw new UsageError(`${parsed.message}; to decline, add --error`);
          d = await ctx.caller.call('delegate/respond', { request_id: id, output: parsed.value });
        }
        return answeredText(d);
      },
    },
    {
      name: 'get',
      aliases: ['status'],
      summary: 'a delegated request you made or were given',
      args: [{ name: 'request_id', kind: 'delegation' }],
      run: async (ctx, a) => delegationDetail(await ctx.caller.call('delegate/get', { request_id: a.str('request_id') }), ctx.format.selfId),
    },
  ],
};

/** Delegation: act-as grants, and work routed by capability to whichever online agent offers it (WTT's delegate commands). */
export const delegateDomain: ParleyDomain = {
  id: 'delegate',
  tools: [
    {
      name: 'parley_delegate',
      label: 'Parley delegation',
      description:
        'Parley delegation. Capability routing: request asks an online agent that advertises `capability` to do something with `input` ' +
        '(any JSON); the answer comes later (a delegate.result event, or op get with the request_id). When another agent asks this one ' +
        '(a delegate.request event), answer with respond: `output` (JSON) or `error` to decline. Act-as grants: grant lets a manager ' +
        'agent publish and/or send direct messages as this agent (revoke takes it back, list shows given and held grants); ' +
        'publish_as and p2p_as act as an agent that granted this one.',
      ops: {
        request: op('delegate/request', 'ask an online agent offering capability; returns the pending request', (r, _p, ctx) =>
          requestedText(r, ctx.selfId, 'op get with this request_id'),
        ),
        respond: op('delegate/respond', 'answer a request given to this agent: output, or error', (r) => answeredText(r)),
        get: op('delegate/get', 'a request this agent made or was given, with its output once done', (r, _p, ctx) => delegationDetail(r, ctx.selfId)),
        grant: op('delegate/grant', 'let manager publish (can_publish) and/or DM (can_p2p) as this agent', (r) => `${r.manager_id} may now ${rights(r)} as this agent.`),
        revoke: op('delegate/revoke', 'take back a grant', (r) => (r.revoked ? `Revoked the grant to ${r.manager_id}.` : `${r.manager_id} held no grant.`)),
        list: op('delegate/list', 'grants given and held', (r) => grantsText(r)),
        publish_as: op('delegate/publish_as', 'publish to a topic as agent `as` (it granted can_publish)', (r, p) =>
          `Published ${r.message_id} (seq ${r.seq}) to ${p.topic_id} as ${p.as}.`,
        ),
        p2p_as: op('delegate/p2p_as', 'send a direct message as agent `as` (it granted can_p2p)', (r, p) => `Sent ${r.message_id} to ${p.to} as ${p.as}.`),
      },
      fieldHints: {
        capability: 'A capability name such as code.review',
        input: 'What the worker gets: any JSON value',
        timeout_ms: 'How long the worker has to answer (ms)',
        request_id: 'A delegated request id (dlg_...)',
        output: 'The answer: any JSON value (give output or error)',
        error: 'Why the request cannot be done (give output or error)',
        manager: 'The agent allowed to act as this one (agt_...)',
        as: 'The agent to act as; it must have granted this one (agt_...)',
        topic_id: 'A topic id (top_...)',
        to: 'The recipient (agt_...)',
        reply_to: 'The message this answers (msg_...)',
      },
    },
  ],
  commands: [delegateCommand],
  pushes: [
    pushHandler({
      event: 'delegate.request',
      label: 'delegated request',
      describe: (d) =>
        `Parley: ${d.requester_id} asks you for ${d.capability} (request ${d.request_id}, answer by ${d.deadline}):\n` +
        `${indentBody(payloadText(d.input, 1500), '  ')}\n` +
        `Answer: "/parley delegate respond ${d.request_id} <output as JSON>", or decline: "/parley delegate respond ${d.request_id} --error <reason>".`,
    }),
    pushHandler({
      event: 'delegate.result',
      label: 'delegation result',
      describe: (d, _f, ctx) => resultText(d, ctx.selfId),
    }),
  ],
};
