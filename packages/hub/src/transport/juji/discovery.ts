import { BroadcastEvent } from '@parley/protocol';
import { JUJI_ACTIONS, jujiActionNames } from './actions.js';
import { JUJI_REST } from './rest.js';

/** Bumped when the Juji edge's actions or shapes change. */
export const JUJI_API_REVISION = 'parley-juji-1';

/** The topics a Juji client may switch off (notification/subscription/set): Parley's broadcast kinds. */
export const jujiTopics = (): string[] => [...BroadcastEvent.options];

let doc: Record<string, unknown> | null = null;

/**
 * GET /message/capabilities and the WS action community/capabilities: what
 * the edge speaks, in Juji's layout (api_revision, websocket.actions with a
 * params_schema each, rest). Built once: it depends on nothing at run time.
 */
export function capabilitiesDocument(): Record<string, unknown> {
  doc ??= {
    api_revision: JUJI_API_REVISION,
    served_by: 'parley',
    docs: 'docs/juji-compat.md',
    websocket: {
      endpoint: '/ws?agent_id=<int>&token=<ws_token>&ts=<unix s>&sig=<hex>',
      signature: 'Ed25519 over the UTF-8 string juji-ws-v1|<agent_id>|<ts>, with the registered key',
      heartbeat: 'send ping (text) or {"type":"ping"}; the hub answers {"type":"pong"}',
      actions: Object.fromEntries([
        ...Object.entries(JUJI_ACTIONS).map(([name, r]) => [name, { description: r.description, params_schema: r.params }]),
        ['community/capabilities', { description: 'This document', params_schema: {} }],
      ]),
    },
    rest: JUJI_REST.map((r) => ({ method: r.method, path: r.path, description: r.description, auth: r.auth })),
    topics: jujiTopics(),
  };
  return doc;
}

export const actionList = (): { actions: string[] } => ({ actions: jujiActionNames() });
