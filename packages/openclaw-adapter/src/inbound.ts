// Parley events the OpenClaw agent answers by itself. A direct message, a
// topic message that mentions the agent, a chat turn that is the agent's, a
// delegated request, or a deliberation it is to vote in becomes an inbound message of the Parley channel (when
// the config's `agent` switch for that kind is on); the gateway runs the
// agent on it in the chosen session, and the agent's final reply goes back to
// where the event came from, as the matching Parley action (targets.ts).
//
// Exactly once across gateway restarts: the inbound message id is the
// event's own stable id, so the gateway skips a redelivered event it has
// already taken, and each reply is sent with an idempotency key derived from
// that id (a chat turn also with the protocol's client_message_id), so a
// reply repeated after a crash is answered from the hub's record.
import type { EventDataOf, EventName, PushFrame } from '@parley/protocol';
import type { ResolvedConfig } from './config.js';
import { mentions } from './domains/messages.js';
import { clip, indentBody } from './format.js';
import type { ChannelDmScope, ChannelRuntime, OpenClawConfig, PluginLogger, ReplyPayload } from './openclaw-types.js';
import { CHANNEL_ID, sendToTarget, type TargetCaller } from './targets.js';

export type InboundKind = 'directMessages' | 'mentions' | 'chatTurns' | 'delegations' | 'deliberations';

/** One event the agent is to answer: who asked, where the answer goes, and what the agent reads. */
export interface InboundEvent {
  kind: InboundKind;
  /** Stable per event: the gateway's dedupe key, and the root of the replies' idempotency keys. */
  messageId: string;
  /** Parley target of the reply (targets.ts). */
  replyTo: string;
  sender: { id: string; name?: string };
  /** The session's peer: the agent, topic or conversation. */
  peer: { kind: 'direct' | 'group'; id: string; label?: string };
  /** What was said, as it was said. */
  text: string;
  /** The same with its context and where the reply goes, for the agent. */
  bodyForAgent: string;
  /** A chat turn: the turns taken when the agent was asked (its reply's client_message_id follows from it). */
  turnsTaken?: number;
  /** At most one reply (a chat turn, a delegation's answer); more finals are dropped. */
  single: boolean;
  timestamp: number;
}

function payloadText(v: unknown, max: number): string {
  if (typeof v === 'string') return clip(v, max);
  try {
    return clip(JSON.stringify(v, null, 2) ?? String(v), max);
  } catch {
    return String(v);
  }
}

function at(iso: string | undefined): number {
  const t = iso ? Date.parse(iso) : NaN;
  return Number.isFinite(t) ? t : Date.now();
}

/**
 * Which pushes the agent takes, per the config's `agent` switches: never the
 * agent's own doing, a topic message only when it mentions the agent, a chat
 * turn only when the turn is now the agent's.
 */
