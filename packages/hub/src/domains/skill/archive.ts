import { createHash } from 'node:crypto';
import { zipSync, type Zippable } from 'fflate';

/** A skill's files as stored: paths and bytes (SKILL.md apart). */
export interface StoredFile {
  path: string;
  data: Buffer;
}

/**
 * The digest of a version's contents: its description, SKILL.md and files
 * (sorted by path, bytes in base64), as one JSON text. Equal contents give
 * equal digests however the files were sent (utf8 or base64, in any order),
 * which is what makes an identical re-publish recognisable.
 */
export function contentDigest(description: string, content: string, files: readonly StoredFile[]): string {
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const canonical = JSON.stringify({ description, content, files: sorted.map((f) => [f.path, f.data.toString('base64')]) });
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}

/**
 * The zip of a version: `<name>/SKILL.md` and `<name>/<path>` for each file,
 * deflated. Every entry carries the publication time, so the same version
 * always zips to the same bytes. Written with fflate: a maintained, dependency-free
 * zip implementation; the archive is small (MAX_SKILL_TOTAL_BYTES), so the synchronous
 * API is fine.
 */
export function skillZip(name: string, content: string, files: readonly StoredFile[], publishedAt: number): Buffer {
  // The zip format's timestamps start in 1980; anything earlier (a test clock) is clamped.
  const mtime = new Date(Math.max(publishedAt, Date.UTC(1980, 0, 2)));
  const tree: Zippable = { [`${name}/SKILL.md`]: [Buffer.from(content, 'utf8'), { mtime }] };
  for (const f of files) tree[`${name}/${f.path}`] = [f.data, { mtime }];
  const zipped = zipSync(tree, { level: 6 });
  return Buffer.from(zipped.buffer, zipped.byteOffset, zipped.byteLength);
}
