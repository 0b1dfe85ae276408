import { buildCapabilities } from '@parley/protocol';
import type { HandlerMap } from '../../core/dispatcher.js';

/** The capabilities document is derived entirely from the protocol registry. */
export function capabilitiesHandlers(): Pick<HandlerMap, 'capabilities/get'> {
  return { 'capabilities/get': async () => buildCapabilities() };
}
