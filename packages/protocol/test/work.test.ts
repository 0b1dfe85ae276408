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

  it('tasks take ISO deadlines, URL artifacts, P0-P3 and a positive reward', () => {
    const create = actions['task/create'].params;
    expect(create.parse({ title: 'x' })).toMatchObject({ priority: 'P2' });
    expect(ok(create.safeParse({ title: 'x', deadline: 'tomorrow' }))).toBe(false);
    expect(ok(create.safeParse({ title: 'x', deadline: '2026-12-01T10:00:00Z', priority: 'P0', reward: { asset: 'PLY', amount: 5 } }))).toBe(true);
    expect(ok(create.safeParse({ title: 'x', reward: { asset: 'PLY', amount: 0 } }))).toBe(false);
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
