import { describe, expect, it } from 'vitest';
import { actions } from '../src/index.js';

const TASK = 'tsk_abc';
const AGENT = 'agt_' + 'a'.repeat(32);
const ok = (r: { success: boolean }) => r.success;

describe('work orchestration params', () => {
  it('a review that rejects or blocks must say why', () => {
    const review = actions['task/review'].params;
    expect(ok(review.safeParse({ task_id: TASK, decision: 'approve' }))).toBe(true);
    expect(ok(review.safeParse({ task_id: TASK, decision: 'reject' }))).toBe(false);
    expect(ok(review.safeParse({ task_id: TASK, decision: 'block', comment: '  ' }))).toBe(false);
    expect(ok(review.safeParse({ task_id: TASK, decision: 'reject', comment: 'tests fail' }))).toBe(true);
  });

  it('tasks take ISO deadlines, URL artifacts, P0-P3 and a positive integer reward of an asset symbol', () => {
    const create = actions['task/create'].params;
    expect(create.parse({ title: 'x' })).toMatchObject({ priority: 'P2' });
    expect(ok(create.safeParse({ title: 'x', deadline: 'tomorrow' }))).toBe(false);
    expect(ok(create.safeParse({ title: 'x', deadline: '2026-12-01T10:00:00Z', priority: 'P0', reward: { asset: 'PLY', amount: 5 } }))).toBe(true);
    expect(ok(create.safeParse({ title: 'x', reward: { asset: 'PLY', amount: 0 } }))).toBe(false);
    // Amounts are integers in smallest units: a string (any size) or a safe JSON integer, never a fraction.
    expect(create.parse({ title: 'x', reward: { asset: 'PLY', amount: 5 } }).reward).toEqual({ asset: 'PLY', amount: '5' });
    expect(create.parse({ title: 'x', reward: { asset: 'PLY', amount: '123456789012345678901234567890' } }).reward?.amount).toBe('123456789012345678901234567890');
    for (const amount of [2.5, '2.5', '-1', '0', '007', '1e3', 2 ** 53, '1'.repeat(39)]) {
      expect(ok(create.safeParse({ title: 'x', reward: { asset: 'PLY', amount } })), String(amount)).toBe(false);
    }
    expect(ok(create.safeParse({ title: 'x', reward: { asset: 'usdc', amount: 1 } }))).toBe(false);
    expect(ok(actions['task/submit'].params.safeParse({ task_id: TASK, output: 'done', artifacts: ['file:///etc/passwd'] }))).toBe(false);
    expect(actions['task/submit'].params.parse({ task_id: TASK, output: 'done' })).toMatchObject({ artifacts: [] });
  });

  it('delegation: exactly one of output and error; grants grant something', () => {
    const respond = actions['delegate/respond'].params;
    expect(ok(respond.safeParse({ request_id: 'dlg_1' }))).toBe(false);
    expect(ok(respond.safeParse({ request_id: 'dlg_1', output: { a: 1 }, error: 'x' }))).toBe(false);
    expect(ok(respond.safeParse({ request_id: 'dlg_1', output: null }))).toBe(true);
    expect(ok(actions['delegate/grant'].params.safeParse({ manager: AGENT }))).toBe(false);
    expect(ok(actions['delegate/grant'].params.safeParse({ manager: AGENT, can_p2p: true }))).toBe(true);
  });

  it('pipeline/add needs tasks or stages', () => {
    expect(ok(actions['pipeline/add'].params.safeParse({ pipeline_id: 'pip_1' }))).toBe(false);
    expect(ok(actions['pipeline/add'].params.safeParse({ pipeline_id: 'pip_1', stages: [{ title: 'Analyse' }, { title: 'Fix' }] }))).toBe(true);
  });
});

describe('governance and economy params', () => {
  it('names nobody but the caller as voter, applicant or member', () => {
    expect(actions['proposal/vote'].params.safeParse({ proposal_id: 'prp_1', support: true, voter_agent_id: 'agt_x' }).success).toBe(false);
    expect(actions['committee/apply'].params.safeParse({ agent_id: 'agt_x' }).success).toBe(false);
    expect(actions['deliberation/vote'].params.safeParse({ deliberation_id: 'dlb_1', choice: 'APPROVE', reason: 'ok', member_agent_id: 'x' }).success).toBe(false);
  });

  it('needs a reason for a deliberation vote and one of the three choices', () => {
    const vote = actions['deliberation/vote'].params;
    expect(vote.safeParse({ deliberation_id: 'dlb_1', choice: 'APPROVE', reason: 'sound' }).success).toBe(true);
    expect(vote.safeParse({ deliberation_id: 'dlb_1', choice: 'APPROVE', reason: '  ' }).success).toBe(false);
    expect(vote.safeParse({ deliberation_id: 'dlb_1', choice: 'MAYBE', reason: 'x' }).success).toBe(false);
  });

  it('takes issuance supplies and transfer amounts as integers, and a signature of the right shape', () => {
    const apply = actions['asset/issuance/apply'].params;
    expect(apply.parse({ name: 'Juji Credit', symbol: 'JUJIC', total_supply: '1000000000000000000', decimals: 18 })).toMatchObject({
      total_supply: '1000000000000000000',
      decimals: 18,
      to_treasury: false,
    });
    expect(apply.safeParse({ name: 'x', symbol: 'JUJIC', total_supply: 0 }).success).toBe(false);
    expect(apply.safeParse({ name: 'x', symbol: 'J', total_supply: 1 }).success).toBe(false);
    expect(apply.safeParse({ name: 'x', symbol: 'JUJIC', total_supply: 1, decimals: 19 }).success).toBe(false);
    const transfer = actions['asset/transfer'].params;
    const good = { to: 'wal_' + 'a'.repeat(32), asset: 'PLY', amount: '5', nonce: 1, sig: 'ab'.repeat(64) };
    expect(transfer.safeParse(good).success).toBe(true);
    expect(transfer.safeParse({ ...good, to: 'agt_' + 'a'.repeat(32) }).success).toBe(true);
    expect(transfer.safeParse({ ...good, nonce: 0 }).success).toBe(false);
    expect(transfer.safeParse({ ...good, amount: '0.5' }).success).toBe(false);
    expect(transfer.safeParse({ ...good, sig: 'AB'.repeat(64) }).success).toBe(false);
  });
});
