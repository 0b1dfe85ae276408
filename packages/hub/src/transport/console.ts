import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';

/** Where the web console is mounted; its Vite build uses the same base. */
export const CONSOLE_PREFIX = '/console/';

/**
 * The console's build, as installed with the hub (@parley/console is a
 * dependency that holds only static files), or null when it is not built: a
 * hub from a checkout that skipped the console still runs, and says why
 * /console is missing.
 */
export function findConsoleDir(): string | null {
  try {
    const pkg = createRequire(import.meta.url).resolve('@parley/console/package.json');
    const dir = join(dirname(pkg), 'dist');
    return existsSync(join(dir, 'index.html')) ? dir : null;
  } catch {
    return null;
  }
}

/**
 * A page that runs with a human's session must not load code or frames from
 * anywhere else, nor be framed itself (clickjacking the claim and key
 * buttons). `connect-src 'self'` covers fetch and, in current browsers,
 * WebSocket to the same host.
 */
const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "object-src 'none'",
].join('; ');

function secureHeaders(reply: FastifyReply): void {
  reply.header('content-security-policy', CONSOLE_CSP);
  reply.header('x-content-type-options', 'nosniff');
  reply.header('referrer-policy', 'no-referrer');
  reply.header('x-frame-options', 'DENY');
}

/**
 * Serves the console at /console: its hashed assets for a year, index.html
 * never cached, and every other path under /console answered with
 * index.html so that a reload on a deep link (`/console/agents/...`) works.
 */
export function registerConsole(app: FastifyInstance, dir: string | null | false): void {
  if (dir === false) return;
  if (dir === null) {
    const missing = async (_req: unknown, reply: FastifyReply) =>
      reply.code(404).type('text/plain; charset=utf-8').send('The web console is not built: run `pnpm build` (it builds apps/console), then restart the hub.');
    app.get('/console', missing);
    app.get('/console/*', missing);
    return;
  }
  app.get('/console', async (_req, reply) => reply.redirect(CONSOLE_PREFIX, 308));
  void app.register(async (scope) => {
    scope.addHook('onSend', async (_req, reply) => secureHeaders(reply));
    await scope.register(fastifyStatic, {
      root: dir,
      prefix: CONSOLE_PREFIX,
      wildcard: false,
      index: false,
      // Set per file below, instead of send's max-age=0 for everything.
      cacheControl: false,
      // Vite names assets by content hash: they never change under one name.
      setHeaders: (res, path) => {
        res.setHeader('cache-control', /[\\/]assets[\\/]/.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });
    const index = async (_req: unknown, reply: FastifyReply) => reply.header('cache-control', 'no-cache').sendFile('index.html');
    scope.get(CONSOLE_PREFIX, index);
    scope.get(`${CONSOLE_PREFIX}*`, async (req, reply) => {
      // A missing asset is a 404, not the page: a stale index.html asking for an old bundle must fail loudly.
      if (req.url.startsWith(`${CONSOLE_PREFIX}assets/`)) return reply.code(404).type('text/plain; charset=utf-8').send('no such asset');
      return index(req, reply);
    });
  });
}
