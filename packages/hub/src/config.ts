import { homedir } from 'node:os';
import { join } from 'node:path';
import { Defaults } from '@parley/protocol';
import type { Logger } from 'pino';
import type { RateLimitConfig } from './core/rate-limit.js';
import type { ServiceQuota } from './domains/service/registry.js';
import type { TrustProxy } from './transport/address.js';

export interface HubOptions {
  /** Default '127.0.0.1'. */
  host?: string;
  /** Default 8787; 0 picks an ephemeral port. */
  port?: number;
  /** Default $PARLEY_DATA_DIR or ~/.parley/data; the database is <dataDir>/parley.db. */
  dataDir?: string;
  /** Overrides dataDir: a SQLite file, or ':memory:' for tests (a temporary file). */
  dbPath?: string;
  /**
   * The database: a PostgreSQL URL (`postgres://user@host:5432/db`) or a
   * SQLite file path. Overrides dbPath and dataDir. Env PARLEY_DB.
   */
  db?: string;
  /** PostgreSQL connections the hub keeps open (writes run concurrently on them). Default 10. Env PARLEY_DB_POOL_SIZE. */
  dbPoolSize?: number;
  /**
   * Bring the schema up to date at start. Default true on SQLite (embedded,
   * one hub); false on PostgreSQL, where several hubs may share the database
   * and an operator runs `parley migrate` once per upgrade: a hub then refuses
   * to start on an older schema, with a message saying so. Env PARLEY_AUTO_MIGRATE=1.
   */
  autoMigrate?: boolean;
  /** Announced in connected.heartbeat_ms; peers silent for > 2.5x are closed with 4408. Default 25000. */
  heartbeatMs?: number;
  /** Close 4401 when no auth arrives in time. Default 10000. */
  authTimeoutMs?: number;
  /** WebSocket frames (close 1009) and HTTP bodies (413). Default 1 MiB. */
  maxFrameBytes?: number;
  /** Per-connection send queue bound before close 4008. Default 4 MiB. */
  maxQueuedBytes?: number;
  /**
   * How long a closing WebSocket may take to get its close frame to the client
   * before the hub drops it: a stalled client that starts reading again within
   * this still learns why it was closed (4008). Default 60000.
   */
  closeTimeoutMs?: number;
  /** Frames and bodies nesting objects and arrays deeper than this are refused with bad_request. Default 64. */
  maxJsonDepth?: number;
  /** Per-agent token bucket. Default { perSecond: 200, burst: 400 }. */
  rateLimit?: RateLimitConfig | false;
  /**
   * Per client address (see trustProxy; IPv6 by /64), on top of the per-agent
   * one: every HTTP request but /healthz and /metrics, every WebSocket upgrade
   * and every request frame. Default { perSecond: 500, burst: 1000 }.
   */
  addressRateLimit?: RateLimitConfig | false;
  /** Registrations per client address. Default { perSecond: 1, burst: 60 }. */
  registerRateLimit?: RateLimitConfig | false;
  /** Token requests (`/v1/agents/token`) per client address. Default { perSecond: 1, burst: 60 }. */
  tokenRateLimit?: RateLimitConfig | false;
  /** Human logins (`/v1/account/login`) per client address. Default { perSecond: 0.2, burst: 20 }. Env PARLEY_LOGIN_RATE_LIMIT. */
  loginRateLimit?: RateLimitConfig | false;
  /** Human signups (`/v1/account/signup`) per client address. Default { perSecond: 0.02, burst: 5 }. Env PARLEY_SIGNUP_RATE_LIMIT. */
  signupRateLimit?: RateLimitConfig | false;
  /**
   * Claim and invite code attempts per human and client address (each key
   * counts): what keeps 40-bit codes out of reach of guessing. Default
   * { perSecond: 0.05, burst: 10 }. Env PARLEY_CODE_RATE_LIMIT.
   */
  codeRateLimit?: RateLimitConfig | false;
  /** Human accounts (issue 22); fields left out keep their defaults. */
  accounts?: Partial<AccountsConfig>;
  /** Who may set the client address with X-Forwarded-For (see TrustProxy). Default false: nobody. */
  trustProxy?: TrustProxy;
  /** Push retention. Default 7 days. */
  retentionMs?: number;
  /** Bearer token lifetime. Default 86400. */
  tokenTtlSeconds?: number;
  /** Live bearer tokens per agent; minting one more retires the oldest (ending what it opened). Default 20. */
  maxTokensPerAgent?: number;
  /** Open WebSocket sessions per agent; one more is closed with 4429 at auth. Default 32; Infinity for no cap. */
  maxSessionsPerAgent?: number;
  /** Long polls (`GET /v1/poll`) in flight per agent; one more is a 429. Default 8; Infinity for no cap. */
  maxLongPollsPerAgent?: number;
  /** A task in `doing` whose runner is offline and silent this long goes back to `todo`. Default 30 minutes. */
  taskStaleMs?: number;
  /** How long a chat request stays pending when it names no `ttl_ms`. Default 1 hour. */
  chatRequestTtlMs?: number;
  /** Per-agent memory quotas (memory/export); fields left out keep their defaults. */
  memoryQuota?: Partial<MemoryQuota>;
  /** Per-author content quotas (content/publish and content/update); fields left out keep their defaults. */
  contentQuota?: Partial<ContentQuota>;
  /** What one publisher may keep in the skill registry. Env PARLEY_SKILL_MAX_NAMES, PARLEY_SKILL_MAX_VERSIONS, PARLEY_SKILL_MAX_BYTES. */
  skillQuota?: Partial<SkillQuota>;
  /**
   * Several hubs, one service: the Redis they share (`redis://host:6379`).
   * Needs PostgreSQL (`db`). Without it the hub runs alone. Env PARLEY_REDIS.
   */
  redis?: string;
  /** Put before every Redis key and channel (several deployments on one Redis). Default 'parley:'. Env PARLEY_REDIS_PREFIX. */
  redisPrefix?: string;
  /** A hub silent this long is taken for dead: its sessions go, its leases pass on. Default 15000. Env PARLEY_CLUSTER_TTL_MS. */
  clusterTtlMs?: number;
  /** How long a push from another hub waits for the ones before it before they are read from the database. Default 250. Env PARLEY_BUS_GAP_MS. */
  busGapMs?: number;
  /**
   * A deadline (turn timeout, chat request expiry, delegated request) whose
   * hub died fires this long after it was due, on the hub holding the timer
   * lease. Default 2000. Env PARLEY_TIMER_GRACE_MS.
   */
  timerGraceMs?: number;
  /** Governance rules (governance/rules); fields left out keep their defaults. */
  governance?: Partial<GovernanceConfig>;
  /**
   * Hosts whose http(s) endpoints may back a service (service/register
   * `endpoint`); `*.example.com` matches subdomains. Default none: the hub
   * calls no endpoint. Env PARLEY_SERVICE_HOSTS (comma-separated).
   */
  serviceHosts?: string[];
  /**
   * Let those endpoints resolve to private, loopback, link-local and other
   * special addresses too. Default false. Env PARLEY_SERVICE_PRIVATE_ADDRESSES=1.
   */
  servicePrivateAddresses?: boolean;
  /** Service instances per agent and per name@version. Env PARLEY_MAX_SERVICES_PER_AGENT. */
  serviceQuota?: Partial<ServiceQuota>;
  /** pino level; default 'info'. */
  logLevel?: string;
  /**
   * For tests: a request that writes without recording its response in the
   * same transaction (core/unit.ts) is answered `internal` rather than only
   * logged. Default false.
   */
  strictUnits?: boolean;
  /**
   * Serve Juji's wire too (/agent/register, /ws?agent_id&token&ts&sig, /message/*; docs/juji-compat.md).
   * Default false: a second wire is a second attack surface, and only hubs with Juji clients need it.
   * Env PARLEY_JUJI=1.
   */
  juji?: boolean;
  /**
   * The web console's static files, served at /console: a directory holding
   * index.html, or false to serve none. Default: the build of @parley/console
   * when it is installed (transport/console.ts).
   */
  console?: string | false;
  logger?: Logger;
}

