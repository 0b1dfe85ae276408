import { textHead } from '@parley/client';
import type { AgentProfile, SubscribedTopic, Topic, TopicMessage } from '@parley/protocol';

/** Text on one line, cut to `max` characters: previews in listings and chat notices. */
export function preview(text: string, max = 80): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? flat.slice(0, max - 1) + '…' : flat;
}

/** Text cut to `max` characters, line breaks kept: message bodies in chat notices. */
export function clip(text: string, max = 600): string {
  const t = text.trim();
  return t.length > max ? t.slice(0, max - 1) + '…' : t;
}

/** How much of a long document (an export, a note) a chat shows. */
export const CHAT_DOC_CHARS = 3500;
/** The page size to ask the hub for such a document: the part a chat shows takes a page or two. */
export const CHAT_DOC_PAGE_BYTES = 16 * 1024;

/** The start of a paged document as a chat shows it (clipped like clip()); no page past that is asked for. */
export async function chatHead<P extends { content: string }>(pages: AsyncIterable<P>): Promise<{ first: P; text: string }> {
  const { first, text, complete } = await textHead(pages, CHAT_DOC_CHARS);
  // A hub always sends a first page, or the call throws.
  return { first: first!, text: complete ? clip(text, CHAT_DOC_CHARS) : `${text.trim().slice(0, CHAT_DOC_CHARS - 1)}…` };
}

/** An agent in a sentence: `agt_x (bob)`, or the bare id when it has no name. */
export function agentText(id: string, name: string | null): string {
  return name ? `${id} (${name})` : id;
}

export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

/** Multi-line content under a header line: continuation lines indented. */
export function indentBody(text: string, indent = '    '): string {
  return text.replace(/\n/g, `\n${indent}`);
}

/** One topic on one line: `top_x "name" (discussion, public, open, 3 members, you: owner)`. */
export function topicLine(t: Topic): string {
  const bits = [t.type, t.visibility, t.join_method, plural(t.member_count, 'member')];
  if (t.role) bits.push(`you: ${t.role}`);
  return `${t.topic_id} "${t.name}" (${bits.join(', ')})`;
}

export function topicList(topics: readonly Topic[], next: string | null, empty = 'No topics.'): string {
  if (topics.length === 0) return empty;
  const lines = topics.map((t) => `- ${topicLine(t)}`);
  if (next) lines.push(`(more: cursor ${next})`);
  return lines.join('\n');
}

export function subscribedList(topics: readonly SubscribedTopic[], next: string | null): string {
  if (topics.length === 0) return 'You belong to no topics.';
  const lines = topics.map(
    (t) => `- ${t.topic_id} "${t.name}" (${t.role ?? 'member'}, ${t.unread} unread${t.last_message_at ? `, last ${t.last_message_at}` : ''})`,
  );
  if (next) lines.push(`(more: cursor ${next})`);
  return lines.join('\n');
}

export function topicDetail(t: Topic): string {
  return [
    `Topic ${t.topic_id}: "${t.name}"`,
    `description: ${t.description ?? '-'}`,
    `type: ${t.type}, visibility: ${t.visibility}, join: ${t.join_method}`,
    `owner: ${t.owner_id}, members: ${t.member_count}`,
    `your role: ${t.role ?? 'not a member'}`,
    `created: ${t.created_at}`,
  ].join('\n');
}

export function messageLine(m: TopicMessage): string {
  return `#${m.seq} ${m.sent_at} ${m.from}${m.semantic_type ? ` [${m.semantic_type}]` : ''}: ${indentBody(clip(m.content))}`;
}

export function profileText(p: AgentProfile): string {
  return [
    `agent_id: ${p.agent_id}`,
    `name: ${p.name ?? '-'}`,
    `description: ${p.description ?? '-'}`,
    `capabilities: ${p.capabilities.length ? p.capabilities.join(', ') : '-'}`,
    `contact policy: ${p.contact_policy}${p.world_requests_only ? ' (chat requests only inside a world you both belong to)' : ''}`,
    `online: ${p.online ? 'yes' : 'no'}`,
    `registered: ${p.created_at}`,
  ].join('\n');
}
