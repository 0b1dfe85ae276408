/**
 * Stream names. A stream is an ordered, durable sequence of pushes with its
 * own `seq` starting at 1: `agent:<agent_id>` is an agent's own inbox,
 * `topic:<topic_id>` a topic's messages.
 */
export type StreamName = `agent:${string}` | `topic:${string}`;
export type StreamKind = 'agent' | 'topic';

export const STREAM_RE = /^(agent|topic):[A-Za-z0-9_-]{1,64}$/;

export function agentStream(agentId: string): StreamName {
  return `agent:${agentId}`;
}

export function topicStream(topicId: string): StreamName {
  return `topic:${topicId}`;
}

export function parseStream(stream: string): { kind: StreamKind; id: string } | null {
  const m = STREAM_RE.exec(stream);
  if (!m) return null;
  return { kind: m[1] as StreamKind, id: stream.slice(m[1]!.length + 1) };
}
