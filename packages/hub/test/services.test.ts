import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHub } from '../src/index.js';
import { Egress, isSpecialAddress } from '../src/domains/service/index.js';
import { resolveConfig, resolveHubOptionsFromEnv } from '../src/config.js';
import { type Frame, type RawClient, type TestAgent, connectAgent, ok, register, startTestHub, uid } from './helpers.js';

interface Online {
  agent: TestAgent;
  client: RawClient;
}
interface RequestPush {
  request_id: string;
  capability: string;
  input: unknown;
  requester_id: string;
}
interface Service {
  name: string;
  version: string;
  description: string;
  params_schema: Record<string, unknown>;
  created_by: string;
  instances: number;
  online: number;
}
interface Instance {
  owner_id: string;
  endpoint: string | null;
  online: boolean;
}
interface CallResult {
  name: string;
  version: string;
  output: unknown;
  served_by: string;
  via: 'agent' | 'endpoint';
  request_id: string | null;
  attempts: number;
}

let n = 0;
/** A service name no other test of the hub uses. */
const fresh = (base: string) => `${base}.${process.pid}.${++n}`;

async function online(hub: RunningHub, name: string): Promise<Online> {
  return connectAgent(hub, await register(hub, name));
}
const call = (a: Online, action: string, params?: unknown, uId?: string) => a.client.call(a.agent.agentId, action, params, uId);

function errorOf(res: Frame): { code: string; error: string; details?: Record<string, unknown> } {
  if (res.status !== 'error') throw new Error(`expected an error, got ${JSON.stringify(res).slice(0, 500)}`);
  return res.content as { code: string; error: string; details?: Record<string, unknown> };
}

const TEXT_SCHEMA = { type: 'object', properties: { text: { type: 'string', maxLength: 1000 } }, required: ['text'], additionalProperties: false };

async function registerService(a: Online, name: string, version = '1.0.0', extra: Record<string, unknown> = {}) {
  return ok<{ service: Service; instance: Instance }>(
    await call(a, 'service/register', { name, version, description: `${name} reverses text`, params_schema: TEXT_SCHEMA, ...extra }),
  );
}

/** Waits for the next delegate.request this worker has not seen before, optionally answering it. */
async function nextRequest(w: Online, seen: Set<string>, timeoutMs = 8000): Promise<RequestPush> {
  const f = await w.client.waitFrame(
    (x) => x.type === 'push' && x.event === 'delegate.request' && !seen.has((x.data as RequestPush).request_id),
    timeoutMs,
    'delegate.request',
  );
  const data = f.data as RequestPush;
  seen.add(data.request_id);
  return data;
}

/** Answers every service call it gets with its input's text reversed, until stopped. */
function serveReverse(w: Online): { stop: () => void; served: string[] } {
  const seen = new Set<string>();
  const served: string[] = [];
  let stopped = false;
  void (async () => {
    while (!stopped) {
      let req: RequestPush;
      try {
        req = await nextRequest(w, seen, 60_000);
      } catch {
        return;
      }
      if (stopped) return;
      served.push(req.request_id);
      const text = (req.input as { text: string }).text;
      await call(w, 'delegate/respond', { request_id: req.request_id, output: { text: [...text].reverse().join('') } }).catch(() => undefined);
    }
  })();
  return { stop: () => (stopped = true), served };
}

