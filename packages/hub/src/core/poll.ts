import type { PollQuery } from '@parley/protocol';
import type { StoredPush, Streams } from './streams.js';

/**
 * HTTP long-poll: pushes after the given cursors across every stream the agent
 * may read. Streams not named start at the agent's server-side read cursor.
 * Returns the `PollResponse` body as JSON text: each push frame is already
 * serialised once by the stream store, so it is spliced in, not re-encoded.
 */
export async function pollPushes(
  streams: Streams,
  agentId: string,
  q: PollQuery,
  epoch: string,
  signal: AbortSignal,
): Promise<string> {
  const readable = new Set(await streams.access.readable(agentId));
  const gaps: string[] = [];
  const starts = new Map<string, number>();
  for (const [stream, cursor] of Object.entries(q.cursors)) {
    if (!readable.has(stream)) {
      gaps.push(stream);
      continue;
    }
    const { head, prunedThrough } = await streams.info(stream);
    if (cursor < prunedThrough || cursor > head) gaps.push(stream);
    starts.set(stream, Math.min(cursor, head));
  }
  for (const stream of readable) {
    if (!starts.has(stream)) starts.set(stream, await streams.getReadCursor(agentId, stream));
  }

  const collect = async (): Promise<StoredPush[]> => {
    const all: StoredPush[] = [];
    for (const [stream, after] of starts) all.push(...(await streams.read(stream, after, q.limit)));
    // Within a stream ts never decreases with seq, so a stable sort keeps every
    // stream's pushes a gap-free prefix when the page is cut at `limit`.
    all.sort((a, b) => a.ts - b.ts || (a.stream < b.stream ? -1 : a.stream > b.stream ? 1 : a.seq - b.seq));
    return all.slice(0, q.limit);
  };

  let pushes: StoredPush[] = [];
  if (q.wait > 0 && !signal.aborted) {
    // Subscribe before the first read so a push landing in between still wakes us.
    const local = new AbortController();
    const onAbort = () => local.abort();
    signal.addEventListener('abort', onAbort);
    const woke = streams.waitForPush(agentId, q.wait * 1000, local.signal);
    pushes = await collect();
    if (pushes.length === 0) {
      await woke;
      if (!signal.aborted) pushes = await collect();
    }
    local.abort();
    signal.removeEventListener('abort', onAbort);
  } else {
    pushes = await collect();
  }
  return `{"epoch":${JSON.stringify(epoch)},"pushes":[${pushes.map((p) => p.frame).join(',')}],"gaps":${JSON.stringify(gaps)}}`;
}
