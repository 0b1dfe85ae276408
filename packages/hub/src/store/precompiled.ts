import type { Compilable, CompiledQuery, Kysely } from 'kysely';
import type { Database } from './schema.js';

const MARK = '\u0000parley-arg-';

type Compiled<R> = { query: CompiledQuery<R>; argAt: number[] };

/**
 * A hot query, built with the Kysely builder and compiled once; each call
 * only swaps its arguments in and returns the compiled query, ready for
 * `SyncSql` (or `db.executeQuery`). For the small statements of the hot path,
 * building and compiling took longer than SQLite takes to run them.
 *
 * It stays dialect-neutral: the first call with a given `db` compiles with
 * marker values in place of the arguments (in that db's dialect) and records
 * where each lands among the parameters. The compiled form is kept per `db`,
 * as a SQLite and a PostgreSQL hub may share one process (tests, tools). Arguments must be plain values the
 * builder turns into parameters; one that is not is an error at first use.
 */
export function precompiled<A extends unknown[], R>(
  arity: number,
  build: (db: Kysely<Database>, ...args: A) => Compilable<R>,
): (db: Kysely<Database>, ...args: A) => CompiledQuery<R> {
  // The last db asked for and its compiled form: a hub asks with one db, so
  // the hot path is one comparison; other dbs go through the WeakMap.
  let lastDb: Kysely<Database> | null = null;
  let last: Compiled<R> | null = null;
  const byDb = new WeakMap<Kysely<Database>, Compiled<R>>();
  const compile = (db: Kysely<Database>): Compiled<R> => {
    const marks = Array.from({ length: arity }, (_, i) => MARK + i) as unknown as A;
    const query = build(db, ...marks).compile();
    const argAt = query.parameters.map((p) => (typeof p === 'string' && p.startsWith(MARK) ? Number(p.slice(MARK.length)) : -1));
    for (let i = 0; i < arity; i++) {
      if (!argAt.includes(i)) throw new Error(`precompiled query: argument ${i} is not a parameter of ${query.sql}`);
    }
    return { query, argAt };
  };
  return (db, ...args) => {
    let c = db === lastDb ? last : null;
    if (!c) {
      c = byDb.get(db) ?? compile(db);
      byDb.set(db, c);
      lastDb = db;
      last = c;
    }
    const parameters = c.argAt.map((a, i) => (a < 0 ? c.query.parameters[i] : args[a]));
    return { ...c.query, parameters };
  };
}
