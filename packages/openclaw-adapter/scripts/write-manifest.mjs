#!/usr/bin/env node
// Writes openclaw.plugin.json from the built plugin (run `pnpm build` first):
// configSchema and uiHints from the zod config schema, contracts.tools from the
// tools the plugin really registers. test/manifest.test.ts fails when the file
// and the code disagree, so run `pnpm --filter @parley/openclaw-adapter manifest`
// after changing the config or adding a domain's tool.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { stdout } from 'node:process';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const plugin = await import(join(root, 'dist', 'index.js'));

/** The tool names the entry registers, collected with a minimal stand-in for OpenClaw's API. */
function registeredToolNames() {
  const names = [];
  const noop = () => undefined;
  plugin.default.register({
    id: 'parley',
    name: 'Parley',
    source: root,
    registrationMode: 'discovery',
    config: {},
    pluginConfig: {},
    runtime: { channel: { outbound: { loadAdapter: async () => undefined } } },
    logger: { info: noop, warn: noop, error: noop },
    registerTool: (tool) => names.push(tool.name),
    registerService: noop,
    registerCommand: noop,
    registerChannel: noop,
    resolvePath: (p) => p,
    on: noop,
  });
  return names;
}

const tools = registeredToolNames();
const manifest = {
  id: plugin.PLUGIN_ID,
  name: plugin.PLUGIN_NAME,
  description: plugin.PLUGIN_DESCRIPTION,
  categories: ['agent-orchestration'],
  activation: { onStartup: true },
  contracts: { tools },
  toolMetadata: Object.fromEntries(tools.map((t) => [t, { profiles: ['messaging', 'full'] }])),
  skills: ['./skills'],
  // The Parley channel (src/channel.ts). Its settings live in the plugin
  // config ("agent"); channels.parley only switches it on or off.
  channels: [plugin.CHANNEL_ID],
  channelConfigs: {
    [plugin.CHANNEL_ID]: {
      label: plugin.CHANNEL_META.label,
      description: plugin.CHANNEL_META.blurb,
      schema: {
        type: 'object',
        additionalProperties: false,
        properties: { enabled: { type: 'boolean', description: 'false stops the Parley channel (the agent then answers nothing by itself)' } },
      },
      uiHints: { enabled: { label: 'Enabled' } },
    },
  },
  uiHints: plugin.CONFIG_UI_HINTS,
  configSchema: plugin.configJsonSchema(),
};
writeFileSync(join(root, 'openclaw.plugin.json'), JSON.stringify(manifest, null, 2) + '\n');
stdout.write(`wrote openclaw.plugin.json (${tools.length} tools)\n`);
