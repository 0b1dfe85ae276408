import { z } from 'zod';
import { actions } from './actions/index.js';
import type { CapabilitiesDocument } from './actions/capabilities.js';
import { API_REVISION, PROTOCOL_VERSION } from './codes.js';
import { events } from './events.js';

function toSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  // `io: input` describes what a caller may send (defaults optional);
  // `unrepresentable: any` keeps refinements from failing the whole document.
  return z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
}

let cached: CapabilitiesDocument | undefined;

/** The capabilities document: JSON Schema for every action and event, built from the zod schemas. */
export function buildCapabilities(): CapabilitiesDocument {
  if (cached) return cached;
  const doc: CapabilitiesDocument = { protocol: PROTOCOL_VERSION, api_revision: API_REVISION, actions: {}, events: {} };
  for (const spec of Object.values(actions)) {
    doc.actions[spec.name] = {
      description: spec.description,
      params_schema: toSchema(spec.params, 'input'),
      result_schema: toSchema(spec.result, 'output'),
    };
  }
  for (const spec of Object.values(events)) {
    doc.events[spec.name] = { description: spec.description, data_schema: toSchema(spec.data, 'output') };
  }
  cached = doc;
  return doc;
}
