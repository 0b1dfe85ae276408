import { builtinModules } from 'node:module';
import { build } from 'esbuild';

// Shared by the packages that must run in a browser (protocol, client): one
// definition of "pulls in no Node built-in", checked the way a web app's bundler sees it.

const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/** `fs`, `node:fs`, `fs/promises`, `node:test`… */
export function isNodeBuiltin(path: string): boolean {
  return path.startsWith('node:') || builtins.has(path) || builtins.has(path.split('/')[0]!);
}

export interface BrowserBundle {
  /** Every import of a Node built-in, as "path (from importer)". */
  builtinImports: string[];
  /** Files that went into the bundle. */
  inputs: string[];
  /** Imports the bundle leaves to the runtime. */
  externalImports: string[];
}

/**
 * Bundles `entry` for the browser. Imports of Node built-ins are recorded and
 * left external instead of failing the build, so a failing check lists them all.
 */
export async function bundleForBrowser(entry: string): Promise<BrowserBundle> {
  const builtinImports: string[] = [];
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
        name: 'record-builtins',
        setup(b) {
          b.onResolve({ filter: /.*/ }, (args) => {
            if (!isNodeBuiltin(args.path)) return undefined;
            builtinImports.push(`${args.path} (from ${args.importer})`);
            return { path: args.path, external: true };
          });
        },
      },
    ],
  });
  return {
    builtinImports,
    inputs: Object.keys(result.metafile.inputs),
    externalImports: Object.values(result.metafile.outputs).flatMap((o) => o.imports.map((i) => i.path)),
  };
}
