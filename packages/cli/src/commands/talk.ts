import type { Command } from 'commander';
import { parseLimit } from '../args.js';
import type { Context } from '../context.js';
import { table } from '../output.js';
import { withClient } from '../session.js';

/** `parley talk|random <text...>`: find topics a text belongs in, and optionally join one and say it there. */
export function registerTalk(program: Command, ctx: Context): void {
  program
    .command('talk')
    .alias('random')
    .description('find topics related to a text (any of its words), best first; --join joins the best open one, --publish also posts the text')
    .argument('<text...>', 'what you want to talk about (and, with --publish, the message)')
    .option('-j, --join', 'join the best topic you may join at once (invite-only ones are skipped)')
    .option('-p, --publish', 'join it and publish the text there')
    .option('-l, --limit <n>', 'how many topics (1-20)', '5')
    .action(async (words: string[], opts: { join?: boolean; publish?: boolean; limit: string }) => {
      const params = { text: words.join(' '), join: Boolean(opts.join), publish: Boolean(opts.publish), limit: parseLimit(opts.limit, 20) };
      const res = await withClient(ctx.config(), (c) => c.call('talk/random', params));
      ctx.output().result(res, () => {
        const lines: string[] = [];
        if (res.topics.length === 0) lines.push('no related topics');
        else {
          lines.push(
            table(
              ['TOPIC', 'NAME', 'TYPE', 'JOIN', 'MEMBERS', 'YOU'],
              res.topics.map((t) => [t.topic_id, t.name, t.type, t.join_method, String(t.member_count), t.role ?? '-']),
            ),
          );
        }
        if (res.published) lines.push(`published ${res.published.message_id} (seq ${res.published.seq}) to ${res.published.topic_id}`);
        else if (res.joined) lines.push(`joined ${res.joined}`);
        else if (params.join || params.publish) lines.push(`no related topic you may ${params.publish ? 'publish to' : 'join'} at once: nothing joined`);
        return lines.join('\n');
      });
    });
}
