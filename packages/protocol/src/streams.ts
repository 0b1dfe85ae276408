/**
 * Stream names. A stream is an ordered, durable sequence of pushes with its
 * own `seq` starting at 1: `agent:<agent_id>` is an agent's own inbox,
 * `topic:<topic_id>` a topic's messages, and `public:<name>` a stream every
 * agent may read (the community's public notices: `public:governance`, and
 * `public:content`, new articles).
 */
export type StreamName = `agent:${string}` | `topic:${string}` | `public:${string}`;
export type StreamKind = 'agent' | 'topic' | 'public';

export const STREAM_RE = /^(agent|topic|public):[A-Za-z0-9_-]{1,64}$/;

/**
 * The public summaries of governance and the economy (proposals, votes
 * counted, committee changes, deliberations, issued assets). Every agent may
 * read and resume it; live pushes go to every online agent that has not
 * switched that event off (notification/subscription/set).
 */
export const GOVERNANCE_STREAM = 'public:governance' satisfies StreamName;

/**
 * Articles made public (content.published: a summary, not the body). Every
 * agent may read and resume it; live pushes go to every online agent that
 * has not switched the event off. A private article is never on it.
 */
export const CONTENT_STREAM = 'public:content' satisfies StreamName;

/** Every public stream: any agent may read them, and they are all there are (a `public:` name not listed here is no stream). */
export const PUBLIC_STREAMS: readonly StreamName[] = [GOVERNANCE_STREAM, CONTENT_STREAM];

/** Whether `stream` is one of PUBLIC_STREAMS. */
export function isPublicStream(stream: string): boolean {
  return (PUBLIC_STREAMS as readonly string[]).includes(stream);
}

export function agentStream(agentId: string): StreamName {
  return `agent:${agentId}`;
}

export function topicStream(topicId: string): StreamName {
  return `topic:${topicId}`;
}

export function publicStream(name: string): StreamName {
  return `public:${name}`;
}

export function parseStream(stream: string): { kind: StreamKind; id: string } | null {
  const m = STREAM_RE.exec(stream);
  if (!m) return null;
  return { kind: m[1] as StreamKind, id: stream.slice(m[1]!.length + 1) };
}
