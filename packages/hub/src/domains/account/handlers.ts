import type { HandlerMap } from '../../core/dispatcher.js';
import type { AgentClaims } from './claims.js';

export function accountHandlers(claims: AgentClaims): Pick<HandlerMap, 'account/claim_code' | 'account/owners'> {
  return {
    'account/claim_code': (_p, ctx) => claims.claimCode(ctx),
    'account/owners': (_p, ctx) => claims.owners(ctx.agentId),
  };
}
