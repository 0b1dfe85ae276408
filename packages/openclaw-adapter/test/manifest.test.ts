// The package as OpenClaw sees it before and while loading it: the manifest,
// package.json's "openclaw" block, the shipped skill, the entry's shape, the
// tools' JSON Schemas, and the absence of any import of OpenClaw itself.
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { actions } from '@parley/protocol';
import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import { resolveAccounts, resolveConfig } from '../src/config.js';
import entry, { opParamsSchema, CONFIG_UI_HINTS, configJsonSchema, DOMAINS, PLUGIN_ID } from '../src/index.js';
import { fakeGateway } from './fake-openclaw.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const manifest = JSON.parse(readFileSync(join(root, 'openclaw.plugin.json'), 'utf8')) as {
  id: string;
  name: string;
  configSchema: Record<string, unknown>;
  uiHints: Record<string, unknown>;
  contracts: { tools: string[] };
  toolMetadata: Record<string, unknown>;
  activation: { onStartup: boolean };
  channels: string[];
  channelConfigs: Record<string, { schema: Record<string, unknown>; label: string }>;
  skills: string[];
};
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  name: string;
  files: string[];
  openclaw: { extensions: string[] };
  dependencies?: Record<string, string>;
  devDependencies: Record<string, string>;
  peerDependencies?: Record<string, string>;
};

function registered() {
  const gw = fakeGateway({}, root);
  entry.register(gw.api);
  return gw;
}

