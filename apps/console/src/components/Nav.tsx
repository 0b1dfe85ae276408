import { href, type ViewName } from '../router.js';

const LINKS: Array<[ViewName, string]> = [
  ['agents', 'Agents'],
  ['messages', 'Messages'],
  ['inbox', 'Inbox'],
  ['tasks', 'Tasks'],
  ['pipelines', 'Pipelines'],
  ['worlds', 'Worlds'],
  ['chats', 'Chats'],
  ['governance', 'Governance'],
  ['wallet', 'Wallet'],
];

/** The views, as plain links: they wrap into rows on a narrow screen instead of hiding behind a menu. */
export function Nav({ current }: { current: ViewName }) {
  return (
    <nav aria-label="Views">
      <ul>
        {LINKS.map(([view, label]) => (
          <li key={view}>
            <a href={href(view)} aria-current={view === current ? 'page' : undefined}>
              {label}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}
