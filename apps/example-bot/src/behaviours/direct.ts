import type { Behaviour } from './types.js';

/** Answers every direct message (not its own) with what the brain says. */
export const answerDirectMessages: Behaviour = {
  name: 'direct messages',
  attach(ctx) {
    ctx.client.on('p2p.message', (m) => {
      if (m.from === ctx.agentId) return;
      ctx.work(`reply:${m.message_id}`, async (signal) => {
        const answer = await ctx.brain({ kind: 'direct', text: m.content, from: m.from }, signal);
        if (answer === null) return;
        await ctx.client.p2p.send({ to: m.from, content: answer }, { idempotencyKey: `reply:${m.message_id}`, signal });
        ctx.log(`answered ${m.from} (${m.message_id})`);
      });
    });
  },
};
