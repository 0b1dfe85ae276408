import {
  compareSemver,
  ErrorCode,
  isPrerelease,
  MAX_PAGE_BYTES,
  semverKey,
  type ParsedParamsOf,
  type ResultOf,
  type SkillDownloadFormat,
  type SkillVersionInfo,
} from '@parley/protocol';
import { sql, type Kysely } from 'kysely';
import type { SkillQuota } from '../../config.js';
import { conflict, forbidden, HubError, notFound } from '../../core/errors.js';
import { encodeCursor, readCursor } from '../../core/ids.js';
import { fitCount } from '../../core/paging.js';
import { respond } from '../../core/unit.js';
import type { Database, SkillsTable, SkillVersionsTable } from '../../store/schema.js';
import type { Sql, Writer } from '../../store/sql.js';
import { contentDigest, skillZip, type StoredFile } from './archive.js';
import { decodeFiles, encodeFiles, fileList, toSummary, toVersion, toVersionInfo } from './rows.js';

/** What a download hands out: the bytes and how to label them (the action and the HTTP route share it). */
export interface SkillFile {
  name: string;
  version: string;
  format: SkillDownloadFormat;
  filename: string;
  mediaType: string;
  data: Buffer;
}

/** Most words of a search; the rest are ignored. */
const MAX_SEARCH_WORDS = 8;

/** `%`, `_` and the escape itself, escaped for LIKE ... ESCAPE '\'. */
const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

function quotaFull(message: string, details: Record<string, unknown>): HubError {
  return new HubError(ErrorCode.Conflict, message, details);
}

/**
 * The skill registry. Publishing is one writer job: the name's publisher
 * check, the immutability check, the quotas, the version row and the name's
 * row move together with the request's dedupe record. Reads are public (any
 * agent, and the HTTP download route without auth).
 *
 * Versions of one name are few (quota maxVersions), so their semver order is
 * computed in memory rather than encoded into a sortable column: precedence
 * has rules (numeric and alphanumeric prerelease identifiers) no text
 * collation follows on both stores.
 */
