import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import {
  choiceFrom,
  defaultBrain,
  llmBrain,
  supportFrom,
  type ChatConversation,
  type ChatTurn,
  type Deliberation,
  type Proposal,
  type Said,
  type Task,
} from '../src/index.js';

const said = (text: string): Said => ({ kind: 'direct', text, from: 'agt_x' });
const asked = (capability: string, input: unknown): Said => ({
  kind: 'delegation',
  capability,
  text: typeof input === 'string' ? input : JSON.stringify(input),
  from: 'agt_x',
  request: { request_id: 'dlg_1', input, deadline: '2030-01-01T00:00:00.000Z' },
});
const task = (capability: string, title: string, more: Partial<Task> = {}): Said => {
  const t = { task_id: 'tsk_1', title, description: null, review_comment: null, inputs: [], owner_id: 'agt_x', ...more } as unknown as Task;
  return { kind: 'task', capability, text: title, from: 'agt_x', task: t };
};
/** The bot (agt_me) in a chat with agt_x; `lines` are the turns after the kickoff, the last one being answered. */
const chat = (brief: string, ...lines: Array<[from: 'me' | 'x', text: string]>): Said => {
  const at = '2030-01-01T00:00:00.000Z';
  const transcript: ChatTurn[] = [
    { conversation_id: 'cnv_1', turn: 0, kind: 'kickoff', from: null, text: brief, client_message_id: null, at },
    ...lines.map(([from, text], i): ChatTurn => ({ conversation_id: 'cnv_1', turn: i + 1, kind: 'message', from: `agt_${from}`, text, client_message_id: null, at })),
  ];
  const turn = transcript[transcript.length - 1]!;
  const conversation = { conversation_id: 'cnv_1', requester_id: 'agt_me', target_id: 'agt_x', turns_taken: lines.length, policy: { max_turns: 12 } } as unknown as ChatConversation;
  return { kind: 'chat', text: turn.text, from: 'agt_x', turn, conversation, transcript };
};
const signal = new AbortController().signal;
const proposal = (title: string, description: string): Proposal =>
  ({ proposal_id: 'prp_1', kind: 'general', title, description, author_id: 'agt_x', status: 'open', stats: null }) as unknown as Proposal;
const proposed = (title: string, description = 'as the title says'): Said => ({
  kind: 'proposal',
  text: `${title}\n\n${description}`,
  from: 'agt_x',
  proposal: proposal(title, description),
});
const deliberating = (title: string, votes: Deliberation['votes'] = []): Said => ({
  kind: 'deliberation',
  text: `${title}\n\nas the title says`,
  from: 'agt_x',
  proposal: proposal(title, 'as the title says'),
  deliberation: { deliberation_id: 'dlb_1', proposal_id: 'prp_1', tally: { approve: 0, reject: 0, abstain: 0, seats: 3 }, votes } as unknown as Deliberation,
});

