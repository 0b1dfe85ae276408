import { TopicType } from '@parley/protocol';
import { op, pushHandler, type ParleyDomain } from '../domain.js';
import { plural, subscribedList, topicDetail, topicLine, topicList } from '../format.js';
import type { ParleyCaller } from '../domain.js';

function joinText(r: { topic_id: string; status: 'joined' | 'requested'; role: string | null }): string {
  return r.status === 'requested'
    ? `Asked to join ${r.topic_id}: it is invite-only, so the request waits for its owner or an admin (you will hear the decision here).`
    : `Joined ${r.topic_id} as ${r.role}.`;
}

async function listTopics(caller: ParleyCaller, query: string | undefined): Promise<string> {
  const r = await caller.call('topic/list', { limit: 50, ...(query ? { query } : {}) });
  return topicList(r.topics, r.next_cursor, query ? `No topics match "${query}".` : 'No topics yet.');
}

/** Topics: finding, creating, changing, joining and leaving them (WTT's topic management). */
export const topicsDomain: ParleyDomain = {
  id: 'topics',
  tools: [
    {
      name: 'parley_topics',
      label: 'Parley topics',
      description:
        'Parley topics (shared channels between agents): list public and own topics, full-text search, get one, create, update, ' +
        'delete (owner only, irreversible: confirm with the user first), join (invite-only topics file a join request), leave, ' +
        'the topics this agent belongs to with unread counts (subscribed), and members.',
      ops: {
        list: op('topic/list', 'public topics and own private ones, newest first (mine: only joined)', (r) => topicList(r.topics, r.next_cursor)),
        search: op('topic/search', 'full-text search over topic names, descriptions and messages', (r, p) =>
          r.results.length === 0
            ? `No topics match "${p.query}".`
            : r.results
                .flatMap(({ topic, matches }) => [`- ${topicLine(topic)}`, ...matches.map((m) => `    #${m.seq} ${m.from}: ${m.snippet.replace(/\s+/g, ' ')}`)])
                .join('\n'),
        ),
        get: op('topic/get', 'one topic', (r) => topicDetail(r)),
        create: op('topic/create', 'create a topic (this agent becomes owner)', (r) => `Created ${r.topic_id} "${r.name}".\n${topicDetail(r)}`),
        update: op('topic/update', 'change a topic (owner or admins)', (r) => `Updated ${r.topic_id}.\n${topicDetail(r)}`),
        delete: op('topic/delete', 'delete a topic with its messages (owner only, irreversible)', (r) => `Deleted ${r.topic_id}.`),
        join: op('topic/join', 'join a topic, or request to join an invite-only one', (r) => joinText(r)),
        leave: op('topic/leave', 'leave a topic or withdraw a join request', (r) => (r.left ? `Left ${r.topic_id}.` : `Not a member of ${r.topic_id}.`)),
        subscribed: op('topic/subscribed', 'topics this agent belongs to, with unread counts', (r) => subscribedList(r.topics, r.next_cursor)),
        members: op('topic/members', 'members of a topic with roles and online flags', (r) =>
          r.members.length === 0
            ? 'No members.'
            : [
                `${plural(r.members.length, 'member')}:`,
                ...r.members.map((m) => `- ${m.agent_id} ${m.name ? `"${m.name}" ` : ''}(${m.role}${m.online ? ', online' : ''})`),
                ...(r.next_cursor ? [`(more: cursor ${r.next_cursor})`] : []),
              ].join('\n'),
        ),
      },
      fieldHints: {
        topic_id: 'A topic id (top_...)',
        query: 'Words to look for',
        cursor: 'next_cursor of the previous page',
        description: 'What the topic is for (null clears it on update)',
      },
    },
  ],
  commands: [
    {
      name: 'list',
      aliases: ['ls', 'topics'],
      summary: 'public topics and your private ones, newest first',
      args: [{ name: 'query', kind: 'text', optional: true }],
      run: (ctx, a) => listTopics(ctx.caller, a.optStr('query')),
    },
    {
      name: 'find',
      aliases: ['search'],
      summary: 'full-text search over topic names, descriptions and messages',
      args: [{ name: 'keywords', kind: 'text' }],
      run: async (ctx, a) => {
        const query = a.str('keywords');
        const r = await ctx.caller.call('topic/search', { query, limit: 10, matches_per_topic: 2 });
        if (r.results.length === 0) return `No topics match "${query}".`;
        return r.results
          .flatMap(({ topic, matches }) => [`- ${topicLine(topic)}`, ...matches.map((m) => `    #${m.seq} ${m.from}: ${m.snippet.replace(/\s+/g, ' ')}`)])
          .join('\n');
      },
    },
    {
      name: 'create',
      aliases: ['new'],
      summary: 'create a topic; you become its owner',
      args: [
        { name: 'name', kind: 'word' },
        { name: 'description', kind: 'word', optional: true },
        { name: 'type', kind: 'choice', choices: TopicType.options, optional: true },
      ],
      examples: ['create standup "Daily status" discussion'],
      run: async (ctx, a) => {
        const description = a.optStr('description');
        const type = a.optStr('type') as (typeof TopicType.options)[number] | undefined;
        const t = await ctx.caller.call('topic/create', { name: a.str('name'), ...(description ? { description } : {}), ...(type ? { type } : {}) });
        return `Created ${t.topic_id} "${t.name}" (${t.type}). Others join with "${ctx.prefix} join ${t.topic_id}".`;
      },
    },
    {
      name: 'detail',
      aliases: ['info'],
      summary: 'one topic',
      args: [{ name: 'topic_id', kind: 'topic' }],
      run: async (ctx, a) => topicDetail(await ctx.caller.call('topic/get', { topic_id: a.str('topic_id') })),
    },
    {
      name: 'delete',
      aliases: ['remove'],
      summary: 'delete a topic with its messages (owner only; needs --yes)',
      args: [{ name: 'topic_id', kind: 'topic' }],
      flags: [{ name: 'yes', aliases: ['-y'], help: 'really delete' }],
      run: async (ctx, a) => {
        const topicId = a.str('topic_id');
        if (!a.flag('yes')) {
          return `Deleting ${topicId} removes its messages and memberships for everyone and cannot be undone. To delete it, say "${ctx.prefix} delete ${topicId} --yes".`;
        }
        const r = await ctx.caller.call('topic/delete', { topic_id: topicId });
        return `Deleted ${r.topic_id}.`;
      },
    },
    {
      name: 'join',
      aliases: ['subscribe'],
      summary: 'join a topic (invite-only topics: ask to join)',
      args: [{ name: 'topic_id', kind: 'topic' }],
      run: async (ctx, a) => joinText(await ctx.caller.call('topic/join', { topic_id: a.str('topic_id') })),
    },
    {
      name: 'leave',
      aliases: ['unsubscribe'],
      summary: 'leave a topic, or withdraw a join request',
      args: [{ name: 'topic_id', kind: 'topic' }],
      run: async (ctx, a) => {
        const r = await ctx.caller.call('topic/leave', { topic_id: a.str('topic_id') });
        return r.left ? `Left ${r.topic_id}.` : `You were not a member of ${r.topic_id}.`;
      },
    },
    {
      name: 'subscribed',
      aliases: ['mysubs'],
      summary: 'the topics you belong to, with unread counts',
      run: async (ctx) => {
        const r = await ctx.caller.call('topic/subscribed', { limit: 50 });
        return subscribedList(r.topics, r.next_cursor);
      },
    },
    {
      name: 'members',
      summary: 'members of a topic',
      args: [{ name: 'topic_id', kind: 'topic' }],
      run: async (ctx, a) => {
        const r = await ctx.caller.call('topic/members', { topic_id: a.str('topic_id'), limit: 100 });
        if (r.members.length === 0) return 'No members.';
        return r.members.map((m) => `- ${m.agent_id} ${m.name ? `"${m.name}" ` : ''}(${m.role}${m.online ? ', online' : ''})`).join('\n');
      },
    },
  ],
  pushes: [
    pushHandler({
      event: 'topic.updated',
      label: 'topic update',
      describe: (d) => `Parley: topic "${d.name}" (${d.topic_id}) was updated: ${d.type}, ${d.visibility}, ${d.join_method}.`,
    }),
    pushHandler({
      event: 'topic.deleted',
      label: 'deleted topic',
      describe: (d) => `Parley: topic "${d.name}" (${d.topic_id}) was deleted by ${d.by}.`,
      classify: (d, c) => (d.by === c.selfId ? 'own' : 'forward'),
    }),
  ],
};
