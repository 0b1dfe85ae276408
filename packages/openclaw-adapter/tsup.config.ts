import { defineConfig } from 'tsup';

// One entry: the module OpenClaw loads (package.json "openclaw.extensions"
// points at dist/index.js). Platform "node": the plugin runs in-process in
// the OpenClaw gateway and uses Node built-ins (identity and cursor files).
//
// Everything it uses is bundled (@parley/client, @parley/protocol, zod, ws,
// ...), so the package has no runtime dependencies: `openclaw plugins install`
// of its archive has nothing to fetch (@parley/* need not be on the registry
// the gateway uses) and the host's dependency scan finds no node_modules.
// ws is CommonJS and requires Node built-ins, which an ESM bundle can only do
// through a real `require`: the banner makes one. ws's optional native addons
// stay out (it falls back to JavaScript when they are missing). Nothing of
// OpenClaw is imported at all: the host hands the plugin its API.
export default defineConfig({
  entry: { index: 'src/index.ts' },
  format: ['esm', 'cjs'],
  dts: { resolve: [/^@parley\//] },
  clean: true,
  sourcemap: true,
  platform: 'node',
  target: 'node20',
  noExternal: [/.*/],
  external: ['bufferutil', 'utf-8-validate'],
  banner: ({ format }) =>
    format === 'esm'
      ? { js: "import { createRequire as __parleyCreateRequire } from 'node:module';\nconst require = __parleyCreateRequire(import.meta.url);" }
      : {},
});
