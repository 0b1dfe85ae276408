import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const entry = fileURLToPath(new URL('../src/index.ts', import.meta.url));
const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

function isBuiltin(path: string): boolean {
  return path.startsWith('node:') || builtins.has(path) || builtins.has(path.split('/')[0]!);
}

describe('browser bundle of the main entry', () => {
  it('contains no Node built-in, resolved or not', async () => {
    const unresolved: string[] = [];
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      metafile: true,
      logLevel: 'silent',
      plugins: [
        {
          // Records every import of a built-in instead of letting esbuild error out, so the failure message lists them all.
          name: 'record-builtins',
          setup(b) {
            b.onResolve({ filter: /.*/ }, (args) => {
              if (isBuiltin(args.path)) {
                unresolved.push(`${args.path} (from ${args.importer})`);
                return { path: args.path, external: true };
              }
              return undefined;
            });
          },
        },
      ],
    });
    const inputs = Object.keys(result.metafile.inputs);
    const externalImports = Object.values(result.metafile.outputs).flatMap((o) => o.imports.map((i) => i.path));
    expect(unresolved).toEqual([]);
    expect(externalImports.filter(isBuiltin)).toEqual([]);
    expect(inputs.filter((p) => isBuiltin(p))).toEqual([]);
    // `ws` is reachable only through a dynamic import; in the browser its "browser" field maps it to a stub without Node code.
    const wsInputs = inputs.filter((p) => p.includes('/ws/'));
    expect(wsInputs.every((p) => p.endsWith('ws/browser.js'))).toBe(true);
    // Sanity: the client itself is in the bundle (the check is not vacuous).
    expect(inputs.some((p) => p.endsWith('src/client.ts'))).toBe(true);
    expect(inputs.some((p) => p.includes('eventemitter3'))).toBe(true);
  });

  it('the check catches a Node built-in (the node entry has them)', async () => {
    const nodeEntry = fileURLToPath(new URL('../src/node.ts', import.meta.url));
    const seen: string[] = [];
    await build({
      entryPoints: [nodeEntry],
      bundle: true,
      platform: 'browser',
      write: false,
      logLevel: 'silent',
      plugins: [
        {
          name: 'record-builtins',
          setup(b) {
            b.onResolve({ filter: /.*/ }, (args) => {
              if (isBuiltin(args.path)) {
                seen.push(args.path);
                return { path: args.path, external: true };
              }
              return undefined;
            });
          },
        },
      ],
    });
    expect(seen).toContain('node:fs/promises');
  });
});
