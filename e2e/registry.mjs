// The private registry the end-to-end checks publish to.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assert, background, fetchRetry, freePort, run, waitFor } from './lib.mjs';

export const VERDACCIO = 'verdaccio@6.8.0';

/**
 * A private npm registry (Verdaccio 6.8, the last line that runs on Node 20)
 * on loopback, storing in `work`, with a user for publishing. No uplinks: it
 * holds only what is published to it, so a package that did not publish
 * cannot be found somewhere else instead.
 */
export async function startRegistry(work, cache) {
  const dir = join(cache, VERDACCIO.replace('@', '-'));
  const bin = join(dir, 'node_modules', 'verdaccio', 'bin', 'verdaccio');
  if (!existsSync(bin)) {
    mkdirSync(dir, { recursive: true });
    run('npm', ['install', '--prefix', dir, '--no-audit', '--no-fund', '--loglevel=error', VERDACCIO], { quiet: true });
  }
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  writeFileSync(
    join(work, 'verdaccio.yaml'),
    [
      `storage: ${join(work, 'storage')}`,
      'auth:',
      '  htpasswd:',
      `    file: ${join(work, 'htpasswd')}`,
      '    max_users: 10',
      'uplinks: {}',
      'packages:',
      "  '**':",
      '    access: $all',
      '    publish: $authenticated',
      'web:',
      '  enable: false',
      'log: { type: stdout, format: json, level: warn }',
      '',
    ].join('\n'),
  );
  const proc = background(process.execPath, [bin, '--config', join(work, 'verdaccio.yaml'), '--listen', `127.0.0.1:${port}`], {
    cwd: work,
    logFile: join(work, 'verdaccio.log'),
  });
  await waitFor('the registry to answer /-/ping', async () => (await fetchRetry(`${url}-/ping`)).ok, { detail: proc.log });
  // A user for publishing (the npm login exchange, done directly).
  const res = await fetchRetry(`${url}-/user/org.couchdb.user:parley-release`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'parley-release', password: 'parley-release-check', type: 'user', roles: [], date: new Date().toISOString() }),
  });
  const body = await res.json();
  assert(res.status === 201 && typeof body.token === 'string', `creating a registry user: ${res.status} ${JSON.stringify(body)}`);
  return { url, port, token: body.token, proc };
}
