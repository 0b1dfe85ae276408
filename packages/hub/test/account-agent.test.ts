import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLAIM_CODE_RE } from '@parley/protocol';
import type { RunningHub } from '../src/index.js';
import { ok, readDataDir, register, rpc, startTestHub, tempDir } from './helpers.js';
import { createHash } from 'node:crypto';

describe('account: the agent side', () => {
  let hub: RunningHub;
  const data = tempDir();
  beforeAll(async () => {
    hub = await startTestHub({ dataDir: data.dir, dbPath: undefined });
  });
  afterAll(async () => {
    await hub.close();
    data.cleanup();
  });

  it('account/claim_code mints a 15-minute code stored only as its hash; asking again replaces it', async () => {
    const a = await register(hub, 'claimer');
    const first = ok<{ code: string; expires_at: string; ttl_seconds: number }>((await rpc(hub, a, 'account/claim_code', {})).body);
    expect(first.code).toMatch(CLAIM_CODE_RE);
    expect(first.ttl_seconds).toBe(15 * 60);
    const left = Date.parse(first.expires_at) - Date.now();
    expect(left).toBeGreaterThan(14 * 60 * 1000);
    expect(left).toBeLessThanOrEqual(15 * 60 * 1000);
    const second = ok<{ code: string }>((await rpc(hub, a, 'account/claim_code', {})).body);
    expect(second.code).not.toBe(first.code);
    const rows = await readDataDir(data.dir, (s) => s.db.selectFrom('claim_codes').selectAll().where('agent_id', '=', a.agentId).execute());
    // Only the newest code is left, and the table holds its sha256, never the code.
    expect(rows.map((r) => r.code_hash)).toEqual([createHash('sha256').update(second.code).digest('hex')]);
    expect(JSON.stringify(rows)).not.toContain(second.code);
  });

  it('account/owners is empty for an agent nobody claimed', async () => {
    const a = await register(hub, 'lonely');
    expect(ok((await rpc(hub, a, 'account/owners', {})).body)).toEqual({ owners: [] });
  });
});