/**
 * Human accounts: sessions, console tokens, claim codes, passkeys. Env
 * PARLEY_SESSION_TTL_SECONDS, PARLEY_CONSOLE_TOKEN_TTL_SECONDS,
 * PARLEY_CLAIM_CODE_TTL_SECONDS, PARLEY_SECURE_COOKIES=1, PARLEY_SIGNUP=0,
 * PARLEY_WEBAUTHN_RP_ID, PARLEY_WEBAUTHN_RP_NAME, PARLEY_WEBAUTHN_ORIGINS.
 */
export interface AccountsConfig {
  /** How long a login lasts. Default 7 days. */
  sessionTtlSeconds: number;
  /** How long a console token lasts (it also ends with its session). Default 12 hours. */
  consoleTokenTtlSeconds: number;
  /** How long a claim code may be used. Default 15 minutes. */
  claimCodeTtlSeconds: number;
  /**
   * Mark the session cookie Secure whatever the request came over. Default
   * false: Secure only when the request came over https (as the hub sees it:
   * behind a proxy, with trustProxy set, from X-Forwarded-Proto).
   */
  secureCookies: boolean;
  /** Whether anyone may sign up. Default true; false: the operator makes accounts some other way (existing ones still log in). */
  signup: boolean;
  /** Passkeys (WebAuthn): who the relying party is. */
  webauthn: WebAuthnConfig;
}

