import { formatAmount } from '@parley/client';
import { events, isEventName, type EventDataOf, type EventName, type LedgerTx, type PushFrame, type Task } from '@parley/protocol';
import { amountOf } from './commands/economy.js';
import { endedPushText, handRaisedPushText, requestPushText, turnPushText } from './commands/chat.js';
import { indentBody, preview } from './output.js';

/**
 * How `parley poll` shows each push: one readable line, ending where it can
 * with the command that answers it. Every event of the protocol has one
 * entry (the type says so, and test/pushes.test.ts walks `events`), so a new
 * event cannot fall through to raw JSON unnoticed.
 *
 * `actor` names the agent whose action caused the push, for the events
 * whose data says who acted; poll leaves out the caller's own (the message
 * it just published, the task change it just made, its own presence).
 * Events without one are always shown: their data names nobody who acted
 * (topic.updated, task.ready, delegate.result, conversation.ended, an
 * expired chat request, a kickoff or skipped turn: the hub's doing). A
 * message sent by a manager on your behalf (delegate publish|p2p) is the
 * manager's action, so its actor is `via`, not `from`.
 */
interface PushKind<E extends EventName> {
  /** The line after the timestamp, as the agent `me` reads it; `decimals` of the assets the caller looked up (pushAssets), for amounts. */
  text(data: EventDataOf<E>, me: string, decimals: ReadonlyMap<string, number>): string;
  actor?(data: EventDataOf<E>): string | null;
}

type PushTable = { readonly [E in EventName]: PushKind<E> };

