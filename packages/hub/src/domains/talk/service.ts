import type { ParsedParamsOf, ResultOf, Topic } from '@parley/protocol';
import type { StagedPush } from '../../core/streams.js';
import type { TopicMessages, TopicService } from '../topic/index.js';

type Topics = Pick<TopicService, 'addMemberWithin' | 'barredUntil' | 'writer' | 'streams'>;
type Messages = Pick<TopicMessages, 'related' | 'preparePublish'>;

/** talk/random (WTT's `@wtt talk`): find where a text belongs, and optionally say it there. */
export class TalkService {
  constructor(
    private readonly topics: Topics,
    private readonly messages: Messages,
  ) {}

  async random(me: string, p: ParsedParamsOf<'talk/random'>): Promise<ResultOf<'talk/random'>> {
    const topics = await this.messages.related(me, p.text, p.limit);
    if (!p.join && !p.publish) return { topics, joined: null, published: null };
    let target: Topic | undefined;
    for (const t of topics) {
      if ((await this.canEnter(me, t)) && (!p.publish || this.canPublishOnceIn(t))) {
        target = t;
        break;
      }
    }
    if (!target) return { topics, joined: null, published: null };
    const joining = !target.role;
    if (joining) {
      // The list was read before joining; say what the caller is now.
      target.role = 'member';
      target.member_count += 1;
    }
    // Joining and publishing are one transaction: a retry after a crash finds both done or neither.
    const publish = p.publish ? await this.messages.preparePublish(me, { topic_id: target.topic_id, content: p.text }, null, joining) : null;
    return this.topics.streams.commitChange(async (tx) => {
      if (joining) await this.topics.addMemberWithin(tx, me, target.topic_id);
      const sent = publish ? await publish(tx) : null;
      const result = { topics, joined: target.topic_id, published: sent && { topic_id: target.topic_id, ...sent.result } };
      const pushes: StagedPush[] = sent ? [sent.push] : [];
      return { result, pushes };
    });
  }

  /** Already a member, or an open topic it is not barred from (never files a join request). */
  private async canEnter(me: string, t: Topic): Promise<boolean> {
    if (t.role) return true;
    return t.join_method === 'open' && t.type !== 'p2p' && !(await this.topics.barredUntil(t.topic_id, me));
  }

  /** Once a member: broadcast topics take posts from their owner and admins only. */
  private canPublishOnceIn(t: Topic): boolean {
    return t.type !== 'broadcast' || t.role === 'owner' || t.role === 'admin';
  }
}
