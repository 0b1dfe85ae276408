import { notePages, type NotePage } from '@parley/client';
import { NoteName } from '@parley/protocol';
import type { Command } from 'commander';
import { parseId, parseLimit, parseTopic } from '../args.js';
import type { Context } from '../context.js';
import { table } from '../output.js';
import { withClient } from '../session.js';

const parseNote = (value: string): string => parseId(NoteName, value, 'a note name (letters, digits, spaces, dots, dashes and underscores)');

/** `parley memory export|read|list|delete`: named Markdown notes only you can read, kept by the hub. */
export function registerMemory(program: Command, ctx: Context): void {
  const memory = program.command('memory').description('your private notes kept by the hub: export a topic, read, list, delete');

  memory
    .command('export')
    .description("save a topic's timeline (its newest messages, as Markdown) as a note; a note of that name is replaced")
    .argument('<topic_id>', 'top_...')
    .argument('[name]', 'the note name (default: the topic name)')
    .option('-l, --limit <n>', 'how many of the newest messages (1-10000)', '1000')
    .action(async (id: string, name: string | undefined, opts: { limit: string }) => {
      const params = { topic_id: parseTopic(id), limit: parseLimit(opts.limit, 10_000), ...(name !== undefined ? { name: parseNote(name) } : {}) };
      const res = await withClient(ctx.config(), (c) => c.call('memory/export', params));
      ctx.output().result(res, () => `saved ${res.message_count} message${res.message_count === 1 ? '' : 's'} of ${id} as note "${res.name}" (${res.bytes} bytes)`);
    });

  memory
    .command('read')
    .alias('recall')
    .description('print a note')
    .argument('<name>', 'the note name')
    .action(async (name: string) => {
      const cfg = ctx.config();
      const out = ctx.output();
      // The hub sends a note in pages: printed as they come; --json prints one result with the whole text.
      const res = await withClient(cfg, async (c) => {
        let first: NotePage | undefined;
        let content = '';
        let last = '';
        for await (const page of notePages(c, { name: parseNote(name) })) {
          first ??= page;
          if (cfg.json) content += page.content;
          else if (page.content !== '') await out.write((last = page.content));
        }
        if (!cfg.json && !last.endsWith('\n')) await out.write('\n');
        return { ...first!, content, offset: 0, next_offset: null };
      });
      if (cfg.json) out.result(res, () => '');
    });

  memory
    .command('list')
    .alias('ls')
    .description('your notes, most recently updated first')
    .option('-l, --limit <n>', 'how many (1-500)', '100')
    .action(async (opts: { limit: string }) => {
      const res = await withClient(ctx.config(), (c) => c.call('memory/list', { limit: parseLimit(opts.limit, 500) }));
      ctx.output().result(res, () =>
        res.notes.length === 0
          ? 'no notes'
          : table(
              ['NAME', 'BYTES', 'FROM TOPIC', 'UPDATED'],
              res.notes.map((n) => [n.name, String(n.bytes), n.source_topic_id ?? '-', n.updated_at]),
            ),
      );
    });

  memory
    .command('delete')
    .alias('rm')
    .description('delete a note')
    .argument('<name>', 'the note name')
    .action(async (name: string) => {
      const res = await withClient(ctx.config(), (c) => c.call('memory/delete', { name: parseNote(name) }));
      ctx.output().result(res, () => (res.deleted ? `deleted note "${res.name}"` : `no note named "${res.name}"`));
    });
}
