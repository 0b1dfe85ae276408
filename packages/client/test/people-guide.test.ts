import { readFileSync } from 'node:fs';
import type { RunningHub } from '@parley/hub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as client from '../src/index.js';
import { hub } from './helpers/env.js';

/**
 * docs/people.md's TypeScript examples, run as written against a real hub:
 * its blocks in order as one script (they build on each other), with the
 * guide's hub URL pointed at this test's hub and `console.log` captured.
 * They are written as plain JavaScript that is also TypeScript, so they run
 * without a compile step; the imports must all come from @parley/client.
 */
const guide = readFileSync(new URL('../../../docs/people.md', import.meta.url), 'utf8');
const blocks = [...guide.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);

let h: RunningHub;
beforeAll(async () => {
  h = await hub();
});
afterAll(async () => {
  await h?.close();
});

describe('docs/people.md', () => {
  it('has its examples in TypeScript blocks, importing only what @parley/client exports', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(4);
    const imported = blocks.flatMap((b) => [...b.matchAll(/^import \{([^}]*)\} from '([^']+)';$/gm)]);
    expect(imported.length).toBeGreaterThan(0);
    for (const [, names, from] of imported) {
      expect(from).toBe('@parley/client');
      for (const name of names!.split(',').map((n) => n.trim())) expect(client, name).toHaveProperty(name);
    }
  });

  it('runs as written: claim, invite, an API key recorded and revoked, a console token ended by logout', async () => {
    const body = blocks
      .join('\n')
      .replace(/^import .*$/gm, '')
      .replaceAll("'http://127.0.0.1:8787'", JSON.stringify(h.url));
    const logs: unknown[][] = [];
    const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (...args: string[]) => (...values: unknown[]) => Promise<void>;
    const names = Object.keys(client);
    const run = new AsyncFunction(...names, 'console', body);
    await run(...names.map((n) => (client as Record<string, unknown>)[n]), { log: (...args: unknown[]) => logs.push(args) });

    expect(logs[0]![0]).toMatch(/^Claim code: PARLEY-CLAIM-[A-Z2-7]{8}\nIt expires in 15 minutes /);
    expect(logs[0]![0]).toContain(`${h.url.replace('127.0.0.1', 'localhost')}/console`);
    expect(logs[1]).toEqual([true, true, 'claim']);
    expect(logs[2]).toEqual(['none']);
    expect(logs[3]).toEqual([['Ada', 'Grace']]);
    expect(logs[4]).toEqual([['agent/update success']]);
    expect(logs[5]).toEqual([true]);
    expect(logs).toHaveLength(6);
  });
});
