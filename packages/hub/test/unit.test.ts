import type { ResponseFrame } from '@parley/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Dedupe } from '../src/core/dedupe.js';
import { respond } from '../src/core/unit.js';
import type { Sql, Writer } from '../src/store/sql.js';
import type { Store } from '../src/store/store.js';
import { memoryStore } from './helpers.js';

// The request unit: a write's dedupe record commits with its effect, a read stores nothing on disk.
describe('request units and dedupe', () => {
  let store: Store;
  let writer: Writer;
  let bugs: string[];
  beforeEach(async () => {
    store = await memoryStore();
    writer = store.writer;
    bugs = [];
  });
  afterEach(() => store.close());

  const dedupe = (strict = true, memoryEntryBytes?: number) =>
    new Dedupe(store.db, store.read, writer, (_a, _u, why) => bugs.push(why), { strict, ...(memoryEntryBytes ? { memoryEntryBytes } : {}) });
  const ok = (content: unknown): ResponseFrame => ({ agent_id: 'agt_a', u_id: 'u1', status: 'success', content });
  const put = (tx: Sql, key: string) => tx.run(store.db.insertInto('meta').values({ key, value: 'v' }).compile());
  const rows = async (table: 'meta' | 'dedupe') => (await store.db.selectFrom(table).selectAll().execute()).length;
  const metaKeys = async () => (await store.db.selectFrom('meta').select('key').where('key', 'like', 'k%').execute()).map((r) => r.key);

  it('a write records its answer in its own transaction; a duplicate gets it back without running again', async () => {
    const d = dedupe();
    let runs = 0;
    const exec = async () => {
      runs++;
      const result = await writer.run(async (tx) => {
        await put(tx, `k${runs}`);
        return respond(tx, { n: runs });
      });
      return ok(result);
    };
    const first = await d.run('agt_a', 'u1', exec);
    // Committed together: the record is there as soon as the effect is, with no later write.
    expect(await store.db.selectFrom('dedupe').select('response').execute()).toEqual([{ response: JSON.stringify(first) }]);
    expect(await d.run('agt_a', 'u1', exec)).toEqual(first);
    // A new Dedupe (as after a restart) reads it from the table.
    expect(await dedupe().run('agt_a', 'u1', exec)).toEqual(first);
    expect(runs).toBe(1);
    expect(await metaKeys()).toEqual(['k1']);
    expect(bugs).toEqual([]);
  });

  it('a job that fails after recording rolls back its record with its effect, and a retry runs again', async () => {
    const d = dedupe();
    let runs = 0;
    const exec = async () => {
      runs++;
      try {
        const result = await writer.run(async (tx) => {
          await put(tx, `k${runs}`);
          await respond(tx, { n: runs });
          if (runs === 1) throw new Error('fails after recording');
          return { n: runs };
        });
        return ok(result);
      } catch {
        return { agent_id: 'agt_a', u_id: 'u1', status: 'error', content: { error: 'try again', code: 'unavailable' } } satisfies ResponseFrame;
      }
    };
    expect((await d.run('agt_a', 'u1', exec)).status).toBe('error');
    expect(await rows('dedupe')).toBe(0);
    expect(await metaKeys()).toEqual([]);
    expect(await d.run('agt_a', 'u1', exec)).toEqual(ok({ n: 2 }));
    expect(await metaKeys()).toEqual(['k2']);
  });

  it('a request that wrote nothing stores nothing on disk; a small answer is kept in memory, a large one is not', async () => {
    const d = dedupe(true, 256);
    let runs = 0;
    const small = async () => ok({ runs: ++runs });
    const first = await d.run('agt_a', 'u1', small);
    expect(await d.run('agt_a', 'u1', small)).toEqual(first);
    expect(runs).toBe(1);
    const big = async () => ok({ runs: ++runs, text: 'x'.repeat(1000) });
    await d.run('agt_a', 'u2', big);
    await d.run('agt_a', 'u2', big);
    // Too large to keep: the read ran again, which changes nothing.
    expect(runs).toBe(3);
    expect(await rows('dedupe')).toBe(0);
  });

  it('strict: a request that writes without recording, or answers other than it recorded, is answered internal', async () => {
    const d = dedupe(true);
    const unrecorded = await d.run('agt_a', 'u1', async () => ok(await writer.run((tx) => put(tx, 'k1'))));
    expect(unrecorded).toMatchObject({ status: 'error', content: { code: 'internal' } });
    const differs = await d.run('agt_a', 'u2', async () => {
      await writer.run(async (tx) => {
        await put(tx, 'k2');
        await respond(tx, { said: 'one thing' });
      });
      return ok({ said: 'another' });
    });
    expect(differs).toMatchObject({ status: 'error', content: { code: 'internal' } });
    expect(bugs).toHaveLength(2);
  });

  it('not strict: such a request is reported, and its answer still recorded before it is returned', async () => {
    const d = dedupe(false);
    const res = await d.run('agt_a', 'u1', async () => ok(await writer.run((tx) => put(tx, 'k1'))));
    expect(res.status).toBe('success');
    expect(await rows('dedupe')).toBe(1);
    expect(bugs).toHaveLength(1);
  });

  it('a deferred write (bookkeeping) inside a request does not count as its effect', async () => {
    const d = dedupe(true);
    const res = await d.run('agt_a', 'u1', async () => {
      await writer.defer((tx) => put(tx, 'k1'));
      return ok({ read: true });
    });
    expect(res.status).toBe('success');
    expect(await rows('dedupe')).toBe(0);
    expect(bugs).toEqual([]);
  });

  // A client that failed over sends its request again to another hub while the first one still runs it.
  it('a run that finds the record already written (another hub answered first) rolls its effect back and answers with that record', async () => {
    const d = dedupe();
    const first = ok({ n: 'elsewhere' });
    const exec = async () => {
      // The other hub commits its effect and record between this run's lookup and its write.
      await writer.run((tx) =>
        tx.run(store.db.insertInto('dedupe').values({ agent_id: 'agt_a', u_id: 'u1', response: JSON.stringify(first), created_at: Date.now() }).compile()),
      );
      try {
        return ok(
          await writer.run(async (tx) => {
            await put(tx, 'k-second');
            return respond(tx, { n: 'here' });
          }),
        );
      } catch {
        return { agent_id: 'agt_a', u_id: 'u1', status: 'error', content: { error: 'lost', code: 'unavailable' } } satisfies ResponseFrame;
      }
    };
    expect(await d.run('agt_a', 'u1', exec)).toEqual(first);
    expect(await metaKeys()).toEqual([]);
    expect(await store.db.selectFrom('dedupe').select('response').execute()).toEqual([{ response: JSON.stringify(first) }]);
    expect(bugs).toEqual([]);
  });

  it('two hubs running the same request at once apply it once and give the same answer', async () => {
    // Two Dedupes on one store: each its own in-flight map, as two hub processes have.
    const a = dedupe();
    const b = dedupe();
    let runs = 0;
    const exec = async () => {
      const n = ++runs;
      try {
        return ok(
          await writer.run(async (tx) => {
            await put(tx, `k${n}`);
            return respond(tx, { n });
          }),
        );
      } catch {
        return { agent_id: 'agt_a', u_id: 'u1', status: 'error', content: { error: 'lost', code: 'unavailable' } } satisfies ResponseFrame;
      }
    };
    const [x, y] = await Promise.all([a.run('agt_a', 'u1', exec), b.run('agt_a', 'u1', exec)]);
    expect(x).toEqual(y);
    expect(x.status).toBe('success');
    expect(await metaKeys()).toHaveLength(1);
    expect(await rows('dedupe')).toBe(1);
  });
});
