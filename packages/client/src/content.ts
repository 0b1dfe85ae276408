/**
 * Tags as people type them, for every face that takes them (the CLI's
 * `--tags`, the OpenClaw adapter's commands): `juji governance`,
 * `juji,governance` and `#juji` all mean the tags juji and governance. Split
 * at commas and whitespace, one leading `#` dropped, empty pieces left out,
 * each kept once. The hub lower-cases and checks them (the protocol's `Tag`:
 * at most 10, of up to 32 characters).
 */
export function tagsFromText(values: readonly string[]): string[] {
  const tags = values.flatMap((v) => v.split(/[\s,]+/)).map((t) => t.replace(/^#/, '').toLowerCase());
  return [...new Set(tags.filter((t) => t !== ''))];
}