/**
 * The WebAuthn relying party. A passkey is bound to `rpId` (a domain, never
 * an IP address: browsers refuse those) and answered from a page at one of
 * `origins`; both must stay the same for passkeys already made to keep
 * working. Left out, a hub takes both from each request (its Host, and
 * `${protocol}://${host}`): right for a hub reached at one address, such as
 * http://localhost:7700 on a laptop.
 */
export interface WebAuthnConfig {
  /** The domain passkeys are bound to, e.g. "parley.example.com". Default: the request's host name. */
  rpId?: string;
  /** What the browser's passkey prompt calls the hub. Default "Parley". */
  rpName: string;
  /** The pages' origins allowed to use passkeys, e.g. ["https://parley.example.com"]. Default: the request's own origin. */
  origins?: string[];
}

/** What one agent may keep in memory notes. */
export interface SkillQuota {
  /** Skill names per publisher. Default 100. */
  maxNames: number;
  /** Versions per skill name. Default 200. */
  maxVersions: number;
  /** All of a publisher's versions together, bytes. Default 64 MiB. */
  maxBytes: number;
}

export interface MemoryQuota {
  /** Notes per agent. Default 100. */
  maxNotes: number;
  /** All of an agent's notes together, UTF-8 bytes. Default 16 MiB. */
  maxBytes: number;
  /** One note, UTF-8 bytes. Default 1 MiB. */
  maxNoteBytes: number;
}

/**
 * What one author may keep as articles (content/*). One article's size is
 * bounded by the protocol (MAX_ARTICLE_TITLE, MAX_ARTICLE_BODY); this bounds
 * the sum. Env PARLEY_CONTENT_MAX_ARTICLES, PARLEY_CONTENT_MAX_BYTES.
 */
export interface ContentQuota {
  /** Articles per author, private ones included. Default 1000. */
  maxArticles: number;
  /** Title and body of all of an author's articles together, UTF-8 bytes. Default 32 MiB. */
  maxBytes: number;
}

/**
 * The community's rules. Env: PARLEY_GOV_QUORUM, PARLEY_GOV_VOTES_TO_ELECT,
 * PARLEY_GOV_SEATS, PARLEY_GOV_MAX_OPEN_PROPOSALS, and PARLEY_COMMITTEE_REWARD
 * as `<amount>:<SYMBOL>:<period ms>`.
 */
export interface GovernanceConfig {
  /** Community votes a proposal needs before the majority rule (more for than against) applies. Default 3. */
  quorum: number;
  /** Supporting votes (more than those against) that elect a committee candidate. Default 3. */
  votesToElect: number;
  /** Most ACTIVE committee members at once. Default 21. */
  seats: number;
  /** Most open proposals, and pending issuance applications, per agent. Default 20. */
  maxOpenProposals: number;
  /**
   * Paid once per period to every ACTIVE member, from the community treasury
   * (an asset issued with `to_treasury`); null: no reward. Amount in smallest units. Default null.
   */
  committeeReward: { asset: string; amount: string; periodMs: number } | null;
}

export interface ResolvedConfig {
  host: string;
  port: number;
  /** What the hub opens: a SQLite path (or ':memory:') or a PostgreSQL URL. */
  db: string;
  dbPoolSize: number;
  autoMigrate: boolean;
  heartbeatMs: number;
  authTimeoutMs: number;
  maxFrameBytes: number;
  maxQueuedBytes: number;
  closeTimeoutMs: number;
  maxJsonDepth: number;
  rateLimit: RateLimitConfig | false;
  addressRateLimit: RateLimitConfig | false;
  registerRateLimit: RateLimitConfig | false;
  tokenRateLimit: RateLimitConfig | false;
  loginRateLimit: RateLimitConfig | false;
  signupRateLimit: RateLimitConfig | false;
  codeRateLimit: RateLimitConfig | false;
  accounts: AccountsConfig;
  trustProxy: TrustProxy;
  retentionMs: number;
  tokenTtlSeconds: number;
  maxTokensPerAgent: number;
  maxSessionsPerAgent: number;
  maxLongPollsPerAgent: number;
  taskStaleMs: number;
  chatRequestTtlMs: number;
  memoryQuota: MemoryQuota;
  contentQuota: ContentQuota;
  skillQuota: SkillQuota;
  governance: GovernanceConfig;
  /** Set when several hubs share this database. */
  cluster: { redis: string; prefix: string; ttlMs: number; busGapMs: number; timerGraceMs: number } | null;
  services: { hosts: string[]; allowPrivate: boolean; quota: ServiceQuota };
  logLevel: string;
  strictUnits: boolean;
  juji: boolean;
  /** undefined: find @parley/console's build. */
  console: string | false | undefined;
}

