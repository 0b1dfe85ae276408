import { defineConfig } from 'tsup';

// platform "neutral": an import of a Node built-in anywhere in this package is
// a build failure, which keeps the protocol usable in browsers and edge runtimes.
export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  platform: 'neutral',
  target: 'es2022',
  esbuildPlugins: [
    {
      name: 'no-node-builtins',
      setup(build) {
        build.onResolve({ filter: /^node:|^(fs|path|crypto|os|net|http|https|stream|buffer|events|url|util|child_process|tls|zlib)$/ }, (args) => ({
          errors: [{ text: `@parley/protocol must not import the Node built-in "${args.path}" (from ${args.importer})` }],
        }));
      },
    },
  ],
});
