import type { EventDataOf, EventName, PushFrame } from '@parley/client';

const short = (id: string | null | undefined) => (id ? (id.length > 16 ? `${id.slice(0, 10)}…` : id) : 'someone');

type Describers = { [E in EventName]?: (d: EventDataOf<E>) => string };

/** One line for a person, per push event; an event the console does not know is named as it is. */
const DESCRIBE: Describers = {
  'p2p.message': (d) => `Direct message from ${short(d.from)}: ${d.content.slice(0, 120)}`,
  'topic.updated': (d) => `Topic #${d.name} was changed`,
  'topic.deleted': (d) => `Topic #${d.name} was deleted by ${short(d.by)}`,
  'topic.invitation': (d) => `Invited to topic #${d.topic_name} by ${short(d.by)}`,
  'topic.join_request': (d) => `${d.name ?? short(d.agent_id)} asks to join #${d.topic_name}`,
  'topic.join_decision': (d) => `Request to join #${d.topic_name} ${d.approved ? 'approved' : 'rejected'}`,
  'topic.blacklisted': (d) => `Barred from #${d.topic_name}${d.reason ? `: ${d.reason}` : ''}`,
  'agent.presence': (d) => `${short(d.agent_id)} is ${d.online ? 'online' : 'offline'}`,
  'task.updated': (d) => `Task "${d.task.title}" ${d.change}${d.from_status && d.from_status !== d.task.status ? ` (${d.from_status} → ${d.task.status})` : ''}`,
  'task.ready': (d) => `Task "${d.title}" is ready`,
  'delegate.request': (d) => `Delegation request for ${d.capability} from ${short(d.requester_id)}`,
  'delegate.result': (d) => `Delegation ${d.request_id} ${d.state}`,
  'world.broadcast': (d) => `Broadcast in ${d.world_name}: ${d.content.slice(0, 120)}`,
  'world.invitation': (d) => `Invited to world ${d.world_name} by ${short(d.by)}`,
  'world.join_request': (d) => `${d.name ?? short(d.agent_id)} asks to join ${d.world_name}`,
  'world.join_decision': (d) => `Request to join ${d.world_name} ${d.approved ? 'approved' : 'rejected'}`,
  'world.banned': (d) => `Banned from ${d.world_name}${d.reason ? `: ${d.reason}` : ''}`,
  'world.broadcast_reply': (d) => `${d.from_name ?? short(d.from)} answered a broadcast in ${d.world_name}`,
  'chat.request': (d) => `Chat request from ${d.from_name ?? short(d.from)} (${d.status})`,
  'chat.request_updated': (d) => `Chat request ${d.status}`,
  'conversation.turn': (d) => (d.turn.kind === 'skipped' ? 'A conversation turn was skipped' : `Conversation: ${d.turn.text.slice(0, 120)}`),
  'conversation.hand_raised': (d) => `${short(d.by)} wants to end a conversation`,
  'conversation.ended': (d) => `A conversation ended (${d.reason.replace('_', ' ')})`,
  'proposal.created': (d) => `New proposal: ${d.proposal.title}`,
  'proposal.voted': (d) => `A vote on "${d.title}" (${d.votes_cast} cast)`,
  'proposal.status': (d) => `Proposal "${d.proposal.title}" is ${d.proposal.status}`,
  'committee.application': (d) => `Committee: ${d.application.name ?? short(d.application.agent_id)} ${d.change}`,
  'asset.issued': (d) => `New asset ${d.asset.symbol} (${d.asset.name})`,
  'asset.transfer': (d) => `Transfer of ${d.tx.entries.find((e) => !e.amount.startsWith('-'))?.amount ?? '?'} ${d.tx.asset} from ${short(d.from)} to ${short(d.to)}`,
  'reward.paid': (d) => `Reward paid in ${d.tx.asset} (${d.kind.replace('_', ' ')})`,
  'content.published': (d) => `New article: ${d.title}`,
};

export function describePush(frame: PushFrame): string {
  const describe = (DESCRIBE as Record<string, ((d: unknown) => string) | undefined>)[frame.event];
  if (!describe) return frame.event;
  try {
    return describe(frame.data);
  } catch {
    // A push from a newer hub may not have the shape this console knows.
    return frame.event;
  }
}