const WEEK_MS = 7 * 24 * 60 * 60 * 1000;

export function resolveConfig(o: HubOptions = {}): ResolvedConfig {
  const dataDir = o.dataDir ?? process.env.PARLEY_DATA_DIR ?? join(homedir(), '.parley', 'data');
  const db = o.db ?? o.dbPath ?? join(dataDir, 'parley.db');
  return {
    host: o.host ?? '127.0.0.1',
    port: o.port ?? 8787,
    db,
    dbPoolSize: atLeastOne(o.dbPoolSize ?? 10, 'dbPoolSize'),
    autoMigrate: o.autoMigrate ?? !isPostgresUrl(db),
    heartbeatMs: o.heartbeatMs ?? Defaults.heartbeatMs,
    authTimeoutMs: o.authTimeoutMs ?? Defaults.authTimeoutMs,
    maxFrameBytes: o.maxFrameBytes ?? Defaults.maxFrameBytes,
    maxQueuedBytes: o.maxQueuedBytes ?? Defaults.maxQueuedBytes,
    closeTimeoutMs: o.closeTimeoutMs ?? 60_000,
    maxJsonDepth: o.maxJsonDepth ?? Defaults.maxJsonDepth,
    rateLimit: o.rateLimit === undefined ? { perSecond: 200, burst: 400 } : o.rateLimit,
    addressRateLimit: o.addressRateLimit === undefined ? { perSecond: 500, burst: 1000 } : o.addressRateLimit,
    registerRateLimit: o.registerRateLimit === undefined ? { perSecond: 1, burst: 60 } : o.registerRateLimit,
    tokenRateLimit: o.tokenRateLimit === undefined ? { perSecond: 1, burst: 60 } : o.tokenRateLimit,
    loginRateLimit: o.loginRateLimit === undefined ? { perSecond: 0.2, burst: 20 } : o.loginRateLimit,
    signupRateLimit: o.signupRateLimit === undefined ? { perSecond: 0.02, burst: 5 } : o.signupRateLimit,
    codeRateLimit: o.codeRateLimit === undefined ? { perSecond: 0.05, burst: 10 } : o.codeRateLimit,
    accounts: {
      sessionTtlSeconds: atLeastOne(o.accounts?.sessionTtlSeconds ?? 7 * 24 * 60 * 60, 'accounts.sessionTtlSeconds'),
      consoleTokenTtlSeconds: atLeastOne(o.accounts?.consoleTokenTtlSeconds ?? 12 * 60 * 60, 'accounts.consoleTokenTtlSeconds'),
      claimCodeTtlSeconds: atLeastOne(o.accounts?.claimCodeTtlSeconds ?? 15 * 60, 'accounts.claimCodeTtlSeconds'),
      secureCookies: o.accounts?.secureCookies ?? false,
      signup: o.accounts?.signup ?? true,
      webauthn: webauthnConfig(o.accounts?.webauthn),
    },
    trustProxy: o.trustProxy ?? false,
    retentionMs: o.retentionMs ?? WEEK_MS,
    tokenTtlSeconds: o.tokenTtlSeconds ?? Defaults.tokenTtlSeconds,
    maxTokensPerAgent: atLeastOne(o.maxTokensPerAgent ?? 20, 'maxTokensPerAgent'),
    maxSessionsPerAgent: atLeastOne(o.maxSessionsPerAgent ?? 32, 'maxSessionsPerAgent'),
    maxLongPollsPerAgent: atLeastOne(o.maxLongPollsPerAgent ?? 8, 'maxLongPollsPerAgent'),
    taskStaleMs: o.taskStaleMs ?? 30 * 60 * 1000,
    chatRequestTtlMs: o.chatRequestTtlMs ?? 60 * 60 * 1000,
    memoryQuota: {
      maxNotes: o.memoryQuota?.maxNotes ?? 100,
      maxBytes: o.memoryQuota?.maxBytes ?? 16 * 1024 * 1024,
      maxNoteBytes: o.memoryQuota?.maxNoteBytes ?? 1024 * 1024,
    },
    skillQuota: {
      maxNames: o.skillQuota?.maxNames ?? 100,
      maxVersions: o.skillQuota?.maxVersions ?? 200,
      maxBytes: o.skillQuota?.maxBytes ?? 64 * 1024 * 1024,
    },
    contentQuota: {
      maxArticles: atLeastOne(o.contentQuota?.maxArticles ?? 1000, 'contentQuota.maxArticles'),
      maxBytes: atLeastOne(o.contentQuota?.maxBytes ?? 32 * 1024 * 1024, 'contentQuota.maxBytes'),
    },
    governance: governanceConfig(o.governance),
    cluster: clusterConfig(o, db),
    services: {
      hosts: [...(o.serviceHosts ?? [])],
      allowPrivate: o.servicePrivateAddresses ?? false,
      quota: {
        maxPerAgent: atLeastOne(o.serviceQuota?.maxPerAgent ?? 20, 'serviceQuota.maxPerAgent'),
        maxInstances: atLeastOne(o.serviceQuota?.maxInstances ?? 100, 'serviceQuota.maxInstances'),
      },
    },
    logLevel: o.logLevel ?? 'info',
    strictUnits: o.strictUnits ?? false,
    juji: o.juji ?? false,
    console: o.console,
  };
}