describe('the bot as a library', () => {
  it('is built on @parley/client alone (the hub is only for the demo)', async () => {
    const result = await build({
      entryPoints: [fileURLToPath(new URL('../src/index.ts', import.meta.url))],
      bundle: true,
      write: false,
      metafile: true,
      platform: 'node',
      format: 'esm',
      packages: 'external',
      logLevel: 'silent',
    });
    const imports = Object.values(result.metafile.inputs).flatMap((i) => i.imports.filter((x) => x.external).map((x) => x.path));
    const packages = [...new Set(imports.filter((p) => !p.startsWith('node:')))].sort();
    expect(packages).toEqual(['@parley/client', '@parley/client/node']);
  });

  it('the default brain is deterministic', () => {
    expect(defaultBrain(said('ping'), signal)).toBe('pong');
    expect(defaultBrain(said('@helper reverse abc'), signal)).toBe('cba');
    expect(defaultBrain(said('count a b c'), signal)).toBe('3 words');
    expect(defaultBrain(said('hello there'), signal)).toBe('You said: "hello there"');
    expect(defaultBrain(said('@helper'), signal)).toMatch(/help/);
    expect(defaultBrain(said('upper shout'), signal)).toBe('SHOUT');
    expect(defaultBrain(said('constructor'), signal)).toBe('You said: "constructor"');
  });

  it('the default brain in a chat opens with its brief, answers the commands it knows, and has nothing to say to the rest', () => {
    expect(defaultBrain(chat('upper reverse desserts'), signal)).toBe('upper reverse desserts');
    expect(defaultBrain(chat('games?', ['me', 'games?'], ['x', 'reverse stressed']), signal)).toBe('desserts');
    expect(defaultBrain(chat('games?', ['me', 'games?'], ['x', 'HELP']), signal)).toMatch(/chats/);
    // Not echoed, as in a direct message: two such bots would echo each other until max_turns.
    expect(defaultBrain(chat('games?', ['me', 'games?'], ['x', 'nice to meet you']), signal)).toBeNull();
    expect(defaultBrain(chat('games?', ['me', 'games?'], ['x', '']), signal)).toBeNull();
  });

  it('the default brain works by command, or by what the capability names, and declines the rest', () => {
    expect(defaultBrain(asked('text.tools', 'reverse drawer'), signal)).toBe('reward');
    expect(defaultBrain(asked('text.reverse', 'drawer'), signal)).toBe('reward');
    expect(defaultBrain(asked('text.count', 'how many words'), signal)).toBe('3 words');
    expect(defaultBrain(asked('text.count', { n: 1 }), signal)).toBe('1 word');
    expect(defaultBrain(asked('text.tools', 'dance for me'), signal)).toBeNull();
    expect(defaultBrain(asked('text.tools', 'constructor'), signal)).toBeNull();
    expect(defaultBrain(task('text.reverse', 'stressed'), signal)).toBe('desserts');
    expect(defaultBrain(task('text.reverse', 'stressed', { review_comment: 'again' }), signal)).toBe('desserts (redone after review: "again")');
    // Nothing to work on in its own text: the outputs of the tasks it depends on.
    const inputs = [{ task_id: 'tsk_0', title: 'draft', output: 'one two', artifacts: [] }];
    expect(defaultBrain(task('text.tools', 'count', { inputs }), signal)).toBe('2 words');
  });

  it('the default brain supports proposals unless they use an opposed word, and gives its reason in a deliberation', () => {
    expect(defaultBrain(proposed('Weekly community call', 'Every Friday at 16:00 UTC'), signal)).toBe('yes');
    expect(defaultBrain(proposed('Tidy up', 'Delete every topic older than a week'), signal)).toBe('no: it mentions "delete"');
    expect(defaultBrain(proposed('Quiet hours', 'SHUT   DOWN the hub at night'), signal)).toBe('no: it mentions "shut down"');
    // Whole words and their inflections only: "bandwidth" is not "ban", "spammers" is "spam".
    expect(defaultBrain(proposed('More bandwidth', 'for the relay'), signal)).toBe('yes');
    expect(defaultBrain(proposed('Welcome spammers', 'everyone is welcome'), signal)).toBe('no: it mentions "spam"');
    expect(defaultBrain(deliberating('Weekly community call'), signal)).toBe('APPROVE: nothing in the proposal takes anything away from the community');
    expect(defaultBrain(deliberating('Ban new agents'), signal)).toMatch(/^REJECT: the proposal mentions "ban"/);
  });

  it('reads a vote out of the brain\'s words, and casts none on an answer that says neither', () => {
    expect(supportFrom('yes')).toBe(true);
    expect(supportFrom('  For: it helps everyone')).toBe(true);
    expect(supportFrom('NO, too costly')).toBe(false);
    expect(supportFrom('against')).toBe(false);
    expect(supportFrom('maybe later')).toBeNull();
    expect(supportFrom('')).toBeNull();
    expect(supportFrom(null)).toBeNull();
    expect(choiceFrom('APPROVE: the supply is modest', 'helper')).toEqual({ choice: 'APPROVE', reason: 'the supply is modest' });
    expect(choiceFrom('reject - it would flood the topic', 'helper')).toEqual({ choice: 'REJECT', reason: 'it would flood the topic' });
    expect(choiceFrom('Abstain', 'helper')).toEqual({ choice: 'ABSTAIN', reason: 'helper chose abstain' });
    expect(choiceFrom('I think we should approve', 'helper')).toBeNull();
    expect(choiceFrom(null, 'helper')).toBeNull();
    expect(choiceFrom(`APPROVE ${'x'.repeat(3000)}`, 'helper')!.reason).toHaveLength(2000);
  });

  it('llmBrain asks the model for a vote on a proposal, and for a choice with a reason in a deliberation', async () => {
    const prompts: string[] = [];
    const brain = llmBrain({
      url: 'https://llm.example/v1',
      model: 'm',
      fetch: (async (_url: string, init: RequestInit) => {
        prompts.push((JSON.parse(init.body as string) as { messages: Array<{ content: string }> }).messages[1]!.content);
        return new Response(JSON.stringify({ choices: [{ message: { content: 'YES: good idea' } }] }), { status: 200 });
      }) as unknown as typeof fetch,
    });
    expect(await brain(proposed('Weekly community call', 'Every Friday'), signal)).toBe('YES: good idea');
    expect(prompts[0]).toContain('Agent agt_x proposes to the community you belong to (a general proposal):\n\nWeekly community call\n\nEvery Friday');
    expect(prompts[0]).toContain('Reply YES or NO first');
    const votes = [{ member_id: 'agt_y', choice: 'REJECT' as const, reason: 'Fridays are busy', voted_at: '2030-01-01T00:00:00.000Z' }];
    await brain(deliberating('Weekly community call', votes), signal);
    expect(prompts[1]).toContain('approval needs more than half of its 3 seats');
    expect(prompts[1]).toContain('Votes so far:\n- agt_y: REJECT: Fridays are busy');
    expect(prompts[1]).toContain('Reply APPROVE, REJECT or ABSTAIN first, then your reason');
  });

  it('llmBrain speaks the OpenAI-compatible chat API through the fetch it is given', async () => {
    const seen: Array<{ url: string; init: RequestInit }> = [];
    const fakeFetch = (async (url: string, init: RequestInit) => {
      seen.push({ url, init });
      return new Response(JSON.stringify({ choices: [{ message: { content: '  42  ' } }] }), { status: 200 });
    }) as unknown as typeof fetch;
    const brain = llmBrain({ url: 'https://llm.example/v1/', apiKey: 'k', model: 'm', fetch: fakeFetch });
    expect(await brain(said('what is six times seven?'), signal)).toBe('42');
    expect(seen[0]!.url).toBe('https://llm.example/v1/chat/completions');
    expect((seen[0]!.init.headers as Record<string, string>).authorization).toBe('Bearer k');
    const body = JSON.parse(seen[0]!.init.body as string) as { model: string; messages: Array<{ role: string; content: string }> };
    expect(body.model).toBe('m');
    expect(body.messages[1]!.content).toContain('what is six times seven?');

    // Work: the prompt carries what the task needs; CANNOT is a refusal.
    const refusing = llmBrain({
      url: 'https://llm.example/v1',
      model: 'm',
      fetch: (async (_url: string, init: RequestInit) => {
        seen.push({ url: 'refusing', init });
        return new Response(JSON.stringify({ choices: [{ message: { content: 'CANNOT' } }] }), { status: 200 });
      }) as unknown as typeof fetch,
    });
    expect(await refusing(task('text.poem', 'a poem', { review_comment: 'rhyme it', acceptance_criteria: 'four lines' } as Partial<Task>), signal)).toBeNull();
    const prompt = (JSON.parse(seen.at(-1)!.init.body as string) as { messages: Array<{ content: string }> }).messages[1]!.content;
    expect(prompt).toContain('"text.poem"');
    expect(prompt).toContain('Task: a poem');
    expect(prompt).toContain('four lines');
    expect(prompt).toContain('rhyme it');

    // A chat: the brief on the kickoff; afterwards the whole transcript, and DONE means "nothing more to say".
    const done = llmBrain({
      url: 'https://llm.example/v1',
      model: 'm',
      fetch: (async (_url: string, init: RequestInit) => {
        seen.push({ url: 'done', init });
        return new Response(JSON.stringify({ choices: [{ message: { content: 'DONE' } }] }), { status: 200 });
      }) as unknown as typeof fetch,
    });
    const lastPrompt = () => (JSON.parse(seen.at(-1)!.init.body as string) as { messages: Array<{ content: string }> }).messages[1]!.content;
    expect(await done(chat('find out their favourite word'), signal)).toBeNull();
    expect(lastPrompt()).toContain('You asked agent agt_x for a conversation, with this brief:\n\nfind out their favourite word');
    await done(chat('find out their favourite word', ['me', 'What is your favourite word?'], ['x', 'Drawer, reversed.']), signal);
    expect(lastPrompt()).toContain(
      '(You asked for this conversation with the brief: find out their favourite word)\nYou: What is your favourite word?\nThey: Drawer, reversed.',
    );
    expect(lastPrompt()).toContain('turn 3 of at most 12');

    const failing = llmBrain({ url: 'https://llm.example/v1', model: 'm', fetch: (async () => new Response('nope', { status: 503 })) as unknown as typeof fetch });
    await expect(failing(said('x'), signal)).rejects.toThrow(/503: nope/);
  });
});
