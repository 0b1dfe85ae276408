import { MAX_PAGE_BYTES, type PollQuery } from '@parley/protocol';
import type { PushSize, StoredPush, Streams } from './streams.js';

/** Sizes read per stream at a time while merging. */
const SIZE_CHUNK = 64;

/**
 * The oldest pushes after `starts` (stream -> cursor) across those streams:
 * at most `limit` and about `maxBytes` of them (always at least one), merged
 * by time, ties by stream name. Each stream contributes a gap-free prefix of
 * what follows its cursor, so moving the cursor to its last push taken skips
 * nothing; `more` says something was left.
 *
 * Bounded in memory whatever the number of streams and the size of the
 * pushes: the merge runs over sizes read a chunk per stream at a time
 * (Streams.sizes, no push text), and only the pushes chosen are read. Shared
 * by GET /v1/poll and inbox/poll.
 */
export async function readAcross(
  streams: Streams,
  starts: Iterable<readonly [string, number]>,
  limit: number,
  maxBytes: number,
): Promise<{ pushes: StoredPush[]; more: boolean }> {
  type Run = { stream: string; start: number; next: number; buf: PushSize[]; i: number; exhausted: boolean; taken: number; last: number };
  const runs: Run[] = [];
  const fill = async (r: Run) => {
    r.buf = await streams.sizes(r.stream, r.next, SIZE_CHUNK);
    r.i = 0;
    r.exhausted = r.buf.length < SIZE_CHUNK;
    if (r.buf.length > 0) r.next = r.buf[r.buf.length - 1]!.seq;
  };
  for (const [stream, after] of starts) {
    const r: Run = { stream, start: after, next: after, buf: [], i: 0, exhausted: false, taken: 0, last: after };
    await fill(r);
    runs.push(r);
  }
  const order: Run[] = [];
  let bytes = 0;
  let more = false;
  for (;;) {
    let best: Run | undefined;
    for (const r of runs) {
      const head = r.buf[r.i];
      if (!head) continue;
      const b = best?.buf[best.i];
      if (!b || head.ts < b.ts || (head.ts === b.ts && r.stream < best!.stream)) best = r;
    }
    if (!best) break;
    const head = best.buf[best.i]!;
    if (order.length === limit || (order.length > 0 && bytes + head.bytes > maxBytes)) {
      more = true;
      break;
    }
    order.push(best);
    bytes += head.bytes;
    best.taken++;
    best.last = head.seq;
    if (++best.i === best.buf.length && !best.exhausted) await fill(best);
  }
  // Read what was chosen, stream by stream, and lay it out in the merged order.
  const chosen = new Map<Run, StoredPush[]>();
  for (const r of runs) if (r.taken > 0) chosen.set(r, await streams.read(r.stream, r.start, r.taken, r.last));
  const pushes: StoredPush[] = [];
  for (const r of order) {
    const push = chosen.get(r)!.shift();
    // Gone since the sizes were read (pruned): left out; the cursor still moves past it.
    if (push) pushes.push(push);
  }
  return { pushes, more };
}

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

  const collect = async (): Promise<StoredPush[]> => (await readAcross(streams, starts, q.limit, MAX_PAGE_BYTES)).pushes;

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
