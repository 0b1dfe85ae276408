/**
 * JSON from the wire, bounded in nesting depth.
 *
 * `JSON.parse` itself copes with any depth, but nearly everything after it
 * recurses: zod, the handlers, `JSON.stringify` when a value is stored or
 * echoed. About 4,000 levels overflow the stack there, and the caller gets
 * `internal`. So over-deep input is refused here, at the edge, before any of
 * that runs.
 *
 * The check is one pass over the text with a counter: no recursion, constant
 * memory, and it stops at the first bracket past the limit, so it can neither
 * overflow nor take longer than reading the text once.
 */

/** True when `text` nests objects and arrays more than `maxDepth` levels deep (`{}` is one level). */
export function jsonTooDeep(text: string, maxDepth: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > maxDepth) return true;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth--;
  }
  return false;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

export const tooDeepMessage = (maxDepth: number) => `JSON is nested deeper than ${maxDepth} levels`;

export type ParsedJson = { ok: true; value: unknown } | { ok: false; error: string; /** The parsed value when it was valid JSON but too deep (to find its u_id). */ value?: unknown };

/**
 * Parses a frame or body. Over-deep JSON is still parsed (safely: `JSON.parse`
 * does not recurse) so that a request's `u_id` can be answered, but the value
 * must go no further than that.
 */
export function parseJson(text: string, maxDepth: number): ParsedJson {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, error: 'frame is not JSON' };
  }
  if (jsonTooDeep(text, maxDepth)) return { ok: false, error: tooDeepMessage(maxDepth), value };
  return { ok: true, value };
}
