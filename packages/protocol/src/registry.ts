import type { z } from 'zod';

/** One action of the wire protocol, declared once: name, schemas and description. */
export interface ActionSpec<
  N extends string = string,
  P extends z.ZodType = z.ZodType,
  R extends z.ZodType = z.ZodType,
> {
  readonly name: N;
  readonly description: string;
  readonly params: P;
  readonly result: R;
}

/** One push event: name, the schema of its `data`, and which streams carry it. */
export interface EventSpec<N extends string = string, D extends z.ZodType = z.ZodType> {
  readonly name: N;
  readonly description: string;
  readonly data: D;
}

export function defineAction<N extends string, P extends z.ZodType, R extends z.ZodType>(
  spec: ActionSpec<N, P, R>,
): ActionSpec<N, P, R> {
  return spec;
}

export function defineEvent<N extends string, D extends z.ZodType>(spec: EventSpec<N, D>): EventSpec<N, D> {
  return spec;
}

/** Turns a list of specs into a record keyed by name, keeping every literal type. */
export function byName<T extends { readonly name: string }>(specs: readonly T[]): { [K in T['name']]: Extract<T, { name: K }> } {
  const out: Record<string, T> = {};
  for (const s of specs) {
    if (out[s.name]) throw new Error(`duplicate protocol name: ${s.name}`);
    out[s.name] = s;
  }
  return out as { [K in T['name']]: Extract<T, { name: K }> };
}
