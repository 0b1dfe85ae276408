import type { ParsedParamsOf, ResultOf } from '@parley/protocol';
import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.js';
import type { SyncSql } from '../../store/sql.js';
import type { BatchWriter } from '../../store/writer.js';

/** Per-agent push settings: which broadcast pushes reach an agent live. */
export class NotificationService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly sql: SyncSql,
    private readonly writer: BatchWriter,
  ) {}

  /** Of a topic's members, those who get a live push of `event` (asked inside the push's transaction). */
  liveRecipients(_topicId: string, _event: string, members: string[], _sql: SyncSql): string[] {
    return members;
  }

  async set(_me: string, _p: ParsedParamsOf<'notification/subscription/set'>): Promise<ResultOf<'notification/subscription/set'>> {
    throw new Error('not implemented yet');
  }

  async list(_me: string): Promise<ResultOf<'notification/subscription/list'>> {
    throw new Error('not implemented yet');
  }

  async topics(_me: string): Promise<ResultOf<'notification/topics'>> {
    throw new Error('not implemented yet');
  }
}