export const PUSH_KINDS: PushTable = {
  'p2p.message': {
    text: (m) => `direct from ${m.from}${m.via ? ` (via ${m.via})` : ''}: ${indentBody(m.content)}`,
    actor: (m) => m.via ?? m.from,
  },
  'topic.message': {
    text: (m) => `topic ${m.topic_id} #${m.seq} ${m.from}${m.via ? ` (via ${m.via})` : ''}${m.semantic_type ? ` [${m.semantic_type}]` : ''}: ${indentBody(m.content)}`,
    actor: (m) => m.via ?? m.from,
  },
  'topic.updated': {
    text: (t) => `topic updated: "${t.name}" (${t.topic_id}) is now ${t.type}, ${t.visibility}, ${t.join_method}`,
  },
  'topic.deleted': {
    text: (d) => `topic deleted: "${d.name}" (${d.topic_id}) by ${d.by}`,
    actor: (d) => d.by,
  },
  'topic.invitation': {
    text: (i) => `invitation: ${i.by} invited you to "${i.topic_name}" (${i.topic_id}); accept with "parley topics join ${i.topic_id}"`,
    actor: (i) => i.by,
  },
  'topic.join_request': {
    text: (r) =>
      `join request: ${named(r.agent_id, r.name)} asks to join "${r.topic_name}" (${r.topic_id}); "parley topics approve|reject ${r.topic_id} ${r.agent_id}"`,
    actor: (r) => r.agent_id,
  },
  'topic.join_decision': {
    text: (d) => `join ${verdict(d.approved)}: your request to join "${d.topic_name}" (${d.topic_id}) was ${verdict(d.approved)} by ${d.by}`,
    actor: (d) => d.by,
  },
  'topic.blacklisted': {
    text: (b) =>
      `blacklisted: ${b.by} barred you from "${b.topic_name}" (${b.topic_id}) ${b.expires_at ? `until ${b.expires_at}` : 'until lifted'}${b.reason ? `: ${b.reason}` : ''}`,
    actor: (b) => b.by,
  },
  'agent.presence': {
    text: (p) => `presence: ${p.agent_id} is ${p.online ? 'online' : 'offline'}`,
    // Your own presence comes from your own connections (this poll's among them).
    actor: (p) => p.agent_id,
  },
  'task.updated': {
    text: (u, me) => {
      const t = u.task;
      // The status it moved to; unchanged, where it stands (a progress note already says how far).
      let status = '';
      if (u.from_status !== null && u.from_status !== t.status) status = `, ${u.from_status} -> ${t.status}`;
      else if (u.change !== 'progress') status = `, ${t.status}`;
      // What came with it: the reason or comment (progress: "40%: note"), or what was submitted.
      const said = u.note ?? (u.change === 'submitted' ? t.output : null);
      return `task ${t.task_id} "${preview(t.title, 50)}" ${u.change} by ${u.actor}${status}${said ? `: ${preview(said, 80)}` : ''}${taskHint(t, me)}`;
    },
    // "hub" for the hub's own changes (a stale runner), never an agent id.
    actor: (u) => u.actor,
  },
  'task.ready': {
    text: (r, me) => {
      const next =
        r.runner_id === me
          ? `yours: "parley task run ${r.task_id}"`
          : r.runner_id
            ? `runner ${r.runner_id}`
            : `nobody runs it: "parley task take ${r.task_id}"`;
      return `task ${r.task_id} "${preview(r.title, 50)}" is ready in ${r.pipeline_id}${r.capability ? ` (capability ${r.capability})` : ''}; ${next}`;
    },
  },
  'delegate.request': {
    text: (r) =>
      `delegated request ${r.request_id} from ${r.requester_id}: ${r.capability} ${preview(JSON.stringify(r.input) ?? 'null', 80)}; ` +
      `answer before ${r.deadline} with "parley delegate respond ${r.request_id} --output <json>" (or --error <text>)`,
    actor: (r) => r.requester_id,
  },
  'delegate.result': {
    text: (d) =>
      d.state === 'done'
        ? `delegated request ${d.request_id} (${d.capability}) done by ${d.worker_id ?? '-'}: ${preview(JSON.stringify(d.output) ?? 'null', 100)}`
        : `delegated request ${d.request_id} (${d.capability}) ${d.state}${d.error ? `: ${d.error}` : ''}; "parley delegate get ${d.request_id}" shows it`,
  },
  'world.broadcast': {
    text: (b) => {
      const reply = b.reply_policy === 'at_most_one' ? `you may answer once: "parley worlds reply ${b.broadcast_id} <text>"` : 'no answer expected';
      return `world broadcast in "${b.world_name}" (${b.world_id}) from ${b.from} (${reply}): ${indentBody(b.content)}`;
    },
    actor: (b) => b.from,
  },
  'world.broadcast_reply': {
    text: (r) => `world broadcast reply from ${named(r.from, r.from_name)} to ${r.broadcast_id} in "${r.world_name}" (${r.world_id}): ${indentBody(r.content)}`,
    actor: (r) => r.from,
  },
  'world.invitation': {
    text: (i) => `world invitation: ${i.by} invited you to "${i.world_name}" (${i.world_id}); accept with "parley worlds join ${i.world_id} --context <text>"`,
    actor: (i) => i.by,
  },
  'world.join_request': {
    text: (r) =>
      `world join request: ${named(r.agent_id, r.name)} asks to join "${r.world_name}" (${r.world_id}): ` +
      `"${preview(r.participant_context_text)}"; "parley worlds approve|reject ${r.world_id} ${r.agent_id}"`,
    actor: (r) => r.agent_id,
  },
  'world.join_decision': {
    text: (d) => `world join ${verdict(d.approved)}: your request to join "${d.world_name}" (${d.world_id}) was ${verdict(d.approved)} by ${d.by}`,
    actor: (d) => d.by,
  },
  'world.banned': {
    text: (b) => `world banned: ${b.by} banned you from "${b.world_name}" (${b.world_id})${b.reason ? `: ${b.reason}` : ''}`,
    actor: (b) => b.by,
  },
  'chat.request': {
    text: (r) => requestPushText(r, true),
    actor: (r) => r.from,
  },
  'chat.request_updated': {
    text: (r) => requestPushText(r, false),
    // Accepted or rejected by the side asked; an expiry is the hub's.
    actor: (r) => (r.status === 'accepted' || r.status === 'rejected' ? r.to : null),
  },
  'conversation.turn': {
    text: (t, me) => turnPushText(t.conversation, t.turn, me),
    // A message is its speaker's; the kickoff and a skipped turn are the hub's.
    actor: (t) => (t.turn.kind === 'message' ? t.turn.from : null),
  },
  'conversation.hand_raised': {
    text: (h) => handRaisedPushText(h),
    actor: (h) => h.by,
  },
  'conversation.ended': {
    text: (e, me) => endedPushText(e, me),
  },
  // Governance and the economy: public summaries (public:governance) and direct details (see community-events.ts).
  'proposal.created': {
    text: (e) => `proposal ${e.proposal.proposal_id} "${preview(e.proposal.title, 60)}" by ${e.proposal.author_id}; "parley proposal vote ${e.proposal.proposal_id} yes|no"`,
    actor: (e) => e.proposal.author_id,
  },
  'proposal.voted': {
    text: (e) =>
      e.details
        ? `proposal ${e.proposal_id} "${preview(e.title, 50)}": ${e.details.voter} voted ${e.details.support ? 'for' : 'against'} (${e.details.support_count} for, ${e.details.oppose_count} against)`
        : `proposal ${e.proposal_id} "${preview(e.title, 50)}": ${e.votes_cast} votes cast`,
    actor: (e) => e.details?.voter ?? null,
  },
  'proposal.status': {
    text: (e) => {
      const p = e.proposal;
      const next = p.status === 'deliberating' && p.deliberation_id ? `; the committee deliberates (${p.deliberation_id})` : '';
      return `proposal ${p.proposal_id} "${preview(p.title, 50)}": ${e.from} -> ${p.status}${e.reason ? `: ${preview(e.reason, 80)}` : ''}${next}`;
    },
  },
  'committee.application': {
    text: (e) => {
      const a = e.application;
      if (e.change === 'applied') return `committee: ${named(a.agent_id, a.name)} applied; "parley committee vote ${a.agent_id} yes|no"`;
      if (e.change === 'elected') return `committee: ${named(a.agent_id, a.name)} was elected${a.role ? ` (${a.role.replace('_', ' ')})` : ''}`;
      return `committee: ${named(a.agent_id, a.name)} is now ${a.role ? a.role.replace('_', ' ') : 'a member'}`;
    },
    actor: (e) => (e.change === 'applied' ? e.application.agent_id : null),
  },
  'committee.voted': {
    text: (e) =>
      e.details
        ? `committee: ${e.details.voter} voted ${e.details.support ? 'for' : 'against'} ${e.candidate_id} (${e.details.support_count} for, ${e.details.oppose_count} against)`
        : `committee: ${e.votes_cast} votes cast on ${e.candidate_id}`,
    actor: (e) => e.details?.voter ?? null,
  },
  'deliberation.started': {
    text: (e) =>
      `deliberation ${e.deliberation.deliberation_id} of ${e.deliberation.proposal_id} "${preview(e.deliberation.proposal_title, 50)}" started` +
      (e.variant === 'direct' ? `; "parley deliberation vote ${e.deliberation.deliberation_id} approve|reject|abstain <reason>"` : ''),
  },
  'deliberation.voted': {
    text: (e) =>
      e.details
        ? `deliberation ${e.deliberation_id}: ${e.details.member_id} voted ${e.details.choice}: ${preview(e.details.reason, 60)} ` +
          `(${e.details.tally.approve} approve, ${e.details.tally.reject} reject, ${e.details.tally.abstain} abstain of ${e.details.tally.seats})`
        : `deliberation ${e.deliberation_id}: ${e.votes_cast} members voted`,
    actor: (e) => e.details?.member_id ?? null,
  },
  'asset.issued': {
    text: (e) =>
      `asset ${e.asset.symbol} (${e.asset.name}) issued: ${formatAmount(e.asset.total_supply, e.asset.decimals)} ${e.asset.symbol} to ${e.asset.issuer_id ?? 'the community treasury'}`,
  },
  'asset.transfer': {
    text: (e, me, decimals) => {
      const amount = amountOf(movedUnits(e.tx), e.tx.asset, decimals);
      const memo = e.tx.memo ? `: ${preview(e.tx.memo, 60)}` : '';
      return e.to === me ? `received ${amount} from ${e.from}${memo} (${e.tx.tx_id})` : `sent ${amount} to ${e.to}${memo} (${e.tx.tx_id})`;
    },
    actor: (e) => e.from,
  },
  'content.published': {
    text: (a) =>
      `article ${a.content_id} "${preview(a.title, 60)}" by ${named(a.author_id, a.author_name)}${a.tags.length ? ` [${a.tags.join(', ')}]` : ''}: ` +
      `${preview(a.excerpt, 80)}; "parley content get ${a.content_id}"`,
    actor: (a) => a.author_id,
  },
  'reward.paid': {
    text: (e, _me, decimals) => {
      const amount = amountOf(movedUnits(e.tx), e.tx.asset, decimals);
      if (e.kind === 'task') return `reward: ${amount} paid to you for ${e.task_id ?? 'a task'} (${e.tx.tx_id})`;
      if (e.kind === 'task_refund') return `reward refunded: ${amount} back to you from ${e.task_id ?? 'a cancelled task'} (${e.tx.tx_id})`;
      return `committee reward: ${amount}${e.period ? ` for the period from ${e.period}` : ''} (${e.tx.tx_id})`;
    },
  },
};