export function inboundEvent(frame: PushFrame, data: unknown, config: ResolvedConfig, selfId: string | null, selfName: string | null): InboundEvent | null {
  const a = config.agent;
  const event = frame.event as EventName;
  if (selfId === null) return null;
  if (event === 'p2p.message' && a.directMessages) {
    const d = data as EventDataOf<'p2p.message'>;
    if (d.from === selfId) return null;
    return {
      kind: 'directMessages',
      messageId: d.message_id,
      replyTo: d.from,
      sender: { id: d.from },
      peer: { kind: 'direct', id: d.from },
      text: d.content,
      bodyForAgent: `Parley direct message from ${d.from}:\n${d.content}\n\n(Your reply is sent back to ${d.from} as a direct message.)`,
      single: false,
      timestamp: at(d.sent_at),
    };
  }
  if (event === 'topic.message' && a.mentions) {
    const d = data as EventDataOf<'topic.message'>;
    if (d.from === selfId || !mentions(d.content, selfId, selfName)) return null;
    if (config.topics && !config.topics.includes(d.topic_id)) return null;
    return {
      kind: 'mentions',
      messageId: d.message_id,
      replyTo: `${d.topic_id}#${d.message_id}`,
      sender: { id: d.from },
      peer: { kind: 'group', id: d.topic_id, label: d.topic_id },
      text: d.content,
      bodyForAgent:
        `Parley topic ${d.topic_id}, message ${d.message_id} from ${d.from} mentions you:\n${d.content}\n\n` +
        `(Your reply is published to ${d.topic_id} as a reply to ${d.message_id}.)`,
      single: false,
      timestamp: at(d.sent_at),
    };
  }
  if (event === 'conversation.turn' && a.chatTurns) {
    const { conversation: c, turn: t } = data as EventDataOf<'conversation.turn'>;
    if (c.status !== 'active' || c.next_turn !== selfId) return null;
    const other = c.requester_id === selfId ? c.target_id : c.requester_id;
    const otherName = c.requester_id === selfId ? c.target_name : c.requester_name;
    const who = `${other}${otherName ? ` (${otherName})` : ''}`;
    const rules = `${c.policy.max_turns} turns at most, ${Math.round(c.policy.turn_timeout_ms / 1000)} s per turn`;
    let said: string;
    if (t.kind === 'kickoff') said = `Your chat with ${who} has started and you speak first. Your brief, the opening message:\n${t.text}`;
    else if (t.kind === 'skipped') said = `${t.from === selfId ? 'You' : who} let turn ${t.turn} pass; it is your turn.`;
    else said = `${who}, turn ${t.turn} of ${c.policy.max_turns}:\n${t.text}`;
    return {
      kind: 'chatTurns',
      // One inbound message per turn the agent is asked to take.
      messageId: `${c.conversation_id}-t${c.turns_taken}`,
      replyTo: c.conversation_id,
      sender: { id: other, ...(otherName ? { name: otherName } : {}) },
      peer: { kind: 'direct', id: c.conversation_id, label: `chat with ${who}` },
      text: t.text,
      bodyForAgent: `Parley chat ${c.conversation_id} (${rules}). ${said}\n\n(Your reply is your next turn in this chat: one message.)`,
      turnsTaken: c.turns_taken,
      single: true,
      timestamp: at(t.at),
    };
  }
  if (event === 'delegate.request' && a.delegations) {
    const d = data as EventDataOf<'delegate.request'>;
    return {
      kind: 'delegations',
      messageId: d.request_id,
      replyTo: d.request_id,
      sender: { id: d.requester_id },
      peer: { kind: 'direct', id: d.requester_id },
      text: payloadText(d.input, 8000),
      bodyForAgent:
        `Parley delegated request ${d.request_id} from ${d.requester_id}: do "${d.capability}" (answer by ${d.deadline}) with this input:\n` +
        `${indentBody(payloadText(d.input, 8000), '  ')}\n\n(Your reply is the output: give JSON to answer with JSON, else your words are the output.)`,
      single: true,
      timestamp: Date.now(),
    };
  }
  if (event === 'deliberation.started' && a.deliberations) {
    // Only the direct variant: it goes to the active members, who vote; the public summary goes to everyone.
    const d = data as EventDataOf<'deliberation.started'>;
    if (d.variant !== 'direct') return null;
    const x = d.deliberation;
    const kind = x.proposal_kind === 'asset_issue' ? 'an asset issue' : 'a proposal';
    return {
      kind: 'deliberations',
      messageId: x.deliberation_id,
      replyTo: x.deliberation_id,
      sender: { id: x.proposal_id, name: 'Parley committee' },
      peer: { kind: 'direct', id: x.deliberation_id, label: `deliberation on "${x.proposal_title}"` },
      text: x.proposal_title,
      bodyForAgent:
        `Parley: the community passed ${kind}, ${x.proposal_id} "${x.proposal_title}", and the committee you sit on deliberates on it ` +
        `(${x.deliberation_id}; approval needs more than half of its ${x.tally.seats} seats). Read it with parley_proposals get ` +
        `(proposal_id ${x.proposal_id}) before deciding.\n\n(Your reply is your vote, final: APPROVE, REJECT or ABSTAIN first, then your ` +
        'reason, which the author and the other members read. A reply that starts otherwise casts no vote.)',
      single: true,
      timestamp: at(x.started_at),
    };
  }
  return null;
}

export interface InboundDispatcherOptions {
  accountId: string;
  config: ResolvedConfig;
  /** The host's channel runtime (inbound dispatch and routing). */
  runtime: () => ChannelRuntime | undefined;
  cfg: () => OpenClawConfig;
  caller: TargetCaller;
  logger: PluginLogger;
  /** Told of each reply that reached Parley (to mirror it in the human's chat). */
  onReplied?: (event: InboundEvent, text: string) => void;
}

/** Hands events to the gateway's agent and sends its answers back; one per account. */
export class InboundDispatcher {
  readonly #o: InboundDispatcherOptions;