describe('service registry', () => {
  let hub: RunningHub;
  beforeAll(async () => {
    hub = await startTestHub({ rateLimit: false, serviceQuota: { maxPerAgent: 3, maxInstances: 2 } });
  });
  afterAll(() => hub.close());

  it('registers, lists with online counts, searches, gets by version and unregisters', async () => {
    const a = await online(hub, 'alice');
    const name = fresh('text.reverse');
    const first = await registerService(a, name);
    expect(first.service).toMatchObject({ name, version: '1.0.0', created_by: a.agent.agentId, instances: 1, online: 1, params_schema: TEXT_SCHEMA });
    expect(first.instance).toMatchObject({ owner_id: a.agent.agentId, endpoint: null, online: true });
    // Versions in semver order, not text order: 1.10.0 is the highest, a pre-release comes before its release.
    await registerService(a, name, '1.10.0');
    await registerService(a, name, '1.2.0-beta.1');
    const versions = ok<{ services: Service[] }>(await call(a, 'service/list', { name })).services.map((s) => s.version);
    expect(versions).toEqual(['1.0.0', '1.2.0-beta.1', '1.10.0']);
    expect(ok<{ service: Service }>(await call(a, 'service/get', { name })).service.version).toBe('1.10.0');
    const got = ok<{ service: Service; instances: Instance[] }>(await call(a, 'service/get', { name, version: '1.0.0' }));
    expect(got.instances.map((i) => i.owner_id)).toEqual([a.agent.agentId]);

    // Search: every word, in the name or the description; LIKE's wildcards match only themselves.
    const b = await online(hub, 'bob');
    const other = fresh('weather');
    ok(await call(b, 'service/register', { name: other, version: '0.1.0', description: 'Forecast for a city, 100% made up' }));
    const byWords = ok<{ services: Service[] }>(await call(b, 'service/list', { q: `FORECAST ${other}` })).services;
    expect(byWords.map((s) => s.name)).toEqual([other]);
    expect(ok<{ services: Service[] }>(await call(b, 'service/list', { q: '100%' })).services.map((s) => s.name)).toContain(other);
    expect(ok<{ services: Service[] }>(await call(b, 'service/list', { q: `${other} %%` })).services).toEqual([]);
    expect(ok<{ services: Service[] }>(await call(b, 'service/list', { owner: b.agent.agentId })).services.map((s) => s.name)).toEqual([other]);

    // Paging: one at a time, nothing repeated or skipped.
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { services: Service[]; next_cursor: string | null } = ok(await call(a, 'service/list', { name, limit: 1, ...(cursor ? { cursor } : {}) }));
      seen.push(...page.services.map((s) => s.version));
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen).toEqual(versions);

    // The owner going offline shows in the counts.
    b.client.close();
    await b.client.waitClose();
    await a.client.waitUntil(async () => true);
    const after = await waitFor(async () => {
      const s = ok<{ services: Service[] }>(await call(a, 'service/list', { name: other })).services[0]!;
      return s.online === 0 ? s : null;
    });
    expect(after).toMatchObject({ instances: 1, online: 0 });

    expect(ok(await call(a, 'service/unregister', { name, version: '1.10.0' }))).toEqual({ name, version: '1.10.0', removed: true });
    expect(ok(await call(a, 'service/unregister', { name, version: '1.10.0' }))).toEqual({ name, version: '1.10.0', removed: false });
    expect(errorOf(await call(a, 'service/get', { name, version: '1.10.0' })).code).toBe('not_found');
    expect(ok<{ service: Service }>(await call(a, 'service/get', { name })).service.version).toBe('1.2.0-beta.1');
    expect(errorOf(await call(a, 'service/get', { name: fresh('nothing') })).code).toBe('not_found');
  });

  it('keeps one definition per name@version: another schema is a conflict, a sole holder may change it', async () => {
    const a = await online(hub, 'def-a');
    const b = await online(hub, 'def-b');
    const name = fresh('def');
    await registerService(a, name);
    // Alone, a changes its definition.
    const changed = ok<{ service: Service }>(
      await call(a, 'service/register', { name, version: '1.0.0', description: 'changed', params_schema: { type: 'object' } }),
    ).service;
    expect(changed).toMatchObject({ description: 'changed', params_schema: { type: 'object' } });
    const two = ok<{ service: Service }>(await call(b, 'service/register', { name, version: '1.0.0', description: 'mine', params_schema: { type: 'object' } })).service;
    // b joined with the same schema: the definition stays a's, now with two instances.
    expect(two).toMatchObject({ description: 'changed', instances: 2, online: 2 });
    const clash = errorOf(await call(b, 'service/register', { name, version: '1.0.0', description: 'x', params_schema: { type: 'string' } }));
    expect(clash.code).toBe('conflict');
    expect(clash.error).toMatch(/new version/);
    // Nor may a change it any more.
    expect(errorOf(await call(a, 'service/register', { name, version: '1.0.0', description: 'x', params_schema: { type: 'string' } })).code).toBe('conflict');
    expect(ok<{ service: Service }>(await call(a, 'service/get', { name })).service.params_schema).toEqual({ type: 'object' });
  });

  it('refuses schemas that are too big, too deep, not JSON Schema, or use regular expressions', async () => {
    const a = await online(hub, 'schemas');
    const name = fresh('bad.schema');
    const reg = (params_schema: unknown) => call(a, 'service/register', { name, version: '1.0.0', description: 'd', params_schema });
    let deep: Record<string, unknown> = { type: 'object' };
    for (let i = 0; i < 20; i++) deep = { type: 'object', properties: { x: deep } };
    const cases: Array<[unknown, RegExp]> = [
      [{ type: 'string', pattern: '(a+)+$' }, /pattern/],
      [{ patternProperties: { '^x': {} } }, /patternProperties/],
      [deep, /deeper/],
      [{ type: 'object', description: 'x'.repeat(17_000) }, /bytes/],
      [{ type: 'no-such-type' }, /not a usable JSON Schema/],
      [{ $ref: 'https://example.com/schema.json' }, /\$ref/],
      [{ type: 'array', uniqueItems: true }, /maxItems/],
    ];
    for (const [schema, message] of cases) {
      const e = errorOf(await reg(schema));
      expect(e.code).toBe('invalid_params');
      expect(e.error).toMatch(message);
    }
    expect(errorOf(await call(a, 'service/get', { name })).code).toBe('not_found');
  });

  it('bounds instances per agent and per service', async () => {
    const a = await online(hub, 'quota');
    const names = [fresh('q'), fresh('q'), fresh('q'), fresh('q')];
    for (const name of names.slice(0, 3)) await registerService(a, name);
    const over = errorOf(await call(a, 'service/register', { name: names[3], version: '1.0.0', description: 'd' }));
    expect(over.code).toBe('conflict');
    expect(over.error).toMatch(/3 service instances/);
    // Registering one it already holds again is an update, not one more.
    expect((await registerService(a, names[0]!)).service.instances).toBe(1);
    expect(errorOf(await call(a, 'service/get', { name: names[3] })).code).toBe('not_found');
    // Two instances of one name@version at most (this hub's bound).
    const b = await online(hub, 'quota-b');
    const c = await online(hub, 'quota-c');
    await registerService(b, names[0]!);
    const full = errorOf(await call(c, 'service/register', { name: names[0], version: '1.0.0', description: 'd', params_schema: TEXT_SCHEMA }));
    expect(full.code).toBe('conflict');
    expect(ok<{ service: Service }>(await call(c, 'service/get', { name: names[0] })).service.instances).toBe(2);
  });

  it('nobody registers or unregisters as another agent', async () => {
    const a = await online(hub, 'owner');
    const m = await online(hub, 'mallory');
    const name = fresh('owned');
    await registerService(a, name);
    // The envelope names a, the socket is mallory's.
    const res = await m.client.call(a.agent.agentId, 'service/register', { name, version: '2.0.0', description: 'd' });
    expect(errorOf(res).code).toBe('forbidden');
    expect(ok(await call(m, 'service/unregister', { name, version: '1.0.0' }))).toEqual({ name, version: '1.0.0', removed: false });
    const got = ok<{ service: Service; instances: Instance[] }>(await call(m, 'service/get', { name }));
    expect(got.service.version).toBe('1.0.0');
    expect(got.instances.map((i) => i.owner_id)).toEqual([a.agent.agentId]);
  });

  it('a call is answered by the live worker that holds an instance, synchronously', async () => {
    const w = await online(hub, 'worker');
    const caller = await online(hub, 'caller');
    const name = fresh('text.reverse');
    await registerService(w, name);
    const seen = new Set<string>();
    const uId = uid();
    const pending = call(caller, 'service/call', { name, input: { text: 'hello' } }, uId);
    const req = await nextRequest(w, seen);
    // The worker learns what was called from the capability.
    expect(req).toMatchObject({ capability: `service:${name}@1.0.0`, input: { text: 'hello' }, requester_id: caller.agent.agentId });
    ok(await call(w, 'delegate/respond', { request_id: req.request_id, output: { text: 'olleh' } }));
    const result = ok<CallResult>(await pending);
    expect(result).toMatchObject({ name, version: '1.0.0', output: { text: 'olleh' }, served_by: w.agent.agentId, via: 'agent', request_id: req.request_id, attempts: 1 });
    // A retry with the same u_id gets that answer again; the worker hears nothing more.
    expect(ok<CallResult>(await call(caller, 'service/call', { name, input: { text: 'hello' } }, uId))).toEqual(result);
    expect(w.client.pushes().filter((f) => f.event === 'delegate.request')).toHaveLength(1);

    // A worker that declines: conflict, with its reason.
    const next = call(caller, 'service/call', { name, input: { text: 'no' } });
    const req2 = await nextRequest(w, seen);
    ok(await call(w, 'delegate/respond', { request_id: req2.request_id, error: 'I do not reverse "no"' }));
    const declined = errorOf(await next);
    expect(declined.code).toBe('conflict');
    expect(declined.details).toMatchObject({ service_error: 'I do not reverse "no"', served_by: w.agent.agentId });
  });

  it('bad input is refused against the schema before any worker hears of it', async () => {
    const w = await online(hub, 'strict-worker');
    const caller = await online(hub, 'strict-caller');
    const name = fresh('strict');
    await registerService(w, name);
    for (const input of [{}, { text: 5 }, { text: 'x', extra: 1 }, 'text', { text: 'y'.repeat(1001) }]) {
      const e = errorOf(await call(caller, 'service/call', { name, input }));
      expect(e.code, JSON.stringify(input)).toBe('invalid_params');
      expect(e.error).toMatch(/params_schema/);
    }
    expect(errorOf(await call(caller, 'service/call', { name })).code).toBe('invalid_params');
    expect(errorOf(await call(caller, 'service/call', { name, input: { text: 'z'.repeat(70_000) } })).error).toMatch(/bytes/);
    expect(w.client.pushes().filter((f) => f.event === 'delegate.request')).toHaveLength(0);
  });

  it('fails over to a second instance when the first drops', async () => {
    const w1 = await online(hub, 'fo-1');
    const w2 = await online(hub, 'fo-2');
    const caller = await online(hub, 'fo-caller');
    const name = fresh('failover');
    await registerService(w1, name);
    await registerService(w2, name);
    const pending = call(caller, 'service/call', { name, input: { text: 'abc' }, timeout_ms: 30_000 });
    // Whichever got it first drops without answering; the other answers.
    const first = await Promise.race([w1, w2].map(async (w) => ((await nextRequest(w, new Set())) ? w : null)));
    const second = first === w1 ? w2 : w1;
    first!.client.close();
    const server = serveReverse(second);
    const result = ok<CallResult>(await pending);
    server.stop();
    expect(result).toMatchObject({ output: { text: 'cba' }, served_by: second.agent.agentId, attempts: 2, via: 'agent' });
  });

  it('says so when no instance is online, and when the service does not exist', async () => {
    const w = await online(hub, 'gone');
    const caller = await online(hub, 'gone-caller');
    const name = fresh('offline');
    await registerService(w, name);
    w.client.close();
    await w.client.waitClose();
    const e = await waitFor(async () => {
      const res = errorOf(await call(caller, 'service/call', { name, input: { text: 'a' } }));
      return res.code === 'unavailable' ? res : null;
    });
    expect(e.error).toMatch(new RegExp(`no instance of ${name.replace(/\./g, '\\.')}@1\\.0\\.0 is online`));
    // One's own instance is not called.
    const own = fresh('own');
    await registerService(caller, own);
    const mine = errorOf(await call(caller, 'service/call', { name: own, input: { text: 'a' } }));
    expect(mine.code).toBe('unavailable');
    expect(mine.error).toMatch(/your own instance/);
    expect(errorOf(await call(caller, 'service/call', { name: fresh('nobody'), input: {} })).code).toBe('not_found');
    expect(errorOf(await call(caller, 'service/call', { name: own, version: '9.9.9', input: {} })).code).toBe('not_found');
  });

  it('times out when the only instance does not answer', async () => {
    const w = await online(hub, 'slow');
    const caller = await online(hub, 'slow-caller');
    const name = fresh('slow');
    await registerService(w, name);
    const started = Date.now();
    const e = errorOf(await call(caller, 'service/call', { name, input: { text: 'a' }, timeout_ms: 600 }));
    expect(e.code).toBe('timeout');
    expect(Date.now() - started).toBeGreaterThanOrEqual(550);
    expect(w.client.pushes().filter((f) => f.event === 'delegate.request')).toHaveLength(1);
  });

  it('leaves ordinary capabilities that start with "service:" to delegate/request as before', async () => {
    const w = await online(hub, 'legacy-worker');
    const r = await online(hub, 'legacy-requester');
    const cap = `service:legacy${process.pid}`;
    ok(await call(w, 'agent/update', { capabilities: [cap] }));
    const d = ok<{ worker_id: string; capability: string }>(await call(r, 'delegate/request', { capability: cap, input: 1 }));
    expect(d).toMatchObject({ worker_id: w.agent.agentId, capability: cap });
  });

  it('bounds the calls one agent has waiting at once', async () => {
    const w = await online(hub, 'busy-worker');
    const caller = await online(hub, 'busy-caller');
    const name = fresh('busy');
    await registerService(w, name);
    // 32 calls wait (the worker answers none yet); the 33rd is refused at once.
    const waiting = Array.from({ length: 32 }, () => call(caller, 'service/call', { name, input: { text: 'x' }, timeout_ms: 30_000 }));
    await w.client.waitUntil(() => w.client.pushes().filter((f) => f.event === 'delegate.request').length === 32, 10_000, '32 requests');
    const over = errorOf(await call(caller, 'service/call', { name, input: { text: 'x' } }));
    expect(over.code).toBe('rate_limited');
    expect(over.error).toMatch(/32 service calls waiting/);
    // Answered, they end; then a call goes through again.
    const server = serveReverse(w);
    for (const res of await Promise.all(waiting)) expect(ok<CallResult>(res).output).toEqual({ text: 'x' });
    expect(ok<CallResult>(await call(caller, 'service/call', { name, input: { text: 'ab' } })).output).toEqual({ text: 'ba' });
    server.stop();
  });

  it('refuses endpoints unless the operator allows their host', async () => {
    const a = await online(hub, 'endpoint');
    const e = errorOf(await call(a, 'service/register', { name: fresh('ep'), version: '1.0.0', description: 'd', endpoint: 'https://example.com/svc' }));
    expect(e.code).toBe('forbidden');
    expect(e.error).toMatch(/serviceHosts/);
  });
});

