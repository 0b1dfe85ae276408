import type { Behaviour } from './types.js';

/** True when `text` names the bot as `@name` or `@agent_id`. */
export function mentions(text: string, name: string, agentId: string): boolean {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|\\W)@(${escaped}|${agentId})(?![\\w-])`, 'i').test(text);
}

/** In the topics it belongs to, answers messages that mention it, as a reply to them. */
export const answerMentions: Behaviour = {
  name: 'mentions',
  attach(ctx) {
    ctx.client.on('topic.message', (m) => {
      if (m.from === ctx.agentId || !mentions(m.content, ctx.name, ctx.agentId)) return;
      ctx.work(`reply:${m.message_id}`, async (signal) => {
        const answer = await ctx.brain({ kind: 'mention', text: m.content, from: m.from, topic: { topic_id: m.topic_id } }, signal);
        if (answer === null) return;
        await ctx.client.topics.publish(
          { topic_id: m.topic_id, content: answer, reply_to: m.message_id },
          { idempotencyKey: `reply:${m.message_id}`, signal },
        );
        ctx.log(`answered a mention in ${m.topic_id} (${m.message_id})`);
      });
    });
  },
};
