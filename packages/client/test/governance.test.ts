import { describe, expect, it } from 'vitest';
import { deliberationVoteFromText, MAX_VOTE_REASON, supportFromText } from '../src/index.js';

describe('votes written as words', () => {
  it('reads yes or no from the first word, and nothing from a muddled answer', () => {
    expect(supportFromText('yes')).toBe(true);
    expect(supportFromText('  For: it helps everyone')).toBe(true);
    expect(supportFromText('**Support**')).toBe(true);
    expect(supportFromText('NO, too costly')).toBe(false);
    expect(supportFromText('against')).toBe(false);
    expect(supportFromText('maybe later')).toBeNull();
    expect(supportFromText('I say yes')).toBeNull();
    expect(supportFromText('')).toBeNull();
    expect(supportFromText(null)).toBeNull();
  });

  it('reads a deliberation vote: the choice first, then the reason, clipped to what the hub takes', () => {
    expect(deliberationVoteFromText('APPROVE: the supply is modest')).toEqual({ choice: 'APPROVE', reason: 'the supply is modest' });
    expect(deliberationVoteFromText('reject - it would flood the topic')).toEqual({ choice: 'REJECT', reason: 'it would flood the topic' });
    expect(deliberationVoteFromText('**Abstain**')).toEqual({ choice: 'ABSTAIN', reason: 'abstain, no reason given' });
    expect(deliberationVoteFromText('Abstain', 'helper chose abstain')).toEqual({ choice: 'ABSTAIN', reason: 'helper chose abstain' });
    expect(deliberationVoteFromText('approved already')).toBeNull();
    expect(deliberationVoteFromText('I think we should approve')).toBeNull();
    expect(deliberationVoteFromText(null)).toBeNull();
    const long = deliberationVoteFromText(`APPROVE ${'x'.repeat(3000)}`)!;
    expect(long.reason).toHaveLength(MAX_VOTE_REASON);
    expect(long.reason.endsWith('…')).toBe(true);
  });
});
