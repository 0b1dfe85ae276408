import { z } from 'zod';
import { IsoTimestamp } from '../common.js';
import { BindingMethod, CLAIM_CODE_RE } from '../account.js';
import { defineAction } from '../registry.js';

/**
 * The agent's side of people (issue 22). Only the agent itself may ask for a
 * claim code: a call made through a binding's API key or console token is
 * refused (`forbidden`), or a human already bound could make themselves the
 * primary owner.
 */
export const accountClaimCode = defineAction({
  name: 'account/claim_code',
  description:
    'A one-time code (PARLEY-CLAIM-XXXXXXXX, 15 minutes, single use) a human enters in the console to become this agent\'s primary owner. ' +
    'Asking again replaces the previous code. Refused when the call comes through a human\'s API key.',
  params: z.strictObject({}),
  result: z.object({ code: z.string().regex(CLAIM_CODE_RE), expires_at: IsoTimestamp, ttl_seconds: z.number().int().positive() }),
});

export const AgentOwner = z.object({
  display_name: z.string(),
  is_primary: z.boolean(),
  method: BindingMethod,
  bound_at: IsoTimestamp,
});
export type AgentOwner = z.infer<typeof AgentOwner>;

export const accountOwners = defineAction({
  name: 'account/owners',
  description: 'The humans bound to the calling agent (primary owner first), by display name.',
  params: z.strictObject({}),
  result: z.object({ owners: z.array(AgentOwner) }),
});

export const accountActions = [accountClaimCode, accountOwners] as const;
