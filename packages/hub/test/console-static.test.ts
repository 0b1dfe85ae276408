import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHub } from '../src/index.js';
import { startTestHub, tempDir } from './helpers.js';

/** The hub serves the web console's static build at /console (transport/console.ts). */
describe('the console at /console', () => {
  const tmp = tempDir();
  let hub: RunningHub;
  beforeAll(async () => {
    mkdirSync(join(tmp.dir, 'assets'));
    writeFileSync(join(tmp.dir, 'index.html'), '<!doctype html><title>console test page</title>');
    writeFileSync(join(tmp.dir, 'assets', 'app-1234.js'), 'console.log("app")');
    hub = await startTestHub({ console: tmp.dir });
  });
  afterAll(async () => {
    await hub.close();
    tmp.cleanup();
  });

  it('redirects /console to /console/ and serves index.html there with a strict CSP, never cached', async () => {
    const bare = await fetch(`${hub.url}/console`, { redirect: 'manual' });
    expect(bare.status).toBe(308);
    expect(bare.headers.get('location')).toBe('/console/');
    const page = await fetch(`${hub.url}/console/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('console test page');
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(page.headers.get('x-frame-options')).toBe('DENY');
  });

  it('answers a deep link with index.html (a reload on any console page works)', async () => {
    const res = await fetch(`${hub.url}/console/agents/agt_x/keys`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('console test page');
  });

  it('serves hashed assets as immutable, and a missing asset is a 404 rather than the page', async () => {
    const asset = await fetch(`${hub.url}/console/assets/app-1234.js`);
    expect(asset.status).toBe(200);
    expect(await asset.text()).toBe('console.log("app")');
    expect(asset.headers.get('cache-control')).toContain('immutable');
    const missing = await fetch(`${hub.url}/console/assets/app-old.js`);
    expect(missing.status).toBe(404);
  });

  it('does not serve files outside its directory', async () => {
    const res = await fetch(`${hub.url}/console/..%2f..%2fetc%2fpasswd`);
    expect(await res.text()).not.toContain('root:');
  });

  it('says how to build the console when it is missing, and serves nothing when turned off', async () => {
    const missing = tempDir();
    const unbuilt = await startTestHub({ console: join(missing.dir, 'nothing-here') });
    const off = await startTestHub({ console: false });
    try {
      const res = await fetch(`${unbuilt.url}/console/`);
      expect(res.status).toBe(404);
      expect(await res.text()).toContain('not built');
      const none = await fetch(`${off.url}/console/`);
      expect(none.status).toBe(404);
      expect(await none.json()).toMatchObject({ code: 'not_found' });
    } finally {
      await unbuilt.close();
      await off.close();
      missing.cleanup();
    }
  });
});
