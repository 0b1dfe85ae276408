import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { ChatMessage, MessageStore } from './socketio-hub.js';

/**
 * The messages table a user adding durability to Socket.IO would write
 * first: better-sqlite3 (as the hub uses) on a file in a fresh temporary
 * directory, WAL with `synchronous = NORMAL` (the hub's settings: a commit
 * reaches the WAL file, fsync waits for the checkpoint), and one
 * autocommitted INSERT per message, no batching. Checkpoints are SQLite's
 * automatic ones, inside the commit that crosses 1,000 pages.
 */
export async function openSqliteMessages(): Promise<MessageStore> {
  const dir = mkdtempSync(join(tmpdir(), 'socketio-sqlite-bench-'));
  try {
    const db = new Database(join(dir, 'messages.db'));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    // `room` for topic messages, `recipient` for direct ones; the id Socket.IO acknowledges is the key.
    db.exec(`CREATE TABLE messages (
      message_id TEXT PRIMARY KEY,
      sender TEXT NOT NULL,
      recipient TEXT,
      room TEXT,
      content TEXT NOT NULL,
      sent_at TEXT NOT NULL
    )`);
    const insert = db.prepare('INSERT INTO messages (message_id, sender, recipient, room, content, sent_at) VALUES (?, ?, ?, ?, ?, ?)');
    return {
      save(m: ChatMessage, room: string | null) {
        insert.run(m.message_id, m.from, m.to ?? null, room, m.content, m.sent_at);
      },
      async close() {
        // For the reader (and the smoke test): the messages really were written.
        const { n } = db.prepare('SELECT count(*) AS n FROM messages').get() as { n: number };
        console.error(`    socket.io + sqlite: ${n} messages stored`);
        db.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
