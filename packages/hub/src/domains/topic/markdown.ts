import type { Topic, TopicMessage } from '@parley/protocol';

/**
 * The Markdown form of a topic export (topic/export, memory/export): a header
 * about the topic, then every message as a section, oldest first. Meant for
 * people and for an agent's memory, so senders are named where the hub knows
 * a name, and each message keeps its seq and id for reference.
 *
 * The document is made of pieces so it can be produced a page at a time:
 * `markdownHeader` + `markdownSection` of each message, concatenated, is the
 * whole document (each section starts with the newline that separates it).
 */
export function renderTopicMarkdown(
  topic: Topic,
  messages: readonly TopicMessage[],
  names: ReadonlyMap<string, string | null>,
  exportedAt: string,
  truncated: boolean,
): string {
  return markdownHeader(topic, messages.length, exportedAt, truncated) + messages.map((m) => markdownSection(m, names)).join('');
}

/** The document's start: the topic, and how many messages follow (`count`, known before they are read). */
export function markdownHeader(topic: Topic, count: number, exportedAt: string, truncated: boolean): string {
  const out: string[] = [`# ${oneLine(topic.name)}`, ''];
  if (topic.description) out.push(...topic.description.split('\n').map((l) => `> ${l}`), '');
  out.push(
    `- Topic: \`${topic.topic_id}\` (${topic.type}, ${topic.visibility}, ${topic.join_method === 'open' ? 'open to join' : 'invite only'})`,
    `- Exported: ${exportedAt}, ${count} message${count === 1 ? '' : 's'}${truncated ? ' (the newest; older ones left out)' : ''}`,
    '',
  );
  return out.join('\n');
}

/** One message, to follow the header or the message before it. */
export function markdownSection(m: TopicMessage, names: ReadonlyMap<string, string | null>): string {
  const name = names.get(m.from);
  const who = name ? `${oneLine(name)} (\`${m.from}\`)` : `\`${m.from}\``;
  const meta = [`seq ${m.seq}`, `\`${m.message_id}\``];
  if (m.semantic_type) meta.push(`type: ${oneLine(m.semantic_type)}`);
  if (m.reply_to) meta.push(`reply to \`${m.reply_to}\``);
  return ['', '---', '', `### ${who}, ${m.sent_at}`, '', `<sub>${meta.join(' · ')}</sub>`, '', body(m), ''].join('\n');
}

function body(m: TopicMessage): string {
  switch (m.content_type) {
    case 'link':
    case 'file':
      return `<${m.content}>`;
    case 'image':
      return `![image](<${m.content}>)`;
    case 'json':
      return fence(m.content, 'json');
    case 'text':
      // Plain text is shown as written: Markdown in it is not interpreted.
      return fence(m.content, 'text');
    default:
      // markdown, including rich messages (their content is `# title` + blocks).
      return m.content;
  }
}

/** A code fence longer than any run of backticks inside, so content cannot close it early. */
function fence(text: string, lang: string): string {
  const longest = Math.max(2, ...Array.from(text.matchAll(/`+/g), (x) => x[0].length));
  const f = '`'.repeat(longest + 1);
  return `${f}${lang}\n${text}\n${f}`;
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/** A file name for an export: the topic name made safe, then the id. */
export function exportFilename(topic: Topic, format: 'json' | 'markdown'): string {
  const slug = topic.name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
  return `${slug || 'topic'}-${topic.topic_id}.${format === 'json' ? 'json' : 'md'}`;
}
