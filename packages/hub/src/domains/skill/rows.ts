import { isPrerelease, type SkillFileInfo, type SkillSummary, type SkillVersion, type SkillVersionInfo } from '@parley/protocol';
import { iso } from '../../core/ids.js';
import type { SkillsTable, SkillVersionsTable } from '../../store/schema.js';
import type { StoredFile } from './archive.js';

/** Row -> wire shapes of the skill registry. */

export function toSummary(r: SkillsTable): SkillSummary {
  return {
    name: r.name,
    publisher_id: r.publisher_id,
    latest_version: r.latest_version,
    description: r.description,
    versions: Number(r.versions),
    created_at: iso(Number(r.created_at)),
    updated_at: iso(Number(r.updated_at)),
  };
}

/** What the files column holds. */
interface FileJson {
  path: string;
  data: string;
}

export function encodeFiles(files: readonly StoredFile[]): string {
  return JSON.stringify(files.map((f): FileJson => ({ path: f.path, data: f.data.toString('base64') })));
}

export function decodeFiles(text: string): StoredFile[] {
  return (JSON.parse(text) as FileJson[]).map((f) => ({ path: f.path, data: Buffer.from(f.data, 'base64') }));
}

/** A version without its SKILL.md and file bytes: what lists read. */
export type VersionHead = Omit<SkillVersionsTable, 'content' | 'files'>;

export function fileList(files: readonly StoredFile[]): string {
  return JSON.stringify(files.map((f): SkillFileInfo => ({ path: f.path, bytes: f.data.length })));
}

export function toVersionInfo(r: VersionHead): SkillVersionInfo {
  return {
    name: r.name,
    version: r.version,
    publisher_id: r.publisher_id,
    description: r.description,
    prerelease: isPrerelease(r.version),
    files: JSON.parse(r.file_list) as SkillFileInfo[],
    bytes: Number(r.bytes),
    sha256: r.sha256,
    published_at: iso(Number(r.published_at)),
  };
}

export function toVersion(r: SkillVersionsTable): SkillVersion {
  return { ...toVersionInfo(r), content: r.content };
}