function governanceConfig(g: Partial<GovernanceConfig> = {}): GovernanceConfig {
  const reward = g.committeeReward ?? null;
  if (reward) {
    if (!/^[A-Z][A-Z0-9]{1,11}$/.test(reward.asset)) throw new Error(`committeeReward.asset must be an asset symbol (2-12 capitals and digits), got "${reward.asset}"`);
    if (!/^[1-9][0-9]{0,37}$/.test(reward.amount)) throw new Error(`committeeReward.amount must be a positive integer in smallest units, got "${reward.amount}"`);
    atLeastOne(reward.periodMs, 'committeeReward.periodMs');
  }
  return {
    quorum: atLeastOne(g.quorum ?? 3, 'governance.quorum'),
    votesToElect: atLeastOne(g.votesToElect ?? 3, 'governance.votesToElect'),
    seats: atLeastOne(g.seats ?? 21, 'governance.seats'),
    maxOpenProposals: atLeastOne(g.maxOpenProposals ?? 20, 'governance.maxOpenProposals'),
    committeeReward: reward,
  };
}

function clusterConfig(o: HubOptions, db: string): ResolvedConfig['cluster'] {
  if (!o.redis) return null;
  if (!isPostgresUrl(db)) {
    throw new Error('several hubs (redis is set) need one PostgreSQL database they share: set db (PARLEY_DB) to a postgres:// URL; SQLite serves one hub');
  }
  if (!/^rediss?:\/\//i.test(o.redis)) throw new Error(`redis must be a redis:// or rediss:// URL, got "${o.redis}"`);
  return {
    redis: o.redis,
    prefix: o.redisPrefix ?? 'parley:',
    ttlMs: atLeastOne(o.clusterTtlMs ?? 15_000, 'clusterTtlMs'),
    busGapMs: atLeastOne(o.busGapMs ?? 250, 'busGapMs'),
    timerGraceMs: atLeastOne(o.timerGraceMs ?? 2000, 'timerGraceMs'),
  };
}

/** `<amount>:<SYMBOL>:<period ms>`, e.g. `10:PLY:86400000`. */
export function committeeReward(text: string): NonNullable<GovernanceConfig['committeeReward']> {
  const m = /^([0-9]+):([A-Z][A-Z0-9]{1,11}):([0-9]+)$/.exec(text.trim());
  if (!m) throw new Error(`the committee reward is <amount>:<SYMBOL>:<period ms> (e.g. 10:PLY:86400000), got "${text}"`);
  return { amount: m[1]!, asset: m[2]!, periodMs: Number(m[3]) };
}

function atLeastOne(n: number, name: string): number {
  if (!(n >= 1)) throw new Error(`${name} must be at least 1, got ${n}`);
  return n;
}

function int(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${value}"`);
  return n;
}

/** Options from PARLEY_* environment variables; unset variables are left out so defaults apply. */
export function resolveHubOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): HubOptions {
  const o: HubOptions = {};
  if (env.PARLEY_HOST) o.host = env.PARLEY_HOST;
  const port = int(env.PARLEY_PORT, 'PARLEY_PORT');
  if (port !== undefined) o.port = port;
  if (env.PARLEY_DATA_DIR) o.dataDir = env.PARLEY_DATA_DIR;
  if (env.PARLEY_DB) o.db = env.PARLEY_DB;
  const pool = int(env.PARLEY_DB_POOL_SIZE, 'PARLEY_DB_POOL_SIZE');
  if (pool !== undefined) o.dbPoolSize = pool;
  if (env.PARLEY_AUTO_MIGRATE !== undefined && env.PARLEY_AUTO_MIGRATE !== '') o.autoMigrate = flag(env.PARLEY_AUTO_MIGRATE, 'PARLEY_AUTO_MIGRATE');
  if (env.PARLEY_LOG_LEVEL) o.logLevel = env.PARLEY_LOG_LEVEL;
  const gov: Partial<GovernanceConfig> = {};
  const quorum = int(env.PARLEY_GOV_QUORUM, 'PARLEY_GOV_QUORUM');
  if (quorum !== undefined) gov.quorum = quorum;
  const toElect = int(env.PARLEY_GOV_VOTES_TO_ELECT, 'PARLEY_GOV_VOTES_TO_ELECT');
  if (toElect !== undefined) gov.votesToElect = toElect;
  const seats = int(env.PARLEY_GOV_SEATS, 'PARLEY_GOV_SEATS');
  if (seats !== undefined) gov.seats = seats;
  const maxOpen = int(env.PARLEY_GOV_MAX_OPEN_PROPOSALS, 'PARLEY_GOV_MAX_OPEN_PROPOSALS');
  if (maxOpen !== undefined) gov.maxOpenProposals = maxOpen;
  if (env.PARLEY_COMMITTEE_REWARD) gov.committeeReward = committeeReward(env.PARLEY_COMMITTEE_REWARD);
  if (Object.keys(gov).length > 0) o.governance = gov;
  if (env.PARLEY_REDIS) o.redis = env.PARLEY_REDIS;
  if (env.PARLEY_REDIS_PREFIX) o.redisPrefix = env.PARLEY_REDIS_PREFIX;
  const clusterTtl = int(env.PARLEY_CLUSTER_TTL_MS, 'PARLEY_CLUSTER_TTL_MS');
  if (clusterTtl !== undefined) o.clusterTtlMs = clusterTtl;
  const gap = int(env.PARLEY_BUS_GAP_MS, 'PARLEY_BUS_GAP_MS');
  if (gap !== undefined) o.busGapMs = gap;
  const grace = int(env.PARLEY_TIMER_GRACE_MS, 'PARLEY_TIMER_GRACE_MS');
  if (grace !== undefined) o.timerGraceMs = grace;
  const hb = int(env.PARLEY_HEARTBEAT_MS, 'PARLEY_HEARTBEAT_MS');
  if (hb !== undefined) o.heartbeatMs = hb;
  const ret = int(env.PARLEY_RETENTION_MS, 'PARLEY_RETENTION_MS');
  if (ret !== undefined) o.retentionMs = ret;
  const stale = int(env.PARLEY_TASK_STALE_MS, 'PARLEY_TASK_STALE_MS');
  if (stale !== undefined) o.taskStaleMs = stale;
  const chatTtl = int(env.PARLEY_CHAT_REQUEST_TTL_MS, 'PARLEY_CHAT_REQUEST_TTL_MS');
  if (chatTtl !== undefined) o.chatRequestTtlMs = chatTtl;
  const maxNotes = int(env.PARLEY_MEMORY_MAX_NOTES, 'PARLEY_MEMORY_MAX_NOTES');
  const maxBytes = int(env.PARLEY_MEMORY_MAX_BYTES, 'PARLEY_MEMORY_MAX_BYTES');
  const maxNoteBytes = int(env.PARLEY_MEMORY_MAX_NOTE_BYTES, 'PARLEY_MEMORY_MAX_NOTE_BYTES');
  if (maxNotes !== undefined || maxBytes !== undefined || maxNoteBytes !== undefined) o.memoryQuota = { maxNotes, maxBytes, maxNoteBytes };
  const maxArticles = int(env.PARLEY_CONTENT_MAX_ARTICLES, 'PARLEY_CONTENT_MAX_ARTICLES');
  const maxContentBytes = int(env.PARLEY_CONTENT_MAX_BYTES, 'PARLEY_CONTENT_MAX_BYTES');
  if (maxArticles !== undefined || maxContentBytes !== undefined) o.contentQuota = { maxArticles, maxBytes: maxContentBytes };
  const skillNames = int(env.PARLEY_SKILL_MAX_NAMES, 'PARLEY_SKILL_MAX_NAMES');
  const skillVersions = int(env.PARLEY_SKILL_MAX_VERSIONS, 'PARLEY_SKILL_MAX_VERSIONS');
  const skillBytes = int(env.PARLEY_SKILL_MAX_BYTES, 'PARLEY_SKILL_MAX_BYTES');
  if (skillNames !== undefined || skillVersions !== undefined || skillBytes !== undefined) o.skillQuota = { maxNames: skillNames, maxVersions: skillVersions, maxBytes: skillBytes };
  const closeTimeout = int(env.PARLEY_CLOSE_TIMEOUT_MS, 'PARLEY_CLOSE_TIMEOUT_MS');
  if (closeTimeout !== undefined) o.closeTimeoutMs = closeTimeout;
  const depth = int(env.PARLEY_MAX_JSON_DEPTH, 'PARLEY_MAX_JSON_DEPTH');
  if (depth !== undefined) o.maxJsonDepth = depth;
  const ttl = int(env.PARLEY_TOKEN_TTL_SECONDS, 'PARLEY_TOKEN_TTL_SECONDS');
  if (ttl !== undefined) o.tokenTtlSeconds = ttl;
  const tokens = cap(env.PARLEY_MAX_TOKENS_PER_AGENT, 'PARLEY_MAX_TOKENS_PER_AGENT');
  if (tokens !== undefined) o.maxTokensPerAgent = tokens;
  const sessions = cap(env.PARLEY_MAX_SESSIONS_PER_AGENT, 'PARLEY_MAX_SESSIONS_PER_AGENT');
  if (sessions !== undefined) o.maxSessionsPerAgent = sessions;
  const polls = cap(env.PARLEY_MAX_LONG_POLLS_PER_AGENT, 'PARLEY_MAX_LONG_POLLS_PER_AGENT');
  if (polls !== undefined) o.maxLongPollsPerAgent = polls;
  const rl = rate(env.PARLEY_RATE_LIMIT, 'PARLEY_RATE_LIMIT');
  if (rl !== undefined) o.rateLimit = rl;
  const addressRl = rate(env.PARLEY_ADDRESS_RATE_LIMIT, 'PARLEY_ADDRESS_RATE_LIMIT');
  if (addressRl !== undefined) o.addressRateLimit = addressRl;
  const registerRl = rate(env.PARLEY_REGISTER_RATE_LIMIT, 'PARLEY_REGISTER_RATE_LIMIT');
  if (registerRl !== undefined) o.registerRateLimit = registerRl;
  const tokenRl = rate(env.PARLEY_TOKEN_RATE_LIMIT, 'PARLEY_TOKEN_RATE_LIMIT');
  if (tokenRl !== undefined) o.tokenRateLimit = tokenRl;
  const loginRl = rate(env.PARLEY_LOGIN_RATE_LIMIT, 'PARLEY_LOGIN_RATE_LIMIT');
  if (loginRl !== undefined) o.loginRateLimit = loginRl;
  const signupRl = rate(env.PARLEY_SIGNUP_RATE_LIMIT, 'PARLEY_SIGNUP_RATE_LIMIT');
  if (signupRl !== undefined) o.signupRateLimit = signupRl;
  const codeRl = rate(env.PARLEY_CODE_RATE_LIMIT, 'PARLEY_CODE_RATE_LIMIT');
  if (codeRl !== undefined) o.codeRateLimit = codeRl;
  const accounts: Partial<AccountsConfig> = {};
  const sessionTtl = int(env.PARLEY_SESSION_TTL_SECONDS, 'PARLEY_SESSION_TTL_SECONDS');
  if (sessionTtl !== undefined) accounts.sessionTtlSeconds = sessionTtl;
  const consoleTtl = int(env.PARLEY_CONSOLE_TOKEN_TTL_SECONDS, 'PARLEY_CONSOLE_TOKEN_TTL_SECONDS');
  if (consoleTtl !== undefined) accounts.consoleTokenTtlSeconds = consoleTtl;
  const claimTtl = int(env.PARLEY_CLAIM_CODE_TTL_SECONDS, 'PARLEY_CLAIM_CODE_TTL_SECONDS');
  if (claimTtl !== undefined) accounts.claimCodeTtlSeconds = claimTtl;
  if (env.PARLEY_SECURE_COOKIES) accounts.secureCookies = flag(env.PARLEY_SECURE_COOKIES, 'PARLEY_SECURE_COOKIES');
  if (env.PARLEY_SIGNUP) accounts.signup = flag(env.PARLEY_SIGNUP, 'PARLEY_SIGNUP');
  if (env.PARLEY_WEBAUTHN_RP_ID || env.PARLEY_WEBAUTHN_RP_NAME || env.PARLEY_WEBAUTHN_ORIGINS) {
    accounts.webauthn = {
      rpName: env.PARLEY_WEBAUTHN_RP_NAME || 'Parley',
      ...(env.PARLEY_WEBAUTHN_RP_ID ? { rpId: env.PARLEY_WEBAUTHN_RP_ID } : {}),
      ...(env.PARLEY_WEBAUTHN_ORIGINS ? { origins: env.PARLEY_WEBAUTHN_ORIGINS.split(',').map((x) => x.trim()).filter((x) => x.length > 0) } : {}),
    };
  }
  if (Object.keys(accounts).length > 0) o.accounts = accounts;
  if (env.PARLEY_SERVICE_HOSTS) o.serviceHosts = env.PARLEY_SERVICE_HOSTS.split(',').map((h) => h.trim()).filter((h) => h.length > 0);
  if (env.PARLEY_JUJI) o.juji = flag(env.PARLEY_JUJI, 'PARLEY_JUJI');
  if (env.PARLEY_SERVICE_PRIVATE_ADDRESSES) o.servicePrivateAddresses = flag(env.PARLEY_SERVICE_PRIVATE_ADDRESSES, 'PARLEY_SERVICE_PRIVATE_ADDRESSES');
  const perAgentServices = int(env.PARLEY_MAX_SERVICES_PER_AGENT, 'PARLEY_MAX_SERVICES_PER_AGENT');
  if (perAgentServices !== undefined) o.serviceQuota = { maxPerAgent: perAgentServices };
  const trust = env.PARLEY_TRUST_PROXY;
  if (trust) {
    if (trust === 'true' || trust === 'false') o.trustProxy = trust === 'true';
    else if (/^\d+$/.test(trust)) o.trustProxy = Number(trust);
    else o.trustProxy = trust.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  }
  return o;
}

