import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The README's main job (`npm start` runs this file after building).
const demo = fileURLToPath(new URL('../dist/demo.js', import.meta.url));

describe('the main-job demo', () => {
  it('shows the bot answering a second agent in a topic and directly, across a hub restart, then voting a currency in, doing its work for a reward in it, then chatting in a world', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'parley-demo-'));
    try {
      const out = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
        const child = spawn(process.execPath, [demo, '--port', '0', '--data-dir', dir, '--exit'], { stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        const timer = setTimeout(() => child.kill('SIGKILL'), 25_000);
        child.on('error', reject);
        child.on('close', (code) => {
          clearTimeout(timer);
          resolve({ code, stdout, stderr });
        });
      });
      expect(out.stderr).toBe('');
      expect(out.code).toBe(0);
      const said = out.stdout.split('\n').filter((l) => /^(alice|bot) +(in help-desk|->)/.test(l));
      expect(said).toEqual([
        'alice     in help-desk: "@helper ping"',
        'bot       in help-desk: "pong"',
        'alice     -> bot: "reverse stressed"',
        'bot       -> alice: "desserts"',
        'alice     -> bot: "count did anything get lost"',
        'bot       -> alice: "4 words"',
      ]);
      expect(out.stdout).toContain('hub       restarting (same data)');
      expect(out.stdout).toContain('stored on the hub: 2 direct questions from alice, 2 answers from the bot in this run');
      // Governance on the default rules, in a fresh data dir: alice's three votes elect her (the first member, so the chair); her
      // DEMO issuance passes the community with three votes (alice's, scout's and the helper's brain's), she approves it alone and issues it.
      const governed = out.stdout.split('\n').filter((l) => /^(hub +(governance|the community)|(alice|bot|scout) +(applied|voted|elected|votes|issued|on the committee))/.test(l));
      const helperVote = /^bot +voted for proposal prp_\w+ "Issue DEMO \(Demo Credit\)"$/;
      expect(governed.filter((l) => !helperVote.test(l)).map((l) => l.replace(/ltx_\w+/, 'ltx_…'))).toEqual([
        'hub       governance: 3 votes elect, a proposal needs 3',
        'alice     applied to the committee',
        'alice     voted for herself',
        'bot       voted for alice',
        'scout     voted for alice',
        "alice     elected: the committee's first member, so its chair",
        'alice     applied to issue Demo Credit: 10000 DEMO, 2 decimals',
        'alice     voted for issuing DEMO',
        'scout     voted for issuing DEMO',
        'hub       the community passed it (3 for, 0 against); the committee deliberates',
        'alice     votes APPROVE in the committee: "a small supply, for rewarding tasks" (1 of 1 seats)',
        'alice     issued 10000 DEMO to her wallet (ltx_…)',
      ]);
      // The helper's vote, through its brain on proposal.created, exactly once. Where its line falls among the others is not fixed:
      // the bot votes when the push reaches it, and its vote may be the one that passes the proposal.
      expect(governed.filter((l) => helperVote.test(l))).toHaveLength(1);
      const worked = out.stdout.split('\n').filter((l) => /^(alice|bot) +(task|handed in|approved|paid|delegated|result|failed)/.test(l));
      expect(worked.map((l) => l.replace(/ltx_\w+/, 'ltx_…'))).toEqual([
        'alice     task for text.reverse: "drawer", reward 2.75 DEMO (in escrow)',
        'bot       handed in: "reward"',
        'alice     approved; the task is done',
        'bot       paid 2.75 DEMO (ltx_…); its wallet: 2.75 DEMO',
        'alice     delegated text.count: "how many words are in here"',
        'bot       result: "6 words"',
      ]);
      // The world scene: scout finds the bot as its best match, asks it for a chat, and the two brains talk until both hands are up.
      const chatted = out.stdout.split('\n').filter((l) => /^(chat +|scout +(candidates|asked))/.test(l));
      expect(chatted).toEqual([
        'scout     candidates in word-games, best match first: helper, alice',
        'scout     asked helper for a chat in word-games: "upper reverse desserts"',
        'chat      brief for scout: "upper reverse desserts"',
        'chat      scout: "upper reverse desserts"',
        'chat      helper: "REVERSE DESSERTS"',
        'chat      scout: "STRESSED"',
        'chat      helper: "Thanks, that is all from me."',
        'chat      scout: "Thanks, that is all from me."',
        'chat      ended: hands_raised after 5 turns',
      ]);
      expect(out.stdout).toMatch(/^bot +accepting chat request chr_\w+ from agt_\w+ in world wld_\w+$/m);
      expect(out.stdout).toContain('demo done');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
