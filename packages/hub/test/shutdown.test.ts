import { describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { connectAgent, ok, register, rpc, startTestHub, tempDir, uid, waitForLongPolls, waitForMetric } from './helpers.js';

describe('graceful shutdown', () => {
  it('finishes in-flight requests, answers long polls, closes sockets with 1001', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const hub = await startTestHub({ dbPath: undefined, dataDir: dir, rateLimit: false });
      const { agent: a, client } = await connectAgent(hub);
      const b = await register(hub);
      // A long poll parked on the hub.
      const pollStarted = Date.now();
      const pollRes = fetch(`${hub.url}/v1/poll?wait=30`, { headers: { authorization: `Bearer ${b.token}` } });
      await waitForLongPolls(hub, 1);

      const ids = Array.from({ length: 30 }, () => uid());
      for (const u of ids) client.send({ agent_id: a.agentId, u_id: u, params: { action: 'p2p/send', params: { to: b.agentId, content: u } } });
      await client.waitFrame((f) => f.u_id === ids[0]);
      const closing = hub.close();
      const closing2 = hub.close();
      expect(await client.waitClose(10_000)).toBe(1001);
      await Promise.all([closing, closing2]);

      const poll = await pollRes;
      expect(poll.status).toBe(200);
      expect(Date.now() - pollStarted).toBeLessThan(10_000);

      const responses = client.frames.filter((f) => typeof f.status === 'string');
      expect(responses.length).toBeGreaterThanOrEqual(1);
      for (const r of responses) {
        if (r.status === 'error') expect(r.content).toMatchObject({ code: 'unavailable' });
      }
      const succeeded = responses.filter((r) => r.status === 'success').map((r) => r.u_id);

      await expect(fetch(`${hub.url}/healthz`)).rejects.toThrow();

      // Every call that was answered with success is durable; nothing else happened.
      const again = await startTestHub({ dbPath: undefined, dataDir: dir });
      try {
        const h = ok<{ messages: Array<{ content: string }> }>((await rpc(again, a, 'p2p/history', { with: b.agentId, limit: 200 })).body);
        expect(h.messages.map((m) => m.content).sort()).toEqual([...succeeded].sort());
      } finally {
        await again.close();
      }
    } finally {
      cleanup();
    }
  });

  it('an HTTP call the hub accepted before close() completes', async () => {
    const hub = await startTestHub();
    const a = await register(hub);
    const b = await register(hub);
    const body = JSON.stringify({ agent_id: a.agentId, u_id: uid(), params: { action: 'p2p/send', params: { to: b.agentId, content: 'in flight' } } });
    const { port } = new URL(hub.url);
    // Send the headers and half the body, so the request is in flight on the hub.
    const req = request({ host: '127.0.0.1', port: Number(port), path: '/v1/rpc', method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${a.token}` } });
    const response = new Promise<{ status: number; text: string }>((resolve, reject) => {
      req.on('response', (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', reject);
    });
    req.write(body.slice(0, 20));
    await waitForMetric(hub, 'parley_http_requests_in_flight', 2); // ours + the /metrics request itself
    const closing = hub.close();
    req.end(body.slice(20));
    const res = await response;
    await closing;
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toMatchObject({ status: 'success', content: { seq: 1 } });
  });
});