/** Polls `fn` until it returns something (bounded: presence changes reach the registry's reads asynchronously). */
async function waitFor<T>(fn: () => Promise<T | null>, timeoutMs = 8000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== null) return v;
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('service endpoints: no server-side request forgery', () => {
  let target: Server;
  let port = 0;
  const bodies: unknown[] = [];
  beforeAll(async () => {
    target = createServer((req: IncomingMessage, res) => {
      if (req.url === '/redirect') {
        res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
        return;
      }
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString()));
      req.on('end', () => {
        const input = JSON.parse(text) as { text: string };
        bodies.push(input);
        if (req.url === '/big') {
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ text: 'x'.repeat(70_000) }));
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ text: [...input.text].reverse().join('') }));
      });
    });
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    port = (target.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => target.close(() => resolve())));

  it('calls no endpoint unless the operator says so, by option or environment', () => {
    expect(resolveConfig({}).services).toEqual({ hosts: [], allowPrivate: false, quota: { maxPerAgent: 20, maxInstances: 100 } });
    const env = resolveHubOptionsFromEnv({ PARLEY_SERVICE_HOSTS: 'api.example.com, *.tools.example.com', PARLEY_SERVICE_PRIVATE_ADDRESSES: '1', PARLEY_MAX_SERVICES_PER_AGENT: '5' });
    expect(env).toMatchObject({ serviceHosts: ['api.example.com', '*.tools.example.com'], servicePrivateAddresses: true, serviceQuota: { maxPerAgent: 5 } });
    expect(resolveConfig(env).services).toEqual({ hosts: ['api.example.com', '*.tools.example.com'], allowPrivate: true, quota: { maxPerAgent: 5, maxInstances: 100 } });
    expect(() => resolveHubOptionsFromEnv({ PARLEY_SERVICE_PRIVATE_ADDRESSES: 'maybe' })).toThrow(/PARLEY_SERVICE_PRIVATE_ADDRESSES/);
  });

  it('knows special addresses', () => {
    for (const a of ['127.0.0.1', '::1', '10.1.2.3', '169.254.169.254', '192.168.1.1', '172.16.0.1', '100.64.0.1', '0.0.0.0', 'fe80::1', 'fc00::1', '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:a9fe:a9fe', '224.0.0.1']) {
      expect(isSpecialAddress(a), a).toBe(true);
    }
    for (const a of ['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111', '::ffff:8.8.8.8']) expect(isSpecialAddress(a), a).toBe(false);
  });

  it('never connects to loopback, private or metadata addresses, nor follows a redirect, while private addresses are not allowed', async () => {
    const egress = new Egress({ hosts: ['127.0.0.1', '::1', '10.0.0.5', '169.254.169.254', 'localhost'], allowPrivate: false });
    for (const url of [`http://127.0.0.1:${port}/`, 'http://[::1]/', 'http://10.0.0.5/', 'http://169.254.169.254/latest/meta-data/']) {
      expect(egress.problem(url), url).toMatch(/private or special/);
      await expect(egress.call(url, { text: 'a' }, 2000), url).rejects.toMatchObject({ code: 'forbidden' });
    }
    // Other spellings of loopback are the same address once the URL is parsed.
    for (const url of ['http://2130706433/', 'http://0x7f.1/', 'http://127.1/', 'http://[::ffff:127.0.0.1]/']) {
      expect(new Egress({ hosts: ['127.0.0.1', '::ffff:7f00:1'], allowPrivate: false }).problem(url), url).toMatch(/private or special/);
    }
    // A name is resolved and every address checked: localhost is loopback.
    await expect(egress.call(`http://localhost:${port}/`, { text: 'a' }, 2000)).rejects.toMatchObject({ code: 'forbidden', message: /resolves to/ });
    expect(bodies).toHaveLength(0);
    // Hosts not listed are refused before any lookup, listed or not as addresses.
    expect(new Egress({ hosts: [], allowPrivate: true }).problem(`http://127.0.0.1:${port}/`)).toMatch(/serviceHosts/);
    expect(new Egress({ hosts: ['*.example.com'], allowPrivate: false }).problem('https://api.example.com/x')).toBeNull();
    expect(new Egress({ hosts: ['*.example.com'], allowPrivate: false }).problem('https://example.com.evil.net/x')).toMatch(/does not allow/);
    expect(new Egress({ hosts: ['example.com'], allowPrivate: false }).problem('https://user:pw@example.com/x')).toMatch(/credentials/);

    // Loopback explicitly allowed: a redirect is still not followed, a big answer is cut off.
    const open = new Egress({ hosts: ['127.0.0.1'], allowPrivate: true });
    await expect(open.call(`http://127.0.0.1:${port}/redirect`, { text: 'a' }, 2000)).rejects.toMatchObject({ code: 'unavailable', message: /redirect/ });
    await expect(open.call(`http://127.0.0.1:${port}/big`, { text: 'a' }, 5000)).rejects.toMatchObject({ code: 'conflict', message: /larger/ });
    expect(await open.call(`http://127.0.0.1:${port}/ok`, { text: 'abc' }, 5000)).toEqual({ text: 'cba' });
  });

  it('a hub whose operator allows a local host calls the endpoint with the input as JSON', async () => {
    const hub = await startTestHub({ rateLimit: false, serviceHosts: ['127.0.0.1'], servicePrivateAddresses: true });
    try {
      const owner = await online(hub, 'ep-owner');
      const caller = await online(hub, 'ep-caller');
      const name = fresh('ep.reverse');
      const reg = await registerService(owner, name, '1.0.0', { endpoint: `http://127.0.0.1:${port}/reverse` });
      expect(reg.instance).toMatchObject({ endpoint: `http://127.0.0.1:${port}/reverse`, online: true });
      // The owner need not be connected: the hub serves an endpoint instance.
      owner.client.close();
      const result = ok<CallResult>(await call(caller, 'service/call', { name, input: { text: 'parley' } }));
      expect(result).toMatchObject({ output: { text: 'yelrap' }, served_by: owner.agent.agentId, via: 'endpoint', request_id: null, attempts: 1 });
      expect(bodies).toContainEqual({ text: 'parley' });
    } finally {
      await hub.close();
    }
    // Without servicePrivateAddresses, the same host listed is still refused (it is loopback).
    const strict = await startTestHub({ rateLimit: false, serviceHosts: ['127.0.0.1'] });
    try {
      const owner = await online(strict, 'ep-strict');
      const e = errorOf(await call(owner, 'service/register', { name: fresh('ep'), version: '1.0.0', description: 'd', endpoint: `http://127.0.0.1:${port}/` }));
      expect(e.code).toBe('forbidden');
      expect(e.error).toMatch(/private or special/);
    } finally {
      await strict.close();
    }
  });
});