describe('openclaw.plugin.json and package.json', () => {
  it('names the plugin "parley" and starts it with the gateway', () => {
    expect(manifest.id).toBe('parley');
    expect(PLUGIN_ID).toBe('parley');
    expect(entry.id).toBe(manifest.id);
    expect(manifest.activation.onStartup).toBe(true);
  });

  it('owns the channel the entry registers: channels, its config schema, and package.json openclaw.channel', () => {
    const gw = registered();
    expect([...gw.channels.keys()]).toEqual(['parley']);
    expect(manifest.channels).toEqual(['parley']);
    expect(manifest.channelConfigs.parley!.schema).toMatchObject({ type: 'object', additionalProperties: false });
    expect(manifest.channelConfigs.parley!.label).toBe(gw.channels.get('parley')!.meta.label);
    const meta = (pkg as unknown as { openclaw: { channel: Record<string, unknown> } }).openclaw.channel;
    expect(meta).toEqual({ ...gw.channels.get('parley')!.meta });
  });

  it('declares in contracts.tools exactly the tools the entry registers', () => {
    const gw = registered();
    expect(gw.toolOrder).toEqual(manifest.contracts.tools);
    expect(Object.keys(manifest.toolMetadata).sort()).toEqual([...manifest.contracts.tools].sort());
    expect(gw.toolOrder).toEqual(DOMAINS.flatMap((d) => (d.tools ?? []).map((t) => t.name)));
  });

  it('carries the config schema and UI hints generated from the zod config (run "pnpm manifest" when this fails)', () => {
    expect(manifest.configSchema).toEqual(configJsonSchema());
    expect(manifest.uiHints).toEqual(CONFIG_UI_HINTS);
    expect(entry.configSchema.jsonSchema).toEqual(manifest.configSchema);
    // The hints are the manifest's alone: configSchema.uiHints is deprecated in the host SDK.
    expect(entry.configSchema).not.toHaveProperty('uiHints');
  });

  it('has a config schema that a JSON Schema validator accepts, with defaults for everything but the route', () => {
    const ajv = new Ajv({ strict: true, useDefaults: true, allErrors: true });
    const validate = ajv.compile(manifest.configSchema);
    const value: Record<string, unknown> = {};
    expect(validate(value), JSON.stringify(validate.errors)).toBe(true);
    expect(value).toMatchObject({ hubUrl: 'http://127.0.0.1:8787', topicMessages: 'all', rateLimit: {}, reconnect: {} });
    expect(validate({ route: { channel: 'telegram', to: '123', threadId: 7 }, events: ['p2p.message'], rateLimit: { burst: 2, perMinute: 6 } })).toBe(true);
    expect(validate({ hubUrl: 'ftp://nope' })).toBe(false);
    expect(validate({ events: ['no.such.event'] })).toBe(false);
    expect(validate({ surprise: true })).toBe(false);
  });

  it('accounts inherit the top level (agent switches key by key) and are checked', () => {
    const r = resolveAccounts({ hubUrl: 'http://hub:1', identityPath: 'me.json', agent: { directMessages: true }, accounts: { work: { agentName: 'w', agent: { chatTurns: true } } } });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect([...r.accounts.keys()]).toEqual(['default', 'work']);
    expect(r.accounts.get('work')).toMatchObject({ hubUrl: 'http://hub:1', agentName: 'w', agent: { directMessages: true, chatTurns: true } });
    // Its own key: the top level's identityPath is not inherited.
    expect(r.accounts.get('work')!.identityPath).toBeUndefined();
    expect(resolveAccounts({ accounts: { default: {} } })).toMatchObject({ ok: false, error: expect.stringContaining('the account "default" is the top-level config') });
    expect(resolveAccounts({ accounts: { 'Bad Id': {} } })).toMatchObject({ ok: false, error: expect.stringContaining('an account id is') });
    expect(resolveAccounts({ accounts: { work: { hubUrl: 'ftp://x' } } })).toMatchObject({ ok: false });
  });

  it('hubUrl takes one URL or a non-empty list of hubs sharing one database, in the manifest schema and the zod schema alike', () => {
    const list = ['http://hub-a:8787', 'http://hub-b:8787'];
    const r = resolveConfig({ hubUrl: list });
    expect(r).toMatchObject({ ok: true, config: { hubUrl: list } });
    expect(resolveAccounts({ hubUrl: 'http://hub:1', accounts: { work: { hubUrl: list } } })).toMatchObject({ ok: true });
    expect(resolveConfig({ hubUrl: [] })).toMatchObject({ ok: false, error: expect.stringContaining('hubUrl lists at least one URL') });
    expect(resolveConfig({ hubUrl: ['http://hub-a:8787', 'ftp://nope'] })).toMatchObject({ ok: false });
    const validate = new Ajv({ strict: true, useDefaults: true, allErrors: true }).compile(manifest.configSchema);
    expect(validate({ hubUrl: list })).toBe(true);
    expect(validate({ accounts: { work: { hubUrl: list } } })).toBe(true);
    expect(validate({ hubUrl: [] })).toBe(false);
    expect(validate({ hubUrl: ['http://hub-a:8787', 'ftp://nope'] })).toBe(false);
  });

  it('entry.configSchema.safeParse defaults and rejects like the manifest', () => {
    const ok = entry.configSchema.safeParse!({ route: { channel: 'telegram', to: '1' } });
    expect(ok.success).toBe(true);
    const bad = entry.configSchema.safeParse!({ rateLimit: { burst: 0 } });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues?.[0]?.path).toEqual(['rateLimit', 'burst']);
  });

  it('points OpenClaw at the built entry and ships the manifest and the skill', () => {
    expect(pkg.openclaw.extensions).toEqual(['./dist/index.js']);
    expect(existsSync(join(root, 'dist', 'index.js'))).toBe(true);
    expect(pkg.files).toEqual(expect.arrayContaining(['dist', 'openclaw.plugin.json', 'skills']));
    expect(manifest.skills).toEqual(['./skills']);
    const skill = readFileSync(join(root, 'skills', 'parley', 'SKILL.md'), 'utf8');
    const front = /^---\n([\s\S]*?)\n---\n/.exec(skill)?.[1] ?? '';
    expect(front).toMatch(/^name: parley$/m);
    expect(front).toMatch(/^description: .{40,}$/m);
    // The skill teaches every tool the plugin has.
    for (const tool of manifest.contracts.tools) expect(skill).toContain(`\`${tool}\``);
  });
});

