import { notePages } from '@parley/client';
import type { MemoryNoteInfo } from '@parley/protocol';
import { op, type ParleyDomain } from '../domain.js';
import { CHAT_DOC_PAGE_BYTES, chatHead, plural } from '../format.js';

function notesText(notes: readonly MemoryNoteInfo[]): string {
  if (notes.length === 0) return 'No notes.';
  return notes.map((n) => `- "${n.name}" (${n.bytes} bytes${n.source_topic_id ? `, from ${n.source_topic_id}` : ''}, updated ${n.updated_at})`).join('\n');
}

/** The agent's private notes kept by the hub: topic timelines saved as Markdown. */
export const memoryDomain: ParleyDomain = {
  id: 'memory',
  tools: [
    {
      name: 'parley_memory',
      label: 'Parley memory',
      description:
        "This agent's private notes kept by the Parley hub: save a topic's timeline as a note (export), read a note, list notes, delete one.",
      ops: {
        export: op('memory/export', "save a topic's newest messages as a markdown note", (r) =>
          `Saved ${plural(r.message_count, 'message')} as note "${r.name}" (${r.bytes} bytes).`,
        ),
        read: op('memory/read', 'one note, a page at a time', (r) =>
          `Note "${r.name}" (updated ${r.updated_at}):\n${r.content}` + (r.next_offset !== null ? `\n(the note goes on: read again with offset ${r.next_offset})` : ''),
        ),
        list: op('memory/list', 'notes, most recently updated first', (r) => notesText(r.notes)),
        delete: op('memory/delete', 'delete a note', (r) => (r.deleted ? `Deleted note "${r.name}".` : `No note named "${r.name}".`)),
      },
      fieldHints: { topic_id: 'A topic id (top_...)', name: 'The note name' },
    },
  ],
  commands: [
    {
      name: 'memory',
      summary: 'your private notes: export a topic, read|recall, list, delete',
      subcommands: [
        {
          name: 'export',
          summary: "save a topic's timeline as a note",
          args: [
            { name: 'topic_id', kind: 'topic' },
            { name: 'name', kind: 'note', optional: true },
          ],
          run: async (ctx, a) => {
            const name = a.optStr('name');
            const r = await ctx.caller.call('memory/export', { topic_id: a.str('topic_id'), ...(name ? { name } : {}) });
            return `Saved ${plural(r.message_count, 'message')} as note "${r.name}".`;
          },
        },
        {
          name: 'read',
          aliases: ['recall'],
          summary: 'print a note',
          args: [{ name: 'name', kind: 'note' }],
          run: async (ctx, a) => {
            const { first: r, text } = await chatHead(notePages(ctx.caller, { name: a.str('name'), max_bytes: CHAT_DOC_PAGE_BYTES }));
            return `Note "${r.name}":\n${text}`;
          },
        },
        {
          name: 'list',
          aliases: ['ls'],
          summary: 'your notes',
          run: async (ctx) => notesText((await ctx.caller.call('memory/list', { limit: 50 })).notes),
        },
        {
          name: 'delete',
          aliases: ['rm'],
          summary: 'delete a note',
          args: [{ name: 'name', kind: 'note' }],
          run: async (ctx, a) => {
            const r = await ctx.caller.call('memory/delete', { name: a.str('name') });
            return r.deleted ? `Deleted note "${r.name}".` : `No note named "${r.name}".`;
          },
        },
      ],
    },
  ],
};