/** Checked at start: a typo here would only show when someone's passkey fails. */
function webauthnConfig(w: Partial<WebAuthnConfig> | undefined): WebAuthnConfig {
  const rpName = w?.rpName ?? 'Parley';
  if (rpName.trim() === '') throw new Error('accounts.webauthn.rpName must not be empty');
  const out: WebAuthnConfig = { rpName };
  if (w?.rpId !== undefined) {
    if (!/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/i.test(w.rpId) || /^[\d.]+$/.test(w.rpId)) {
      throw new Error(`accounts.webauthn.rpId must be a domain name (no scheme, port or IP address), got "${w.rpId}"`);
    }
    out.rpId = w.rpId.toLowerCase();
  }
  if (w?.origins !== undefined) {
    if (w.origins.length === 0) throw new Error('accounts.webauthn.origins must name at least one origin (or be left out)');
    out.origins = w.origins.map((o) => {
      let u: URL;
      try {
        u = new URL(o);
      } catch {
        throw new Error(`accounts.webauthn.origins: "${o}" is not a URL (e.g. https://parley.example.com)`);
      }
      if ((u.protocol !== 'https:' && u.protocol !== 'http:') || u.origin !== o.replace(/\/$/, '')) {
        throw new Error(`accounts.webauthn.origins: "${o}" is not an origin (scheme://host[:port], no path), e.g. https://parley.example.com`);
      }
      return u.origin;
    });
  }
  return out;
}

