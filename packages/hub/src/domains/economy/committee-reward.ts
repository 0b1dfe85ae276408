import { agentStream } from '@parley/protocol';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { GovernanceConfig } from '../../config.js';
import { iso } from '../../core/ids.js';
import type { StagedPush, Streams } from '../../core/streams.js';
import { detached } from '../../core/unit.js';
import { precompiled } from '../../store/precompiled.js';
import type { Database } from '../../store/schema.js';
import type { Sql, Writer } from '../../store/sql.js';
import { TREASURY, walletAccount } from './accounts.js';
import type { GovernanceRef } from './issuance.js';
import type { Ledger } from './ledger.js';
import type { Wallets } from './wallets.js';

const periodDone = precompiled(1, (db, period: number) => db.selectFrom('reward_periods').select('outcome').where('period', '=', period));
const assetExists = precompiled(1, (db, symbol: string) => db.selectFrom('assets').select('symbol').where('symbol', '=', symbol));

export interface PeriodOutcome {
  /** The period's start, ms. */
  period: number;
  /** `paid`, or `skipped: <why>`. */
  outcome: string;
  members: number;
}

/**
 * The committee's periodic reward (cfg.governance.committeeReward): once per
 * period, every ACTIVE member is paid the amount from the treasury. A period
 * is settled in one writer job that first claims its reward_periods row: the
 * primary key makes it once across restarts and hubs (a claim that finds the
 * row already there means another run settled it). If the treasury cannot pay
 * every member, nobody is paid and the period is recorded as skipped, with
 * why: a partial payment would favour whoever came first in the list.
 */
export class CommitteeReward {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> = Promise.resolve();
  private busy = false;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly read: Sql,
    private readonly writer: Writer,
    private readonly streams: Streams,
    private readonly governance: GovernanceRef,
    private readonly wallets: Wallets,
    private readonly ledger: Ledger,
    private readonly reward: GovernanceConfig['committeeReward'],
    private readonly log: Logger,
  ) {}

  /**
   * Checks at once and then a few times per period (at most every minute),
   * on the hub for which `owner()` holds (the timer lease), so that one hub
   * does the work; the row would keep a second one from paying twice anyway.
   */
  start(owner: () => boolean): void {
    const reward = this.reward;
    if (!reward || this.timer) return;
    const tick = () => {
      if (!owner() || this.busy) return;
      this.busy = true;
      this.running = this.settle()
        .catch((err: unknown) => this.log.error({ err }, 'committee reward failed'))
        .finally(() => (this.busy = false));
    };
    this.timer = setInterval(tick, Math.max(50, Math.min(Math.floor(reward.periodMs / 4), 60_000)));
    this.timer.unref();
    tick();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Resolves once a settlement under way has finished. */
  async idle(): Promise<void> {
    await this.running;
  }

  /** Settles the period `now` falls in, unless it was; null when there is no reward or nothing was left to do. */
  async settle(now = Date.now()): Promise<PeriodOutcome | null> {
    const reward = this.reward;
    if (!reward) return null;
    const period = Math.floor(now / reward.periodMs) * reward.periodMs;
    // The cheap check first: most ticks find the period settled and take no writer job.
    if (await this.read.get(periodDone(this.db, period))) return null;
    // The hub's own work: never part of whatever request is running.
    const done = await detached(() =>
      this.writer.run(
        async (tx) => {
          const claimed = await tx.run(
            this.db
              .insertInto('reward_periods')
              .values({ period, asset: reward.asset, amount: reward.amount, members: 0, outcome: 'pending', paid_at: Date.now() })
              .onConflict((oc) => oc.column('period').doNothing())
              .compile(),
          );
          if (claimed === 0) return null;
          const members = await this.governance().activeMembers(tx);
          const amount = BigInt(reward.amount);
          const need = amount * BigInt(members.length);
          const pushes: StagedPush[] = [];
          let outcome = 'paid';
          if (members.length === 0) outcome = 'skipped: no active committee members';
          else if (!(await tx.get(assetExists(this.db, reward.asset)))) outcome = `skipped: ${reward.asset} has not been issued`;
          else {
            const has = await this.ledger.balance(tx, TREASURY, reward.asset);
            if (has < need) outcome = `skipped: the treasury holds ${has} ${reward.asset}, paying ${members.length} members needs ${need}`;
            else {
              const entries = [{ account: TREASURY, amount: -need }];
              for (const m of members) entries.push({ account: walletAccount(await this.wallets.open(tx, m)), amount });
              const paid = await this.ledger.post(tx, { kind: 'reward', asset: reward.asset, actor: 'hub', memo: `committee reward for ${iso(period)}`, ref: `committee:${iso(period)}`, entries });
              for (const m of members) pushes.push(await this.streams.stage(tx, agentStream(m), 'reward.paid', { kind: 'committee', tx: paid, task_id: null, period: iso(period) }));
            }
          }
          await tx.run(this.db.updateTable('reward_periods').set({ members: members.length, outcome }).where('period', '=', period).compile());
          return { result: { period, outcome, members: members.length }, pushes };
        },
        (r) => {
          if (r) this.streams.fanOut(r.pushes);
        },
      ),
    );
    if (!done) return null;
    const { result } = done;
    if (result.outcome === 'paid') this.log.info(result, 'committee reward paid');
    else this.log.warn(result, `committee reward ${result.outcome}`);
    return result;
  }
}
