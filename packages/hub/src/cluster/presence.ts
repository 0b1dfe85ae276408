import type { Logger } from 'pino';
import type { SharedPresence } from '../core/sessions.js';
import type { ClusterLink } from './link.js';
import { script } from './script.js';

/*
 * Presence across hubs, in Redis. Per agent a hash of hub id -> its open
 * sessions there; per hub the set of agents it has sessions for; a sorted
 * set of live hubs by last heartbeat; and the set of agents online anywhere,
 * which every hub mirrors in memory (reads of presence are synchronous and
 * happen inside write transactions). Each change runs as one script, so of
 * two hubs closing an agent's last two sessions at once exactly one is told
 * "that was the last": presence events fire once per transition.
 *
 * A hub that dies stops beating; the first live hub to notice, once its beat
 * is older than `ttlMs`, reaps it: its sessions go, and agents left with none
 * go offline (told once, to the reaping hub). Redis keeps nothing on disk
 * here: after it restarts (or reaped a hub that was only cut off) each hub
 * puts its own sessions back from memory.
 */

const OPEN = script(`
local p, hub, agent, cap = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local key = p .. 'presence:' .. agent
local total = 0
for _, v in ipairs(redis.call('HVALS', key)) do total = total + tonumber(v) end
if cap >= 0 and total >= cap then return -1 end
redis.call('HINCRBY', key, hub, 1)
redis.call('SADD', p .. 'hub:' .. hub .. ':agents', agent)
if total == 0 then
  redis.call('SADD', p .. 'online', agent)
  redis.call('PUBLISH', p .. 'presence', '+' .. agent)
  return 1
end
return 0
`);

const CLOSE = script(`
local p, hub, agent = ARGV[1], ARGV[2], ARGV[3]
local key = p .. 'presence:' .. agent
-- Nothing of this hub's (reaped meanwhile): the reaper already told who went offline.
if redis.call('HEXISTS', key, hub) == 0 then return 0 end
if redis.call('HINCRBY', key, hub, -1) <= 0 then
  redis.call('HDEL', key, hub)
  redis.call('SREM', p .. 'hub:' .. hub .. ':agents', agent)
end
if redis.call('HLEN', key) == 0 then
  redis.call('SREM', p .. 'online', agent)
  redis.call('PUBLISH', p .. 'presence', '-' .. agent)
  return 1
end
return 0
`);

/** Returns 1 while this hub is known, 0 when Redis has forgotten it (restarted, or reaped it). */
const BEAT = script(`
local p, hub, now = ARGV[1], ARGV[2], tonumber(ARGV[3])
if redis.call('ZSCORE', p .. 'hubs', hub) == false then return 0 end
redis.call('ZADD', p .. 'hubs', now, hub)
return 1
`);

/** Agents whose last session was on the dead hub. Only one caller reaps a given hub. */
const REAP = script(`
local p, dead, cutoff = ARGV[1], ARGV[2], tonumber(ARGV[3])
local score = redis.call('ZSCORE', p .. 'hubs', dead)
if score == false or tonumber(score) > cutoff then return {} end
redis.call('ZREM', p .. 'hubs', dead)
redis.call('SET', p .. 'reaped:' .. dead, '1', 'PX', 86400000)
local set = p .. 'hub:' .. dead .. ':agents'
local gone = {}
for _, agent in ipairs(redis.call('SMEMBERS', set)) do
  local key = p .. 'presence:' .. agent
  redis.call('HDEL', key, dead)
  if redis.call('HLEN', key) == 0 then
    redis.call('SREM', p .. 'online', agent)
    redis.call('PUBLISH', p .. 'presence', '-' .. agent)
    table.insert(gone, agent)
  end
end
redis.call('DEL', set)
return gone
`);

/**
 * Puts this hub's sessions (agent, count pairs from ARGV[4]) back. Returns the
 * agents that come online by it when the hub had been reaped (they were told
 * offline); after a Redis restart nobody was told anything, and none is returned.
 */
const RESTORE = script(`
local p, hub, now = ARGV[1], ARGV[2], tonumber(ARGV[3])
local reaped = redis.call('EXISTS', p .. 'reaped:' .. hub) == 1
redis.call('ZADD', p .. 'hubs', now, hub)
local set = p .. 'hub:' .. hub .. ':agents'
local back = {}
for i = 4, #ARGV, 2 do
  local agent, n = ARGV[i], ARGV[i + 1]
  local key = p .. 'presence:' .. agent
  local had = redis.call('HLEN', key)
  if redis.call('HEXISTS', key, hub) == 1 then had = had - 1 end
  redis.call('HSET', key, hub, n)
  redis.call('SADD', set, agent)
  if had == 0 then
    redis.call('SADD', p .. 'online', agent)
    redis.call('PUBLISH', p .. 'presence', '+' .. agent)
    if reaped then table.insert(back, agent) end
  end
end
return back
`);

