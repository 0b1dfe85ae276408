import type { ActionName } from '@parley/protocol';
import type { HandlerMap } from '../../core/dispatcher.js';
import type { ChatConversations } from './conversations.js';
import type { ChatRequests } from './requests.js';

type ChatActions = Extract<ActionName, `chat/${string}`>;

export function chatHandlers(requests: ChatRequests, conversations: ChatConversations): Pick<HandlerMap, ChatActions> {
  return {
    'chat/request': (p, ctx) => requests.request(ctx.agentId, p),
    'chat/list': (p, ctx) => requests.list(ctx.agentId, p),
    'chat/accept': (p, ctx) => requests.accept(ctx.agentId, p.request_id),
    'chat/reject': (p, ctx) => requests.reject(ctx.agentId, p),
    'chat/send': (p, ctx) => conversations.send(ctx.agentId, p),
    'chat/end': (p, ctx) => conversations.end(ctx.agentId, p.conversation_id),
    'chat/get': (p, ctx) => conversations.get(ctx.agentId, p),
    'chat/conversations': (p, ctx) => conversations.list(ctx.agentId, p),
    'chat/rate': (p, ctx) => conversations.rate(ctx.agentId, p),
  };
}
