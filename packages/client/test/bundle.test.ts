import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bundleForBrowser, isNodeBuiltin } from '../../../test-support/browser-bundle.js';

const entry = (file: string) => fileURLToPath(new URL(`../src/${file}`, import.meta.url));

describe('browser bundle of the main entry', () => {
  it('contains no Node built-in, resolved or not', async () => {
    const { builtinImports, inputs, externalImports } = await bundleForBrowser(entry('index.ts'));
    expect(builtinImports).toEqual([]);
    expect(externalImports.filter(isNodeBuiltin)).toEqual([]);
    expect(inputs.filter((p) => isNodeBuiltin(p))).toEqual([]);
    // `ws` is reachable only through a dynamic import; in the browser its "browser" field maps it to a stub without Node code.
    const wsInputs = inputs.filter((p) => p.includes('/ws/'));
    expect(wsInputs.every((p) => p.endsWith('ws/browser.js'))).toBe(true);
    // Sanity: the client itself is in the bundle (the check is not vacuous).
    expect(inputs.some((p) => p.endsWith('src/client.ts'))).toBe(true);
    // The task worker is part of the browser entry too (client.tasks.work).
    expect(inputs.some((p) => p.endsWith('src/worker.ts'))).toBe(true);
    expect(inputs.some((p) => p.includes('eventemitter3'))).toBe(true);
    // The human's side (AccountClient) too: the console uses it in the browser.
    expect(inputs.some((p) => p.endsWith('src/account.ts'))).toBe(true);
  });

  it('the check catches a Node built-in (the node entry has them)', async () => {
    const { builtinImports } = await bundleForBrowser(entry('node.ts'));
    expect(builtinImports.some((i) => i.startsWith('node:fs/promises '))).toBe(true);
  });
});
