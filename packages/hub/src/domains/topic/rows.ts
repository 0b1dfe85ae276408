import type { MemberRole, Topic, TopicMessage } from '@parley/protocol';
import { iso } from '../../core/ids.js';
import type { TopicMessagesTable, TopicsTable } from '../../store/schema.js';

/** Row -> wire shapes of the topic domain. */

export function toTopic(r: TopicsTable, memberCount: number, role: MemberRole | null): Topic {
  return {
    topic_id: r.topic_id,
    name: r.name,
    description: r.description,
    type: r.type as Topic['type'],
    visibility: r.visibility as Topic['visibility'],
    join_method: r.join_method as Topic['join_method'],
    owner_id: r.owner_id,
    member_count: memberCount,
    created_at: iso(Number(r.created_at)),
    role,
  };
}

export function toMessage(r: TopicMessagesTable): TopicMessage {
  return {
    message_id: r.message_id,
    topic_id: r.topic_id,
    seq: Number(r.seq),
    from: r.from_id,
    content: r.content,
    content_type: r.content_type as TopicMessage['content_type'],
    semantic_type: r.semantic_type,
    reply_to: r.reply_to,
    title: r.title,
    blocks: r.blocks === null ? null : (JSON.parse(r.blocks) as string[]),
    via: r.via,
    sent_at: iso(Number(r.sent_at)),
  };
}