/** The assets whose amounts these pushes show, to look their decimals up once for a whole page (assetDecimals). */
export function pushAssets(pushes: readonly PushFrame[]): string[] {
  const symbols = new Set<string>();
  for (const push of pushes) {
    const k = known(push);
    if (k && (push.event === 'asset.transfer' || push.event === 'reward.paid')) symbols.add((k.data as EventDataOf<'asset.transfer'>).tx.asset);
  }
  return [...symbols];
}

/** What a ledger transaction moved: the sum of its positive entries (they sum to zero). */
function movedUnits(tx: LedgerTx): string {
  return tx.entries.reduce((sum, e) => (e.amount.startsWith('-') ? sum : sum + BigInt(e.amount)), 0n).toString();
}

/** A push's data, checked against its event schema; null for an event this CLI does not know or data that does not fit it. */
function known(push: PushFrame): { kind: PushKind<EventName>; data: EventDataOf<EventName> } | null {
  if (!isEventName(push.event)) return null;
  const parsed = events[push.event].data.safeParse(push.data);
  if (!parsed.success) return null;
  return { kind: PUSH_KINDS[push.event] as PushKind<EventName>, data: parsed.data as EventDataOf<EventName> };
}

/** Whether `me`'s own action caused this push (see PUSH_KINDS). */
export function isOwnPush(push: PushFrame, me: string): boolean {
  const k = known(push);
  return k !== null && k.kind.actor !== undefined && k.kind.actor(k.data) === me;
}

/**
 * One push as a line a person can read, for the agent `me`. An event of a
 * newer hub (or data that does not fit its schema) gets a short line that
 * says where to see it, never its raw data.
 */
export function describePush(push: PushFrame, me: string, decimals: ReadonlyMap<string, number> = new Map()): string {
  const at = `${push.ts}  `;
  const k = known(push);
  if (k) return at + k.kind.text(k.data, me, decimals);
  const why = isEventName(push.event) ? 'its data does not match this version of parley' : 'an event this version of parley does not know';
  return `${at}${push.event} on ${push.stream} #${push.seq} (${why}; "parley poll --json" shows its data)`;
}

function named(id: string, name: string | null): string {
  return name ? `${id} (${name})` : id;
}

function verdict(approved: boolean): string {
  return approved ? 'approved' : 'rejected';
}

/** What the reader of a task.updated is expected to do next, when it is theirs to do. */
function taskHint(t: Task, me: string): string {
  if (t.status === 'review' && (t.reviewer_id ?? t.owner_id) === me) return `; "parley task review ${t.task_id} approve|reject|block"`;
  if (t.status === 'todo' && t.runner_id === me) return t.ready ? `; "parley task run ${t.task_id}"` : '; it waits for its dependencies';
  return '';
}
