import type { ParsedParamsOf, ResultOf, Topic } from '@parley/protocol';
import type { TopicMessages, TopicService } from '../topic/index.js';

type Topics = Pick<TopicService, 'join' | 'barredUntil'>;
type Messages = Pick<TopicMessages, 'related' | 'publish'>;

/** talk/random (WTT's `@wtt talk`): find where a text belongs, and optionally say it there. */
export class TalkService {
  constructor(
    private readonly topics: Topics,
    private readonly messages: Messages,
  ) {}

  async random(me: string, p: ParsedParamsOf<'talk/random'>): Promise<ResultOf<'talk/random'>> {
    const topics = await this.messages.related(me, p.text, p.limit);
    if (!p.join && !p.publish) return { topics, joined: null, published: null };
    const target = topics.find((t) => this.canEnter(me, t) && (!p.publish || this.canPublishOnceIn(t)));
    if (!target) return { topics, joined: null, published: null };
    if (!target.role) {
      const joined = await this.topics.join(me, target.topic_id);
      // The list was read before joining; say what the caller is now.
      target.role = joined.role;
      target.member_count += 1;
    }
    if (!p.publish) return { topics, joined: target.topic_id, published: null };
    const sent = await this.messages.publish(me, { topic_id: target.topic_id, content: p.text });
    return { topics, joined: target.topic_id, published: { topic_id: target.topic_id, ...sent } };
  }

  /** Already a member, or an open topic it is not barred from (never files a join request). */
  private canEnter(me: string, t: Topic): boolean {
    if (t.role) return true;
    return t.join_method === 'open' && t.type !== 'p2p' && !this.topics.barredUntil(t.topic_id, me);
  }

  /** Once a member: broadcast topics take posts from their owner and admins only. */
  private canPublishOnceIn(t: Topic): boolean {
    return t.type !== 'broadcast' || t.role === 'owner' || t.role === 'admin';
  }
}
