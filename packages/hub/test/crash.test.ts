import { describe, expect, it } from 'vitest';
import type { ChildHub } from './child-hub.js';
import { activityByUid, effectsByKey, loadUntilKilled, resendAll, setUp, startChildHub, type Outcome } from './crash/harness.js';
import { tempDir } from './helpers.js';

// Exactly-once across crashes (docs/protocol.md, "Idempotency"): a request's
// effect and its dedupe record commit in one transaction, so after kill -9 a
// re-sent u_id never applies twice and nothing acknowledged is lost.
// Small in `npm test`; `pnpm soak` runs the same with PARLEY_SOAK=1 and larger sizes.
const soak = process.env.PARLEY_SOAK === '1';
const size = soak
  ? { rounds: 5, senders: 4, inFlight: 64, acks: 3000 }
  : { rounds: 3, senders: 2, inFlight: 16, acks: 150 };

describe('kill -9 under load, restart, re-send the same u_ids', () => {
  it(
    `${size.rounds} crashes with ${size.senders} senders x ${size.inFlight} in flight: no second effects, no lost acknowledged writes`,
    async () => {
      const { dir, cleanup } = tempDir();
      let hub: ChildHub | undefined;
      try {
        hub = await startChildHub(dir);
        const scene = await setUp(hub, size.senders);
        const out: Outcome = { acked: new Map(), sent: new Map() };
        const changed: string[] = [];
        let resent = 0;
        let unanswered = 0;
        for (let round = 0; round < size.rounds; round++) {
          await loadUntilKilled(hub, scene, size.inFlight, size.acks, out);
          unanswered += out.sent.size - out.acked.size;
          resent += out.sent.size;
          hub = await startChildHub(dir);
          changed.push(...(await resendAll(hub, scene, size.inFlight, out)).changedAnswers);
        }
        await hub.stop();

        const effects = await effectsByKey(dir);
        const sent = [...out.sent.values()];
        const twice = sent.filter((s) => (effects.get(s.key) ?? 0) > 1).map((s) => s.uId);
        const lost = sent.filter((s) => out.acked.has(s.uId) && (effects.get(s.key) ?? 0) === 0).map((s) => s.uId);
        console.log(
          `[crash] ${sent.length} writes, ${size.rounds} kill -9s, ${resent} re-sends (${unanswered} of them unanswered when the hub died): ` +
            `${twice.length} applied twice, ${lost.length} acknowledged and lost, ${changed.length} answered differently`,
        );
        expect(sent.length).toBeGreaterThan(size.rounds * size.acks);
        // Every u_id was answered success by the end (before the crash or on its re-send).
        expect(out.acked.size).toBe(sent.length);
        expect({ twice: twice.slice(0, 10), twiceCount: twice.length }).toEqual({ twice: [], twiceCount: 0 });
        expect({ lost: lost.slice(0, 10), lostCount: lost.length }).toEqual({ lost: [], lostCount: 0 });
        // A re-sent u_id that was acknowledged before the crash gets its first answer back, unchanged.
        expect(changed).toEqual([]);
        // Sender 0 sent through a human's API key: each of its writes is on that
        // binding's record once, as a success -- not lost with a crash, not doubled by its re-send.
        const activity = await activityByUid(dir, scene.keyed.agentId);
        const keyedSent = sent.filter((s) => s.key.split('-')[2] === '0');
        const notOnce = keyedSent.filter((s) => activity.get(s.uId)?.n !== 1 || activity.get(s.uId)?.status !== 'success').map((s) => s.uId);
        expect(keyedSent.length).toBeGreaterThan(0);
        expect({ notOnce: notOnce.slice(0, 10), count: notOnce.length }).toEqual({ notOnce: [], count: 0 });
      } finally {
        await hub?.stop();
        cleanup();
      }
    },
    soak ? 900_000 : 180_000,
  );
});