/** A positive integer, or "off" for no cap. */
function cap(value: string | undefined, name: string): number | undefined {
  if (value === 'off') return Number.POSITIVE_INFINITY;
  const n = int(value, name);
  if (n === 0) throw new Error(`${name} must be at least 1 (or "off"), got "${value}"`);
  return n;
}

/** "<perSecond>/<burst>" (perSecond may be fractional) or "off". */
function rate(value: string | undefined, name: string): RateLimitConfig | false | undefined {
  if (!value) return undefined;
  if (value === 'off') return false;
  const m = /^(\d+(?:\.\d+)?)\/(\d+)$/.exec(value);
  if (!m || Number(m[1]) <= 0 || Number(m[2]) < 1) throw new Error(`${name} must be "<perSecond>/<burst>" or "off", got "${value}"`);
  return { perSecond: Number(m[1]), burst: Number(m[2]) };
}

/** A PostgreSQL connection URL (anything else names a SQLite file). */
export function isPostgresUrl(target: string): boolean {
  return /^postgres(ql)?:\/\//i.test(target);
}

/** The database for logs and messages: a URL's password is never shown. */
export function describeDb(target: string): string {
  if (!isPostgresUrl(target)) return target;
  try {
    const u = new URL(target);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://(unparsable URL)';
  }
}

function flag(value: string, name: string): boolean {
  if (/^(1|true|yes|on)$/i.test(value)) return true;
  if (/^(0|false|no|off)$/i.test(value)) return false;
  throw new Error(`${name} must be 1 or 0 (true or false), got "${value}"`);
}