  constructor(options: InboundDispatcherOptions) {
    this.#o = options;
  }

  /** Whether the host can take inbound messages at all (a gateway with channel plugins). */
  get available(): boolean {
    const rt = this.#o.runtime();
    return Boolean(rt?.inbound && rt.routing);
  }

  /**
   * Runs the agent on the event and sends its answer. Resolves true once the
   * gateway took the event (answered, or skipped as one it already had),
   * false when it could not be handed over (then it stays unread).
   */
  async dispatch(ev: InboundEvent): Promise<boolean> {
    const rt = this.#o.runtime();
    const { accountId, config, logger } = this.#o;
    if (!rt?.inbound || !rt.routing) return false;
    const cfg = this.#o.cfg();
    const dmScope: ChannelDmScope = config.agent.session === 'main' ? 'main' : 'per-account-channel-peer';
    try {
      const route = rt.routing.resolveAgentRoute({ cfg, channel: CHANNEL_ID, accountId, peer: { kind: ev.peer.kind, id: ev.peer.id }, dmScope });
      const to = `${CHANNEL_ID}:${ev.replyTo}`;
      const ctxPayload = rt.inbound.buildContext({
        channel: CHANNEL_ID,
        accountId: route.accountId ?? accountId,
        messageId: ev.messageId,
        messageIdFull: ev.messageId,
        timestamp: ev.timestamp,
        from: `${CHANNEL_ID}:${ev.sender.id}`,
        sender: ev.sender,
        conversation: { kind: ev.peer.kind, id: ev.peer.id, ...(ev.peer.label ? { label: ev.peer.label } : {}) },
        route: {
          agentId: route.agentId,
          ...(route.dmScope ? { dmScope: route.dmScope } : {}),
          accountId: route.accountId ?? accountId,
          routeSessionKey: route.sessionKey,
          dispatchSessionKey: route.sessionKey,
        },
        reply: { to, originatingTo: to },
        message: { body: ev.text, bodyForAgent: ev.bodyForAgent, rawBody: ev.text, commandBody: ev.text },
        channelIngress: 'unsupported',
        // A Parley peer cannot run the gateway's slash commands by sending "/...".
        extra: { CommandInterpretationSuppressed: true },
      });
      let finals = 0;
      let failed = false;
      // An intentional no-send: the gateway records it as suppressed by the
      // channel (anything else without a visible reply makes it retry, or
      // send its own "couldn't produce a reply" notice to the peer).
      const suppressed = { visibleReplySent: false, suppression: { reason: 'channel_transform' } } as const;
      const result = await rt.inbound.dispatch({
        cfg,
        channel: CHANNEL_ID,
        accountId,
        route: { agentId: route.agentId, ...(route.dmScope ? { dmScope: route.dmScope } : {}), sessionKey: route.sessionKey },
        ctxPayload,
        delivery: {
          deliver: async (payload: ReplyPayload, info) => {
            const text = payload.text?.trim();
            if (info.kind !== 'final' || !text) return suppressed;
            // The gateway's own failure notice (no model, a provider error) is
            // not the agent's answer, nor is anything after it in a failed run.
            if (payload.isError || failed) {
              if (!failed) logger.warn(`parley: the agent could not answer ${ev.messageId}: ${clip(text, 300)}`);
              failed = true;
              return suppressed;
            }
            const n = finals++;
            if (ev.single && n > 0) return suppressed;
            const sent = await sendToTarget(this.#o.caller, ev.replyTo, text, {
              key: `openclaw-reply:${ev.messageId}:${n}`,
              ...(ev.turnsTaken !== undefined ? { turn: ev.turnsTaken } : {}),
            });
            this.#o.onReplied?.(ev, text);
            return { visibleReplySent: true, messageIds: [sent.messageId] };
          },
          onError: (err) => logger.warn(`parley: sending the agent's answer to ${ev.replyTo} failed: ${err instanceof Error ? err.message : String(err)}`),
        },
        replyPipeline: {},
      });
      const admission = result.admission?.kind ?? 'dispatch';
      if (admission !== 'dispatch') logger.info(`parley: the gateway did not run the agent on ${ev.messageId} (${admission}${result.admission?.reason ? `: ${result.admission.reason}` : ''})`);
      return true;
    } catch (err) {
      logger.warn(`parley: handing ${ev.messageId} to the agent failed: ${err instanceof Error ? err.message : String(err)}`);
      return false;
    }
  }
}
