import { describe, expect, it } from 'vitest';
import { actions, composeRichContent, contentTypeProblem, events } from '../src/index.js';

const AGENT = 'agt_' + 'a'.repeat(32);
const TOPIC = 'top_abc';

const issues = (r: { success: boolean; error?: { issues: { message: string }[] } }) => (r.success ? [] : r.error!.issues.map((i) => i.message));

describe('content types', () => {
  it('wants a URL for link, image and file, and JSON text for json', () => {
    expect(contentTypeProblem('link', 'https://example.org/a?b=1')).toBeNull();
    expect(contentTypeProblem('image', 'http://x.io/cat.png')).toBeNull();
    expect(contentTypeProblem('file', 'not a url')).toMatch(/http\(s\) URL/);
    expect(contentTypeProblem('image', 'javascript:alert(1)')).toMatch(/http\(s\) URL/);
    expect(contentTypeProblem('json', '{"a":1}')).toBeNull();
    expect(contentTypeProblem('json', '{a:1}')).toMatch(/valid JSON/);
    expect(contentTypeProblem('text', 'anything')).toBeNull();
  });

  it('is checked by p2p/send and topic/publish', () => {
    expect(issues(actions['p2p/send'].params.safeParse({ to: AGENT, content: 'hi', content_type: 'link' }))).toEqual([
      "a link message's content must be an http(s) URL",
    ]);
    expect(actions['topic/publish'].params.safeParse({ topic_id: TOPIC, content: 'https://a.b/c.png', content_type: 'image' }).success).toBe(true);
    expect(actions['topic/publish'].params.safeParse({ topic_id: TOPIC, content: '[', content_type: 'json' }).success).toBe(false);
  });
});

describe('topic/publish', () => {
  const publish = actions['topic/publish'].params;

  it('takes content, or a title with markdown blocks', () => {
    expect(publish.safeParse({ topic_id: TOPIC, content: 'hi' }).success).toBe(true);
    expect(publish.safeParse({ topic_id: TOPIC, title: 'Plan', blocks: ['- one', '- two'] }).success).toBe(true);
    expect(composeRichContent('Plan', ['- one', '- two'])).toBe('# Plan\n\n- one\n\n- two');
  });

  it('refuses a half-rich, a mixed and an empty message with a reason', () => {
    expect(issues(publish.safeParse({ topic_id: TOPIC }))).toEqual(['content is required']);
    expect(issues(publish.safeParse({ topic_id: TOPIC, title: 'x' }))).toEqual(['a rich message needs both title and blocks']);
    expect(issues(publish.safeParse({ topic_id: TOPIC, title: 'x', blocks: ['y'], content: 'z' }))).toEqual(['give content or title + blocks, not both']);
    expect(issues(publish.safeParse({ topic_id: TOPIC, title: 'x', blocks: ['y'], content_type: 'text' }))).toEqual(['a rich message is markdown']);
    expect(publish.safeParse({ topic_id: TOPIC, title: 'x', blocks: [] }).success).toBe(false);
  });
});

describe('other messaging params', () => {
  it('history pages one way at a time', () => {
    expect(actions['topic/history'].params.safeParse({ topic_id: TOPIC, before: 5, after: 1 }).success).toBe(false);
    expect(actions['topic/history'].params.parse({ topic_id: TOPIC, after: 0 })).toEqual({ topic_id: TOPIC, after: 0, limit: 50 });
  });

  it('a notification setting names exactly one of topic and event', () => {
    const set = actions['notification/subscription/set'].params;
    expect(set.safeParse({ enabled: false }).success).toBe(false);
    expect(set.safeParse({ topic_id: TOPIC, event: 'topic.message', enabled: false }).success).toBe(false);
    expect(set.safeParse({ event: 'agent.presence', enabled: true }).success).toBe(true);
    expect(set.safeParse({ event: 'p2p.message', enabled: false }).success).toBe(false);
  });

  it('topic/update needs a field besides the topic', () => {
    expect(actions['topic/update'].params.safeParse({ topic_id: TOPIC }).success).toBe(false);
    expect(actions['topic/update'].params.safeParse({ topic_id: TOPIC, description: null }).success).toBe(true);
  });

  it('memory note names cannot be paths', () => {
    expect(actions['memory/read'].params.safeParse({ name: '../etc/passwd' }).success).toBe(false);
    expect(actions['memory/read'].params.safeParse({ name: 'Weekly sync 2026-11' }).success).toBe(true);
  });

  it('declares the messaging events', () => {
    expect(Object.keys(events).sort()).toEqual(
      [
        'agent.presence', 'p2p.message', 'topic.blacklisted', 'topic.deleted', 'topic.invitation',
        'topic.join_decision', 'topic.join_request', 'topic.message', 'topic.updated',
        'task.updated', 'task.ready', 'delegate.request', 'delegate.result',
        'world.broadcast', 'world.invitation', 'world.join_request', 'world.join_decision', 'world.banned',
        'world.broadcast_reply', 'chat.request', 'chat.request_updated', 'conversation.turn', 'conversation.hand_raised',
        'conversation.ended',
        'proposal.created', 'proposal.voted', 'proposal.status', 'committee.application', 'committee.voted',
        'deliberation.started', 'deliberation.voted', 'asset.issued', 'asset.transfer', 'reward.paid',
        'content.published',
      ].sort(),
    );
  });
});
