import { z } from 'zod';
import { defineAction } from '../registry.js';

const JsonSchema = z.record(z.string(), z.unknown());

export const CapabilitiesDocument = z.object({
  protocol: z.string(),
  api_revision: z.string(),
  actions: z.record(
    z.string(),
    z.object({ description: z.string(), params_schema: JsonSchema, result_schema: JsonSchema }),
  ),
  events: z.record(z.string(), z.object({ description: z.string(), data_schema: JsonSchema })),
});
export type CapabilitiesDocument = z.infer<typeof CapabilitiesDocument>;

export const capabilitiesGet = defineAction({
  name: 'capabilities/get',
  description: 'Every action and event this hub speaks, with JSON Schemas of params, results and event data.',
  params: z.strictObject({}),
  result: CapabilitiesDocument,
});