/** Removes this hub's count for each agent given; returns those left with no session anywhere. */
const DROP = script(`
local p, hub = ARGV[1], ARGV[2]
local set = p .. 'hub:' .. hub .. ':agents'
local gone = {}
for i = 3, #ARGV do
  local agent = ARGV[i]
  local key = p .. 'presence:' .. agent
  redis.call('SREM', set, agent)
  if redis.call('HDEL', key, hub) == 1 and redis.call('HLEN', key) == 0 then
    redis.call('SREM', p .. 'online', agent)
    redis.call('PUBLISH', p .. 'presence', '-' .. agent)
    table.insert(gone, agent)
  end
end
return gone
`);

export interface ClusterPresenceOptions {
  /** A hub silent this long is dead: its sessions are removed. */
  ttlMs: number;
  log: Logger;
}

export class ClusterPresence implements SharedPresence {
  /** Agents online on any hub, as Redis last said. */
  private readonly mirror = new Set<string>();
  /** This hub's sessions per agent, as Redis should know them (put back after Redis forgets). */
  private readonly local = new Map<string, number>();
  private beat: ReturnType<typeof setInterval> | null = null;
  private beating: Promise<void> = Promise.resolve();
  private stopped = false;
  /** Agents online before Redis restarted and not back since, by when that was seen (settleSuspects). */
  private readonly suspects = new Map<string, number>();
  /** Which Redis server this hub last restored into: a new one started empty. */
  private runId: string | null = null;
  /** Redis missed a change of this hub's sessions: put them right at the next beat. */
  private dirty = false;
  /** Told of agents that went offline because their hub died, or came back after this hub was reaped. */
  private notify: (agentId: string, online: boolean) => void = () => undefined;

  constructor(
    private readonly link: ClusterLink,
    private readonly opts: ClusterPresenceOptions,
  ) {
    link.on('presence', (payload) => {
      const agent = payload.slice(1);
      if (payload[0] === '+') this.mirror.add(agent);
      else if (payload[0] === '-') this.mirror.delete(agent);
    });
    link.onReady(() => {
      this.beating = this.beating.then(() => this.restore()).catch((err: unknown) => this.opts.log.warn({ err }, 'presence restore failed'));
    });
  }

  /** After link.connect(): registers this hub and loads who is online. */
  async start(notify: (agentId: string, online: boolean) => void): Promise<void> {
    this.notify = notify;
    await this.restore();
    const every = Math.max(100, Math.floor(this.opts.ttlMs / 3));
    this.beat = setInterval(() => {
      this.beating = this.beating.then(() => this.tick()).catch((err: unknown) => this.opts.log.warn({ err }, 'presence heartbeat failed'));
    }, every);
    this.beat.unref();
  }

  async open(agentId: string, cap: number): Promise<'first' | 'more' | 'full'> {
    const had = this.local.get(agentId) ?? 0;
    let r: number;
    try {
      r = Number(await OPEN(this.link.cmd, [], [this.link.prefix, this.link.hubId, agentId, Number.isFinite(cap) ? cap : -1]));
    } catch (err) {
      // Redis away: agents still connect, held to the cap on this hub alone, and Redis hears of them on restore.
      this.opts.log.warn({ err: (err as Error).message }, 'presence: Redis unreachable, counting this session here only');
      if (had >= cap) return 'full';
      this.dirty = true;
      r = had === 0 && !this.mirror.has(agentId) ? 1 : 0;
    }
    if (r < 0) return 'full';
    this.local.set(agentId, (this.local.get(agentId) ?? 0) + 1);
    this.mirror.add(agentId);
    return r === 1 ? 'first' : 'more';
  }

  async close(agentId: string): Promise<boolean> {
    const n = (this.local.get(agentId) ?? 1) - 1;
    if (n > 0) this.local.set(agentId, n);
    else this.local.delete(agentId);
    let last: boolean;
    try {
      last = Number(await CLOSE(this.link.cmd, [], [this.link.prefix, this.link.hubId, agentId])) === 1;
    } catch (err) {
      // Whether that was its last session anywhere is Redis's to say: restore() settles it and tells.
      this.dirty = true;
      throw err;
    }
    if (last) this.mirror.delete(agentId);
    return last;
  }