export class SkillRegistry {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly read: Sql,
    private readonly writer: Writer,
    private readonly quota: SkillQuota,
  ) {}

  async publish(me: string, p: ParsedParamsOf<'skill/publish'>): Promise<ResultOf<'skill/publish'>> {
    const files: StoredFile[] = p.files.map((f) => ({ path: f.path, data: Buffer.from(f.content, f.encoding === 'base64' ? 'base64' : 'utf8') }));
    const bytes = Buffer.byteLength(p.content, 'utf8') + files.reduce((n, f) => n + f.data.length, 0);
    const sha256 = contentDigest(p.description, p.content, files);
    const key = semverKey(p.version);
    const prerelease = isPrerelease(p.version);
    const q = this.quota;
    return this.writer.run(async (tx) => {
      const now = Date.now();
      let skill = await tx.get(this.db.selectFrom('skills').selectAll().where('name', '=', p.name).compile());
      if (skill && skill.publisher_id !== me) throw forbidden(`the skill ${p.name} is published by ${skill.publisher_id}; only that agent publishes its versions`);
      const existing = await tx.get(this.db.selectFrom('skill_versions').selectAll().where('name', '=', p.name).where('version_key', '=', key).compile());
      if (existing) {
        // Immutable: the same version with the same contents is the stored one (a retry); anything else is refused.
        if (existing.version === p.version && existing.sha256 === sha256) return respond(tx, { skill: toVersionInfo(existing), created: false });
        const why =
          existing.version === p.version
            ? `${p.name}@${p.version} is already published with other contents; published versions never change: publish a new version`
            : `${p.name}@${existing.version} is already published, and versions that differ only in build metadata are one version`;
        throw new HubError(ErrorCode.Conflict, why, { version: existing.version, sha256: existing.sha256 });
      }
      if (!skill) {
        const names = await tx.get(
          this.db.selectFrom('skills').select((eb) => eb.fn.countAll<number>().as('n')).where('publisher_id', '=', me).compile(),
        );
        const used = Number(names?.n ?? 0);
        if (used >= q.maxNames) throw quotaFull(`you publish ${used} skills, the most allowed`, { quota: 'names', limit: q.maxNames, used, needed: 1 });
      } else if (Number(skill.versions) >= q.maxVersions) {
        throw quotaFull(`${p.name} has ${skill.versions} versions, the most allowed`, { quota: 'versions', limit: q.maxVersions, used: Number(skill.versions), needed: 1 });
      }
      const stored = await tx.get(
        this.db.selectFrom('skills').select((eb) => eb.fn.sum<number>('bytes').as('n')).where('publisher_id', '=', me).compile(),
      );
      const usedBytes = Number(stored?.n ?? 0);
      if (usedBytes + bytes > q.maxBytes) {
        throw quotaFull(`your skills take ${usedBytes} bytes; this version (${bytes}) would go past ${q.maxBytes}`, {
          quota: 'bytes',
          limit: q.maxBytes,
          used: usedBytes,
          needed: bytes,
        });
      }

      const row: SkillVersionsTable = {
        name: p.name,
        version_key: key,
        version: p.version,
        publisher_id: me,
        description: p.description,
        content: p.content,
        files: encodeFiles(files),
        file_list: fileList(files),
        bytes,
        sha256,
        prerelease: prerelease ? 1 : 0,
        published_at: now,
      };
      if (!skill) {
        // Two first publishes of one name on two hubs: the second insert waits for the first and does nothing; the re-read below decides.
        await tx.run(
          this.db
            .insertInto('skills')
            .values({
              name: p.name,
              publisher_id: me,
              latest_version: null,
              top_version: p.version,
              description: p.description,
              versions: 0,
              bytes: 0,
              created_at: now,
              updated_at: now,
            })
            .onConflict((oc) => oc.column('name').doNothing())
            .compile(),
        );
        skill = await tx.get(this.db.selectFrom('skills').selectAll().where('name', '=', p.name).compile());
        if (!skill || skill.publisher_id !== me) throw forbidden(`the skill ${p.name} was just published by another agent`);
      }
      const inserted = await tx.run(this.db.insertInto('skill_versions').values(row).onConflict((oc) => oc.columns(['name', 'version_key']).doNothing()).compile());
      if (inserted === 0) throw conflict(`${p.name}@${p.version} was just published by another request`);
      await tx.run(this.db.updateTable('skills').set(nextHead(skill, row, now)).where('name', '=', p.name).compile());
      return respond(tx, { skill: toVersionInfo(row), created: true });
    });
  }

  async list(p: ParsedParamsOf<'skill/list'>): Promise<ResultOf<'skill/list'>> {
    let q = this.db.selectFrom('skills').selectAll();
    if (p.publisher) q = q.where('publisher_id', '=', p.publisher);
    if (p.q) {
      const words = [...new Set(p.q.toLowerCase().split(/\s+/).filter(Boolean))].slice(0, MAX_SEARCH_WORDS);
      for (const w of words) {
        const pattern = `%${likeEscape(w)}%`;
        q = q.where(sql<boolean>`(${sql.ref('name')} like ${pattern} escape '\\' or lower(${sql.ref('description')}) like ${pattern} escape '\\')`);
      }
    }
    if (p.cursor) q = q.where('name', '>', readCursor(p.cursor, ['string'])[0]);
    // Summaries are small (a description is at most 1000 characters), so limit + 1 rows are a page and its "more".
    const rows = await this.read.all(q.orderBy('name').limit(p.limit + 1).compile());
    const page = rows.slice(0, p.limit);
    const more = rows.length > p.limit;
    return { skills: page.map(toSummary), next_cursor: more ? encodeCursor([page[page.length - 1]!.name]) : null };
  }

  async get(name: string, version: string | undefined): Promise<ResultOf<'skill/get'>> {
    return toVersion(await this.pick(name, version));
  }

  async versions(p: ParsedParamsOf<'skill/versions'>): Promise<ResultOf<'skill/versions'>> {
    await this.head(p.name);
    const rows = await this.read.all(
      this.db
        .selectFrom('skill_versions')
        // Not the SKILL.md nor the files: a name may have many versions, each up to MAX_SKILL_TOTAL_BYTES.
        .select(['name', 'version_key', 'version', 'publisher_id', 'description', 'file_list', 'bytes', 'sha256', 'prerelease', 'published_at'])
        .where('name', '=', p.name)
        .compile(),
    );
    rows.sort((a, b) => compareSemver(b.version, a.version));
    let from = 0;
    if (p.cursor) {
      const [after] = readCursor(p.cursor, ['string']);
      from = rows.findIndex((r) => compareSemver(r.version, after) < 0);
      if (from < 0) from = rows.length;
    }
    const rest: SkillVersionInfo[] = rows.slice(from, from + p.limit).map(toVersionInfo);
    const page = rest.slice(0, fitCount(rest, MAX_PAGE_BYTES));
    const more = from + page.length < rows.length;
    return { versions: page, next_cursor: more ? encodeCursor([semverKey(page[page.length - 1]!.version)]) : null };
  }

  /** skill/download and the HTTP route: the version's SKILL.md, or its zip. */
  async file(name: string, version: string | undefined, format: SkillDownloadFormat): Promise<SkillFile> {
    const r = await this.pick(name, version);
    if (format === 'raw') return { name, version: r.version, format, filename: 'SKILL.md', mediaType: 'text/markdown; charset=utf-8', data: Buffer.from(r.content, 'utf8') };
    const data = skillZip(name, r.content, decodeFiles(r.files), Number(r.published_at));
    return { name, version: r.version, format, filename: `${name}-${semverKey(r.version)}.zip`, mediaType: 'application/zip', data };
  }

  async download(name: string, version: string | undefined, format: SkillDownloadFormat): Promise<ResultOf<'skill/download'>> {
    const f = await this.file(name, version, format);
    const raw = format === 'raw';
    return {
      name: f.name,
      version: f.version,
      format: f.format,
      filename: f.filename,
      media_type: f.mediaType,
      encoding: raw ? 'utf8' : 'base64',
      content: f.data.toString(raw ? 'utf8' : 'base64'),
      bytes: f.data.length,
    };
  }

  private async head(name: string): Promise<SkillsTable> {
    const skill = await this.read.get(this.db.selectFrom('skills').selectAll().where('name', '=', name).compile());
    if (!skill) throw notFound(`skill ${name}`);
    return skill;
  }

  /** The version asked for (build metadata may be left out, not contradicted), or the latest release. */
  private async pick(name: string, version: string | undefined): Promise<SkillVersionsTable> {
    const skill = await this.head(name);
    if (version === undefined && skill.latest_version === null) {
      throw new HubError(ErrorCode.NotFound, `${name} has prereleases only; ask for one by version (skill/versions lists them)`);
    }
    const wanted = version ?? skill.latest_version!;
    const row = await this.read.get(
      this.db.selectFrom('skill_versions').selectAll().where('name', '=', name).where('version_key', '=', semverKey(wanted)).compile(),
    );
    if (!row || (wanted.includes('+') && row.version !== wanted)) throw notFound(`skill ${name}@${wanted}`);
    return row;
  }
}

/** The name's row after publishing `v`: counts, and the latest release and top version by precedence. */
function nextHead(skill: SkillsTable, v: SkillVersionsTable, now: number): Partial<SkillsTable> {
  const first = Number(skill.versions) === 0;
  const latest = v.prerelease === 0 && (skill.latest_version === null || compareSemver(v.version, skill.latest_version) > 0) ? v.version : skill.latest_version;
  const top = first || compareSemver(v.version, skill.top_version) > 0 ? v.version : skill.top_version;
  // The description shown is the latest release's; while there is none, the top prerelease's.
  const describes = latest ?? top;
  return {
    latest_version: latest,
    top_version: top,
    description: describes === v.version ? v.description : skill.description,
    versions: Number(skill.versions) + 1,
    bytes: Number(skill.bytes) + v.bytes,
    updated_at: now,
  };
}
