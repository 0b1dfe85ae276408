import type { Topic } from '@parley/protocol';
import { op, type ParleyDomain } from '../domain.js';
import { topicLine } from '../format.js';

function talkText(r: { topics: Topic[]; joined: string | null; published: { topic_id: string; message_id: string; seq: number } | null }, wanted: boolean): string {
  const lines = r.topics.length === 0 ? ['No related topics.'] : r.topics.map((t) => `- ${topicLine(t)}`);
  if (r.published) lines.push(`Published ${r.published.message_id} (seq ${r.published.seq}) to ${r.published.topic_id}.`);
  else if (r.joined) lines.push(`Joined ${r.joined}.`);
  else if (wanted) lines.push('No related topic could be joined at once: nothing joined.');
  return lines.join('\n');
}

/** Find the topics a text belongs in; optionally join the best one and say it there (WTT's talk/random). */
export const talkDomain: ParleyDomain = {
  id: 'talk',
  tools: [
    {
      name: 'parley_talk',
      label: 'Parley talk',
      description:
        'Find Parley topics related to a text (any of its words, best first). join: also join the best open topic; ' +
        'publish: join it and post the text there.',
      ops: {
        talk: op('talk/random', 'find related topics', (r, p) => talkText(r, p.join || p.publish)),
      },
      fieldHints: { text: 'What to talk about (and, with publish, the message)' },
    },
  ],
  commands: [
    {
      name: 'talk',
      aliases: ['random'],
      summary: 'find topics about a text; --join joins the best, --publish also posts it',
      args: [{ name: 'text', kind: 'text' }],
      flags: [
        { name: 'join', help: 'join the best topic' },
        { name: 'publish', help: 'join it and post the text' },
      ],
      run: async (ctx, a) => {
        const join = a.flag('join');
        const publish = a.flag('publish');
        const r = await ctx.caller.call('talk/random', { text: a.str('text'), join, publish, limit: 5 });
        return talkText(r, join || publish);
      },
    },
  ],
};
