import { ErrorCode, SkillDownloadFormat, SkillName, SkillVersionText, type HttpErrorBody } from '@parley/protocol';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { HubError, zodToContent } from '../../core/errors.js';
import type { SkillRegistry } from './registry.js';

const Params = z.strictObject({ name: SkillName });
const Query = z.object({ format: SkillDownloadFormat.default('zip'), version: SkillVersionText.optional() });

const STATUS: Partial<Record<ErrorCode, number>> = { bad_request: 400, invalid_params: 400, not_found: 404 };

function fail(reply: FastifyReply, code: ErrorCode, error: string, details?: Record<string, unknown>) {
  const body: HttpErrorBody = details ? { error, code, details } : { error, code };
  return reply.code(STATUS[code] ?? 500).send(body);
}

export const SKILL_DOWNLOAD_ROUTE = '/v1/skills/:name/download';
/** Juji's path of the same, served too when the hub speaks Juji's wire (a Juji install link then works as it is). */
export const JUJI_SKILL_DOWNLOAD_ROUTE = '/skills/:name/download';

/**
 * `GET /v1/skills/<name>/download?format=raw|zip[&version=]`: what
 * skill/download answers, as a file, without auth (skills are public), so
 * that a Parley URL pasted into an installer is all it needs (Juji's
 * `/skills/<name>/download` is the model). Everything in the request is
 * checked against the protocol's schemas before the store is asked; the
 * answer is at most one skill's zip (MAX_SKILL_TOTAL_BYTES and a little).
 * The per-address request limit of the HTTP edge applies as to every route.
 */
export function registerSkillDownloads(app: FastifyInstance, skills: SkillRegistry, path = SKILL_DOWNLOAD_ROUTE): void {
  app.get(path, async (req, reply) => {
    const params = Params.safeParse(req.params);
    if (!params.success) {
      const c = zodToContent(ErrorCode.BadRequest, 'bad skill name', params.error);
      return fail(reply, c.code, c.error, c.details);
    }
    const query = Query.safeParse(req.query);
    if (!query.success) {
      const c = zodToContent(ErrorCode.BadRequest, 'bad download query', query.error);
      return fail(reply, c.code, c.error, c.details);
    }
    try {
      const f = await skills.file(params.data.name, query.data.version, query.data.format);
      return reply
        .header('content-type', f.mediaType)
        .header('content-disposition', `attachment; filename="${f.filename}"`)
        .header('x-parley-skill-version', f.version)
        .header('x-content-type-options', 'nosniff')
        .send(f.data);
    } catch (err) {
      if (err instanceof HubError) return fail(reply, err.code, err.message, err.details);
      throw err;
    }
  });
}
