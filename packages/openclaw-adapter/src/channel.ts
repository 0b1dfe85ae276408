// Parley as an OpenClaw channel ("parley" in the manifest's `channels`).
// Through it, Parley events the config lets the agent answer arrive as
// inbound messages (inbound.ts), the agent's replies go back as Parley
// actions, and the gateway's shared `message` tool and `send` method reach
// any Parley target (targets.ts). The hub connection itself stays with the
// plugin's background service; the channel account follows it (status) and
// hands the runtime the host's channel runtime while it runs.
import { DEFAULT_ACCOUNT, type ResolvedConfig } from './config.js';
import type { ChannelAccountSnapshot, ChannelGatewayContext, ChannelOutboundContext, ChannelPlugin, OpenClawConfig, OutboundDeliveryResult } from './openclaw-types.js';
import { ConfigError } from './errors.js';
import type { ParleyPluginRuntime } from './plugin.js';
import { CHANNEL_ID, normalizeTarget, targetChatType } from './targets.js';

/** The Parley identity of the top-level plugin config; `accounts` adds more, one channel account each. */
export const DEFAULT_ACCOUNT_ID = DEFAULT_ACCOUNT;

export interface ParleyAccount {
  accountId: string;
  enabled: boolean;
  configured: boolean;
  config: ResolvedConfig | null;
}

export const CHANNEL_META = {
  id: CHANNEL_ID,
  label: 'Parley',
  selectionLabel: 'Parley (agent network)',
  docsPath: '/channels/parley',
  blurb: 'Talk with other agents on a Parley hub: direct messages, topics, chats and delegated work.',
} as const;

function abortPromise(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((done) => signal.addEventListener('abort', () => done(), { once: true }));
}

/** `current` gives the runtimes that hold the connections, by account (see registerParley). */
export function parleyChannel(current: () => ReadonlyMap<string, ParleyPluginRuntime>): ChannelPlugin<ParleyAccount> {
  const runtimeOf = (accountId?: string | null): ParleyPluginRuntime => {
    const id = accountId || DEFAULT_ACCOUNT_ID;
    const r = current().get(id);
    if (!r) throw new ConfigError(`no Parley account "${id}": the accounts are ${[...current().keys()].join(', ')}`);
    return r;
  };
  const account = (accountId?: string | null): ParleyAccount => {
    const id = accountId || DEFAULT_ACCOUNT_ID;
    const r = current().get(id)?.configResult;
    return { accountId: id, enabled: r !== undefined, configured: r?.ok === true, config: r?.ok ? r.config : null };
  };
  const snapshot = (accountId: string, extra: ChannelAccountSnapshot = {}): ChannelAccountSnapshot => {
    const runtime = current().get(accountId);
    const conn = runtime?.connection;
    return {
      accountId,
      enabled: runtime !== undefined,
      configured: runtime?.configResult.ok === true,
      connected: conn?.state === 'connected',
      ...(conn?.agentId ? { agentId: conn.agentId } : {}),
      ...extra,
    };
  };
  return {
    id: CHANNEL_ID,
    meta: { ...CHANNEL_META },
    capabilities: { chatTypes: ['direct', 'group'] },
    reload: { configPrefixes: [`plugins.entries.${CHANNEL_ID}`, `channels.${CHANNEL_ID}`] },
    config: {
      listAccountIds: () => [...current()].filter(([, r]) => r.configResult.ok).map(([id]) => id),
      resolveAccount: (_cfg: OpenClawConfig, accountId?: string | null) => account(accountId),
      defaultAccountId: () => DEFAULT_ACCOUNT_ID,
      isEnabled: (a) => a.enabled,
      isConfigured: (a) => a.configured,
      inspectAccount: (_cfg: OpenClawConfig, accountId?: string | null) => {
        const a = account(accountId);
        return { enabled: a.enabled, configured: a.configured };
      },
    },
    messaging: {
      normalizeTarget,
      inferTargetChatType: ({ to }) => targetChatType(to),
      targetResolver: { looksLikeId: (raw) => normalizeTarget(raw) !== undefined, hint: '<agt_... | top_... | cnv_... | dlg_... | dlb_...>' },
    },
    outbound: {
      deliveryMode: 'direct',
      textChunkLimit: 8000,
      sendText: async (ctx: ChannelOutboundContext): Promise<OutboundDeliveryResult> => {
        const sent = await runtimeOf(ctx.accountId).sendText(ctx);
        return { channel: CHANNEL_ID, messageId: sent.messageId, timestamp: Date.now() };
      },
    },
    gateway: {
      async startAccount(ctx: ChannelGatewayContext<ParleyAccount>): Promise<void> {
        const id = ctx.accountId || DEFAULT_ACCOUNT_ID;
        const runtime = runtimeOf(id);
        ctx.setStatus(snapshot(id, { running: true, lifecycle: 'starting' }));
        const detach = runtime.attachChannel({
          runtime: ctx.channelRuntime ?? runtime.api.runtime.channel,
          status: (connected) => ctx.setStatus(snapshot(id, { running: true, lifecycle: connected ? 'ready' : 'recovering', connected, ...(connected ? { lastConnectedAt: Date.now() } : {}) })),
          inbound: () => ctx.setStatus({ ...ctx.getStatus(), lastInboundAt: Date.now() }),
          outbound: () => ctx.setStatus({ ...ctx.getStatus(), lastOutboundAt: Date.now() }),
        });
        try {
          ctx.setStatus(snapshot(id, { running: true, lifecycle: runtime.connection?.state === 'connected' ? 'ready' : 'recovering' }));
          // The host restarts an account whose start resolves: hold until it stops us.
          await abortPromise(ctx.abortSignal);
        } finally {
          detach();
          ctx.setStatus(snapshot(id, { running: false, lifecycle: 'stopped' }));
        }
      },
    },
  };
}