  isOnline(agentId: string): boolean {
    return this.local.has(agentId) || this.mirror.has(agentId);
  }

  get onlineCount(): number {
    return this.mirror.size;
  }

  onlineAgents(): string[] {
    const all = new Set(this.mirror);
    for (const a of this.local.keys()) all.add(a);
    return [...all];
  }

  /** Leaves the cluster: this hub's sessions are closed by now; its beat goes, so nobody reaps it later. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.beat) clearInterval(this.beat);
    await this.beating.catch(() => undefined);
    // Left in the beat set when Redis may still count sessions of this hub (it missed closes): the reaper removes them.
    if (!this.dirty && this.local.size === 0) await this.link.cmd.zrem(this.link.key('hubs'), this.link.hubId).catch(() => undefined);
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    const now = Date.now();
    const known = Number(await BEAT(this.link.cmd, [], [this.link.prefix, this.link.hubId, now]));
    if (known === 0 || this.dirty) await this.restore();
    const cutoff = now - this.opts.ttlMs;
    const dead = await this.link.cmd.zrangebyscore(this.link.key('hubs'), '-inf', cutoff);
    for (const hub of dead) {
      if (hub === this.link.hubId) continue;
      const gone = (await REAP(this.link.cmd, [], [this.link.prefix, hub, cutoff])) as string[];
      if (gone.length > 0) this.opts.log.warn({ hub, agents: gone.length }, 'reaped a hub that stopped beating');
      for (const agent of gone) this.notify(agent, false);
    }
    if (this.suspects.size > 0) await this.settleSuspects(now);
  }

  /** Puts this hub's sessions back into Redis and reloads the mirror. */
  private async restore(): Promise<void> {
    this.dirty = false;
    const pairs = [...this.local.entries()];
    const back: string[] = [];
    for (let i = 0; i === 0 || i < pairs.length; i += 500) {
      const args: Array<string | number> = [this.link.prefix, this.link.hubId, Date.now()];
      for (const [agent, n] of pairs.slice(i, i + 500)) args.push(agent, n);
      back.push(...((await RESTORE(this.link.cmd, [], args)) as string[]));
    }
    // Sessions that closed while Redis could not hear of it: gone now, and told if they were the last.
    const listed = await this.link.cmd.smembers(this.link.key(`hub:${this.link.hubId}:agents`));
    const stale = listed.filter((a) => !this.local.has(a));
    const gone: string[] = [];
    for (let i = 0; i < stale.length; i += 500) {
      gone.push(...((await DROP(this.link.cmd, [], [this.link.prefix, this.link.hubId, ...stale.slice(i, i + 500)])) as string[]));
    }
    // After Redis restarted empty, nobody can reap a hub that died meanwhile (Redis never heard of it):
    // agents that were online and are not back once every live hub has restored went with it.
    const runId = await this.redisRunId();
    const restarted = this.runId !== null && runId !== this.runId;
    this.runId = runId;
    const before = restarted ? new Set(this.mirror) : null;
    this.mirror.clear();
    let cursor = '0';
    do {
      const [next, agents] = await this.link.cmd.sscan(this.link.key('online'), cursor, 'COUNT', 1000);
      for (const a of agents) this.mirror.add(a);
      cursor = next;
    } while (cursor !== '0');
    for (const agent of back) this.notify(agent, true);
    for (const agent of gone) this.notify(agent, false);
    const now = Date.now();
    for (const agent of before ?? []) if (!this.mirror.has(agent) && !this.local.has(agent)) this.suspects.set(agent, now);
  }

  /**
   * Suspects a full ttl after Redis restarted: every live hub has put its
   * sessions back by then (it beats every ttl/3), so one still missing left
   * with a dead hub. One hub claims each (SET NX) and tells.
   */
  private async settleSuspects(now: number): Promise<void> {
    for (const [agent, since] of this.suspects) {
      if (since > now - this.opts.ttlMs) continue;
      this.suspects.delete(agent);
      if ((await this.link.cmd.sismember(this.link.key('online'), agent)) === 1) continue;
      const claimed = await this.link.cmd.set(this.link.key(`gone:${this.runId}:${agent}`), this.link.hubId, 'PX', this.opts.ttlMs * 4, 'NX');
      if (claimed === 'OK') this.notify(agent, false);
    }
  }

  private async redisRunId(): Promise<string> {
    const info = await this.link.cmd.info('server');
    return /run_id:(\w+)/.exec(info)?.[1] ?? '';
  }
}
