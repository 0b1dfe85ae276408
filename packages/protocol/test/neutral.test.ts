import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bundleForBrowser } from '../../../test-support/browser-bundle.js';

const entry = fileURLToPath(new URL('../src/index.ts', import.meta.url));

describe('platform neutrality', () => {
  it('bundles for the browser with no Node built-in among its inputs', async () => {
    const { builtinImports, inputs } = await bundleForBrowser(entry);
    expect(builtinImports).toEqual([]);
    expect(inputs.length).toBeGreaterThan(5);
  });
});