describe('the entry module', () => {
  it('exports {id, name, description, configSchema, register} as its default', () => {
    expect(Object.keys(entry).sort()).toEqual(['configSchema', 'description', 'id', 'name', 'register']);
    expect(typeof entry.register).toBe('function');
    expect(entry.name).toBe('Parley');
    expect(entry.description.length).toBeGreaterThan(20);
  });

  it('registers the /parley command, the before_dispatch hook and one service, and opens no socket doing so', () => {
    const gw = registered();
    expect([...gw.commands.keys()]).toEqual(['parley']);
    expect(gw.commands.get('parley')).toMatchObject({ acceptsArgs: true, requireAuth: true });
    expect(gw.hooks).toHaveLength(1);
    expect(gw.services.map((s) => s.id)).toEqual(['parley-connection']);
    expect(gw.logs.filter((l) => l.level === 'error')).toEqual([]);
  });

  it('has no runtime import of openclaw (source and build) and no dependency on it', () => {
    const openclawImport = /(?:from\s+['"]openclaw(?:\/[^'"]*)?['"]|import\s*\(\s*['"]openclaw|require\(\s*['"]openclaw)/;
    const srcFiles: string[] = [];
    const walk = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        if (e.isDirectory()) walk(join(dir, e.name));
        else if (e.name.endsWith('.ts')) srcFiles.push(join(dir, e.name));
      }
    };
    walk(join(root, 'src'));
    for (const f of srcFiles) expect(readFileSync(f, 'utf8'), f).not.toMatch(openclawImport);
    for (const f of readdirSync(join(root, 'dist')).filter((n) => /\.c?js$/.test(n))) {
      expect(readFileSync(join(root, 'dist', f), 'utf8'), f).not.toMatch(openclawImport);
    }
    const all = { ...pkg.dependencies, ...pkg.devDependencies, ...(pkg.peerDependencies ?? {}) };
    expect(Object.keys(all).some((d) => d === 'openclaw' || d.startsWith('@openclaw/'))).toBe(false);
  });

  it('is one self-contained archive: no runtime dependencies, and the packed files load with no node_modules anywhere', async () => {
    // `openclaw plugins install <file>` refuses a package whose node_modules
    // reach outside it, and @parley/* need not be on the gateway's registry:
    // the build bundles everything, so the package declares nothing to install.
    expect(pkg.dependencies ?? {}).toEqual({});
    expect(pkg.peerDependencies ?? {}).toEqual({});
    for (const f of ['index.js', 'index.cjs']) {
      const built = readFileSync(join(root, 'dist', f), 'utf8');
      const specifiers = [
        ...[...built.matchAll(/^\s*(?:import|export)\b[^;'"]*?from\s*['"]([^'"]+)['"]/gm)].map((m) => m[1]!),
        ...[...built.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1]!),
        ...[...built.matchAll(/\brequire\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1]!),
      ];
      expect(specifiers.length, f).toBeGreaterThan(3);
      for (const s of specifiers) {
        const name = s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]!;
        // ws's optional native speed-ups: required inside a try, absent is fine.
        const optional = name === 'bufferutil' || name === 'utf-8-validate';
        expect(s.startsWith('node:') || s.startsWith('./') || builtinModules.includes(name) || optional, `${f} imports ${s}`).toBe(true);
      }
    }
    // The files `npm pack` would ship, copied where no node_modules is above
    // them, load and produce the plugin entry, in both module formats.
    const dir = mkdtempSync(join(tmpdir(), 'parley-plugin-'));
    try {
      for (const f of [...pkg.files, 'package.json']) cpSync(join(root, f), join(dir, f), { recursive: true });
      const mod = (await import(pathToFileURL(join(dir, 'dist', 'index.js')).href)) as { default: { id: string; register: unknown } };
      expect(mod.default.id).toBe('parley');
      expect(typeof mod.default.register).toBe('function');
      const cjs = createRequire(join(dir, 'package.json'))(join(dir, 'dist', 'index.cjs')) as { default: { id: string } };
      expect(cjs.default.id).toBe('parley');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('tool parameter schemas', () => {
  const gw = registered();
  const tools = [...gw.tools.values()];

  it('are flat objects that the host validator (Ajv, draft-07) compiles, strict mode included', () => {
    // What pi-ai does with a tool's parameters before calling execute.
    const host = new Ajv({ allErrors: true, strict: false, coerceTypes: true });
    const strict = new Ajv({ allErrors: true, strict: true });
    for (const t of tools) {
      const p = t.parameters;
      expect(p.type, t.name).toBe('object');
      for (const k of ['anyOf', 'oneOf', 'allOf', '$ref', '$schema', '$defs', 'definitions']) expect(p, `${t.name} ${k}`).not.toHaveProperty(k);
      expect(JSON.stringify(p), t.name).not.toContain('$schema');
      host.compile(p);
      strict.compile(p);
      expect(t.name).toMatch(/^parley_[a-z0-9_]+$/);
      expect(t.label.length).toBeGreaterThan(3);
      expect(t.description.length).toBeGreaterThan(40);
    }
  });

  it('give multi-op tools a required op enum, and accept every op with its required fields', () => {
    const ajv = new Ajv({ allErrors: true, strict: false, coerceTypes: true });
    for (const d of DOMAINS) {
      for (const spec of d.tools ?? []) {
        const t = gw.tools.get(spec.name)!;
        const validate = ajv.compile(t.parameters);
        const ops = Object.keys(spec.ops);
        const props = t.parameters.properties as Record<string, { enum?: string[] }>;
        if (ops.length > 1) {
          expect(props.op?.enum, spec.name).toEqual(ops);
          expect(t.parameters.required).toEqual(['op']);
          expect(validate({}), `${spec.name} without op`).toBe(false);
          expect(validate({ op: 'nope' })).toBe(false);
        } else expect(props.op).toBeUndefined();
        // Every field of every op's action (or of a custom op's own params) is offered by the tool.
        for (const o of Object.values(spec.ops)) {
          const fields = Object.keys((opParamsSchema(o).properties ?? {}) as Record<string, unknown>);
          for (const field of fields) expect(props, `${spec.name} ${o.action} ${field}`).toHaveProperty(field);
        }
      }
    }
    const topics = ajv.compile(gw.tools.get('parley_topics')!.parameters);
    expect(topics({ op: 'create', name: 'x', type: 'discussion' })).toBe(true);
    expect(topics({ op: 'create', name: 'x', surprise: 1 })).toBe(false);
    expect(topics({ op: 'update', topic_id: 'top_abc', description: null })).toBe(true);
    // Timestamps are checked by their pattern (the `format` keyword is left out: the host's Ajv has no formats).
    const tasks = ajv.compile(gw.tools.get('parley_tasks')!.parameters);
    expect(tasks({ op: 'create', title: 'x', deadline: '2026-12-01T17:00:00Z' })).toBe(true);
    expect(tasks({ op: 'create', title: 'x', deadline: 'next friday' })).toBe(false);
    expect(tasks({ op: 'update', task_id: 'tsk_abc', deadline: null })).toBe(true);
    expect(JSON.stringify(gw.tools.get('parley_tasks')!.parameters)).not.toContain('"format"');
    expect(gw.tools.get('parley_history')!.parameters.properties).toHaveProperty('format');
    // A transfer is signed by the plugin: the agent gives neither the nonce nor the signature.
    const transfer = gw.tools.get('parley_transfer')!.parameters;
    expect(Object.keys(transfer.properties as Record<string, unknown>).sort()).toEqual(['amount', 'asset', 'memo', 'to']);
    expect(ajv.compile(transfer)({ to: `agt_${'a'.repeat(32)}`, asset: 'PLY', amount: '250' })).toBe(true);
    expect(ajv.compile(transfer)({ to: `agt_${'a'.repeat(32)}`, asset: 'PLY', amount: '2.5' })).toBe(false);
    const publish = ajv.compile(gw.tools.get('parley_publish')!.parameters);
    expect(publish({ topic_id: 'top_abc', content: 'hi' })).toBe(true);
    expect(publish({ topic_id: 'nope', content: 'hi' })).toBe(false);
  });

  it('reach every action of the domains the adapter covers', () => {
    const covered = new Set(DOMAINS.flatMap((d) => (d.tools ?? []).flatMap((t) => Object.values(t.ops).map((o) => o.action))));
    const domains = ['agent', 'topic', 'p2p', 'inbox', 'notification', 'talk', 'memory', 'task', 'pipeline', 'delegate', 'world', 'chat', 'feedback'];
    domains.push('proposal', 'committee', 'deliberation', 'governance', 'asset', 'wallet', 'ledger');
    domains.push('skill');
    domains.push('service');
    domains.push('content');
    domains.push('account');
    const expected = Object.keys(actions).filter((a) => domains.includes(a.split('/')[0]!));
    expect([...covered].sort()).toEqual(expected.sort());
  });
});
