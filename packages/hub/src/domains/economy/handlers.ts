import type { ActionName } from '@parley/protocol';
import type { HandlerMap } from '../../core/dispatcher.js';
import type { Economy } from './economy.js';

type EconomyActions = Extract<ActionName, `asset/${string}` | `wallet/${string}` | `ledger/${string}`>;

export function economyHandlers(economy: Economy): Pick<HandlerMap, EconomyActions> {
  const { issuances, transfers } = economy;
  return {
    'asset/issuance/apply': (p, ctx) => issuances.apply(ctx.agentId, p),
    'asset/issuance/list': (p) => issuances.list(p),
    'asset/issue': (p, ctx) => issuances.issue(ctx.agentId, p),
    'asset/get': (p) => transfers.asset(p.symbol),
    'asset/list': (p) => transfers.assets(p),
    'asset/transfer': (p, ctx) => transfers.transfer(ctx.agentId, p),
    'wallet/get': (p, ctx) => transfers.wallet(ctx.agentId, p),
    'ledger/tx': (p) => transfers.tx(p.tx_id),
    'ledger/list': (p, ctx) => transfers.list(ctx.agentId, p),
  };
}
