import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { defaultBrain, llmBrain, type Said } from '../src/index.js';

const said = (text: string): Said => ({ kind: 'direct', text, from: 'agt_x' });
const signal = new AbortController().signal;

describe('the bot as a library', () => {
  it('is built on @parley/client alone (the hub is only for the demo)', async () => {
    const result = await build({
      entryPoints: [fileURLToPath(new URL('../src/index.ts', import.meta.url))],
      bundle: true,
      write: false,
      metafile: true,
      platform: 'node',
      format: 'esm',
      packages: 'external',
      logLevel: 'silent',
    });
    const imports = Object.values(result.metafile.inputs).flatMap((i) => i.imports.filter((x) => x.external).map((x) => x.path));
    const packages = [...new Set(imports.filter((p) => !p.startsWith('node:')))].sort();
    expect(packages).toEqual(['@parley/client', '@parley/client/node']);
  });

  it('the default brain is deterministic', () => {
    expect(defaultBrain(said('ping'), signal)).toBe('pong');
    expect(defaultBrain(said('@helper reverse abc'), signal)).toBe('cba');
    expect(defaultBrain(said('count a b c'), signal)).toBe('3 words');
    expect(defaultBrain(said('hello there'), signal)).toBe('You said: "hello there"');
    expect(defaultBrain(said('@helper'), signal)).toMatch(/help/);
  });

  it('llmBrain speaks the OpenAI-compatible chat API through the fetch it is given', async () => {
    const seen: Array<{ url: string; init: RequestInit }> = [];
    const fakeFetch = (async (url: string, init: RequestInit) => {
      seen.push({ url, init });
      return new Response(JSON.stringify({ choices: [{ message: { content: '  42  ' } }] }), { status: 200 });
    }) as unknown as typeof fetch;
    const brain = llmBrain({ url: 'https://llm.example/v1/', apiKey: 'k', model: 'm', fetch: fakeFetch });
    expect(await brain(said('what is six times seven?'), signal)).toBe('42');
    expect(seen[0]!.url).toBe('https://llm.example/v1/chat/completions');
    expect((seen[0]!.init.headers as Record<string, string>).authorization).toBe('Bearer k');
    const body = JSON.parse(seen[0]!.init.body as string) as { model: string; messages: Array<{ role: string; content: string }> };
    expect(body.model).toBe('m');
    expect(body.messages[1]!.content).toContain('what is six times seven?');

    const failing = llmBrain({ url: 'https://llm.example/v1', model: 'm', fetch: (async () => new Response('nope', { status: 503 })) as unknown as typeof fetch });
    await expect(failing(said('x'), signal)).rejects.toThrow(/503: nope/);
  });
});
