import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { agentStream, isPublicStream, parseStream, PUBLIC_STREAMS, topicStream } from '@parley/protocol';
import pino, { type Logger } from 'pino';
import { LocalBus, type Bus } from './bus/local.js';
import { Cluster } from './cluster/cluster.js';
import { describeDb, resolveConfig, type HubOptions } from './config.js';
import { Auth, authHandlers } from './core/auth.js';
import { Dedupe } from './core/dedupe.js';
import { Dispatcher, type HandlerMap } from './core/dispatcher.js';
import { AddressLimits, RateLimiter } from './core/rate-limit.js';
import { SessionRegistry } from './core/sessions.js';
import { Streams, type StreamAccess } from './core/streams.js';
import { AccountService, accountHandlers } from './domains/account/index.js';
import { AgentService, agentHandlers } from './domains/agent/index.js';
import { capabilitiesHandlers } from './domains/capabilities/index.js';
import { chatHandlers, createChat } from './domains/chat/index.js';
import { ContentService, contentHandlers } from './domains/content/index.js';
import { DelegateGrants, DelegateService, delegateHandlers, failureOf, MAX_ATTEMPTS, MAX_PAYLOAD_BYTES } from './domains/delegate/index.js';
import { Economy, economyHandlers } from './domains/economy/index.js';
import { FeedbackService, feedbackHandlers } from './domains/feedback/index.js';
import { GovernanceService, governanceHandlers } from './domains/governance/index.js';
import { InboxService, inboxHandlers } from './domains/inbox/index.js';
import { MemoryService, memoryHandlers } from './domains/memory/index.js';
import { NotificationService, PresenceNotifier, notificationHandlers } from './domains/notification/index.js';
import { P2PService, p2pHandlers } from './domains/p2p/index.js';
import { JUJI_SKILL_DOWNLOAD_ROUTE, registerSkillDownloads, SkillRegistry, skillHandlers } from './domains/skill/index.js';
import { Services, serviceHandlers } from './domains/service/index.js';
import { TalkService, talkHandlers } from './domains/talk/index.js';
import { PipelineService, TaskService, workHandlers } from './domains/task/index.js';
import { TopicMessages, TopicModeration, TopicService, topicHandlers } from './domains/topic/index.js';
import { createWorlds, episodePolicyOf, worldHandlers } from './domains/world/index.js';
import { Metrics } from './metrics.js';
import type { Database } from './store/schema.js';
import { openStore } from './store/open.js';
import { assertSchemaCurrent, migrateSchema } from './store/store.js';
import type { Writer } from './store/sql.js';
import type { Kysely } from 'kysely';
import { findConsoleDir } from './transport/console.js';
import { registerAccountRoutes } from './transport/account-http.js';
import { buildHttp } from './transport/http.js';
import { WsTransport } from './transport/ws.js';
import { startJujiEdge } from './transport/juji/index.js';

export interface RunningHub {
  /** Base URL, e.g. 'http://127.0.0.1:8787'; the WebSocket is at ws://.../v1/ws. */
  url: string;
  port: number;
  epoch: string;
  /** Graceful: stop accepting, finish in-flight calls, close sockets with 1001, close the db. Idempotent. */
  close(): Promise<void>;
}

/** The epoch names this data set; it is created with the database and never changes. */
async function loadEpoch(db: Kysely<Database>, writer: Writer): Promise<string> {
  const epoch = 'ep_' + randomBytes(8).toString('hex');
  // The first hub on a database names it; every later start (or a concurrent first one) reads that name.
  return writer.run(async (tx) => {
    await tx.run(db.insertInto('meta').values({ key: 'epoch', value: epoch }).onConflict((oc) => oc.column('key').doNothing()).compile());
    return (await tx.get(db.selectFrom('meta').select('value').where('key', '=', 'epoch').compile()))!.value;
  });
}

export async function startHub(options: HubOptions = {}): Promise<RunningHub> {
  const cfg = resolveConfig(options);
  const log: Logger = options.logger ?? pino({ level: cfg.logLevel, name: 'parley-hub' });
  const metrics = new Metrics();
  const store = await openStore(cfg.db, {
    poolSize: cfg.dbPoolSize,
    onHookError: (err) => log.error({ err }, 'after-commit hook failed'),
    onCheckpointError: (err) => log.warn({ err }, 'background WAL checkpoints failed; the writer checkpoints by itself from now on'),
    onCommit: (jobs) => {
      metrics.commits.inc();
      metrics.writeJobs.inc(jobs);
    },
    onRetry: () => metrics.writeRetries.inc(),
  });
  try {
    if (cfg.autoMigrate) await migrateSchema(store, describeDb(cfg.db));
    else await assertSchemaCurrent(store, describeDb(cfg.db));
  } catch (err) {
    await store.close();
    throw err;
  }
  const { db, writer } = store;
  const epoch = await loadEpoch(db, writer);
  const startedAt = Date.now();
  // First session opened / last one closed: agent.presence pushes (`presence` exists before any session does).
  const sessions = new SessionRegistry((agentId, online) => presence.changed(agentId, online));
  // Several hubs share fan-out, presence, limits and timers through Redis; one hub needs none of it.
  const cluster = cfg.cluster ? new Cluster(cfg.cluster, log) : null;
  const bus: Bus = cluster
    ? cluster.makeBus(
        () => streams,
        sessions,
        (agentId) => streams.isWaiting(agentId),
        (err, what) => {
          metrics.busErrors.inc();
          log.error({ err }, `cluster bus: ${what}`);
        },
        (n) => metrics.busFilled.inc(n),
      )
    : new LocalBus();
  if (cluster) {
    metrics.watchCluster({
      leaseHeld: () => cluster.timers.held,
      onlineAgents: () => cluster.presence.onlineCount,
      trackedStreams: () => cluster.bus?.order.size ?? 0,
    });
  }

  const agents = new AgentService(db, store.read, writer, sessions);
  // Streams need topic membership and topics need streams: the access functions
  // below refer to `topics`, which exists by the time any of them is called.
  const access: StreamAccess = {
    async canRead(agentId, stream) {
      const s = parseStream(stream);
      if (!s) return false;
      if (s.kind === 'agent') return s.id === agentId;
      if (s.kind === 'public') return isPublicStream(stream);
      return (await topics.roleOf(s.id, agentId)) !== null;
    },
    async readable(agentId) {
      return [agentStream(agentId), ...PUBLIC_STREAMS, ...(await topics.joinedTopicIds(agentId)).map(topicStream)];
    },
    async recipients(stream, event, tx) {
      const s = parseStream(stream);
      if (!s) return [];
      // Pushes addressed to an agent always arrive; topic and public pushes honour each agent's settings.
      if (s.kind === 'agent') return [s.id];
      // A public stream goes to every agent online (on any hub: the shared mirror) that did not switch the event off.
      if (s.kind === 'public') return notifications.publicRecipients(event, sessions.onlineAgents(), tx);
      return notifications.liveRecipients(s.id, event, await topics.memberIds(s.id, tx), tx);
    },
  };
  const streams = new Streams(db, store.read, writer, bus, access, {
    onStored: () => metrics.stored.inc(),
    onFanoutError: (err) => log.error({ err }, 'fan-out failed'),
  });
  const topics = new TopicService(db, store.read, writer, streams, agents, sessions);
  const notifications = new NotificationService(db, store.read, writer, topics);
  const presence = new PresenceNotifier(streams, topics, notifications, log);
  const moderation = new TopicModeration(topics);
  const topicMessages = new TopicMessages(topics);
  const p2p = new P2PService(db, streams, agents);
  const inbox = new InboxService(streams, topics);
  const memory = new MemoryService(db, writer, topicMessages, cfg.memoryQuota);
  const talk = new TalkService(topics, topicMessages);
  const delegations = new DelegateService(db, store.read, streams, agents, log);
  const grants = new DelegateGrants(db, store.read, writer, { agents, topicMessages, p2p, streams });
  // A worker whose last session closes hands its pending delegated requests on.
  sessions.onPresenceChange((agentId, online) => delegations.presenceChanged(agentId, online));
  // The service registry; its calls go through delegation, which routes `service:` capabilities to the registry's holders.
  const services = new Services({
    db,
    read: store.read,
    writer,
    isOnline: (id) => agents.isOnline(id),
    delegations: {
      request: (me, p) => delegations.request(me, p),
      settled: (id, requester, ms, signal) => delegations.settled(id, requester, ms, signal),
      addRoute: (prefix, route) => delegations.addRoute(prefix, route),
      failureOf,
      maxAttempts: MAX_ATTEMPTS,
      maxPayloadBytes: MAX_PAYLOAD_BYTES,
    },
    egress: { hosts: cfg.services.hosts, allowPrivate: cfg.services.allowPrivate },
    quota: cfg.services.quota,
    log,
  });
  // Governance is made further down; the economy asks for its link only when an action or the reward timer needs it.
  const economy = new Economy({
    db,
    read: store.read,
    writer,
    streams,
    agents: { publicKeyOf: (id) => agents.publicKeyOf(id) },
    governance: () => governance.link(),
    rules: cfg.governance,
    log,
  });
  const tasks = new TaskService(db, writer, streams, {
    agentExists: async (id) => (await agents.contactPolicyOf(id)) !== null,
    capabilitiesOf: async (id) => (await agents.profile(id)).capabilities,
    isOnline: (id) => sessions.isOnline(id),
    onlineWith: (capability, tx) => agents.onlineWithCapability(capability, tx),
    topicRole: (topicId, id, tx) => topics.roleOf(topicId, id, tx),
    visibleTopicIds: (id) => topics.visibleIds(id),
  }, economy.taskRewards);
  const pipelines = new PipelineService(tasks);
  const worlds = createWorlds(db, store.read, writer, streams, agents);
  const chat = createChat(
    db,
    store.read,
    writer,
    streams,
    agents,
    {
      visible: (me, worldId) => worlds.worlds.visible(me, worldId),
      roleOf: (worldId, agentId, sql) => worlds.worlds.roleOf(worldId, agentId, sql),
      isBanned: (worldId, agentId, sql) => worlds.worlds.isBanned(worldId, agentId, sql),
      statusOf: (worldId, sql) => worlds.worlds.statusOf(worldId, sql),
      episodePolicyOf,
    },
    { requestTtlMs: cfg.chatRequestTtlMs, onError: (err, key) => log.error({ err, key }, 'chat deadline failed') },
  );
  // A ban or a pause ends the world's conversations in the same transaction.
  worlds.worlds.hooks.push(chat);
  const feedback = new FeedbackService(db, writer);
  const content = new ContentService(db, store.read, writer, streams, { namesOf: (ids, tx) => agents.namesOf(ids, tx) }, cfg.contentQuota);
  const skills = new SkillRegistry(db, store.read, writer, cfg.skillQuota);
  const governance = new GovernanceService({
    db,
    read: store.read,
    writer,
    streams,
    cfg: cfg.governance,
    peers: { namesOf: (ids, tx) => agents.namesOf(ids, tx), namedLike: (text) => agents.namedLike(text) },
  });
  // Issuance applications follow their proposals, in the job of each status change.
  governance.onProposalChange(economy.proposalHook);

  // Local end of fan-out: every recipient's open sessions, plus its long polls.
  bus.subscribe((msg) => {
    // Serialised once when stored; encoded to bytes once here when it goes to many.
    const frame = msg.recipients.length > 1 ? Buffer.from(msg.frame) : msg.frame;
    let delivered = 0;
    for (const agentId of msg.recipients) {
      for (const s of sessions.of(agentId) ?? []) if (s.deliver(msg.stream, msg.seq, frame)) delivered++;
      streams.notify(agentId);
    }
    if (delivered > 0) metrics.fanout.inc(delivered);
  });

  const auth = new Auth(db, writer, agents, cfg);
  // People (issue 22): humans' accounts, bindings and keys. Auth takes the keys as bearer tokens, and
  // the dispatcher records what is done with them; the domain reads agents only through these functions.
  const accounts = new AccountService({
    db,
    read: store.read,
    writer,
    agents: {
      namesOf: (ids) => agents.namesOf(ids),
      isOnline: (id) => agents.isOnline(id),
      capabilitiesOf: async (id) => ((await agents.contactPolicyOf(id)) === null ? [] : (await agents.profile(id)).capabilities),
    },
    revoker: auth,
    cfg: cfg.accounts,
    onError: (err, what) => log.error({ err }, what),
  });
  auth.keys = accounts.keys;
  const handlers: HandlerMap = {
    ...capabilitiesHandlers(),
    ...agentHandlers(agents),
    ...accountHandlers(accounts.claims),
    ...authHandlers(auth),
    ...p2pHandlers(p2p),
    ...topicHandlers(topics, moderation, topicMessages),
    ...inboxHandlers(inbox),
    ...notificationHandlers(notifications),
    ...talkHandlers(talk),
    ...workHandlers(tasks, pipelines),
    ...memoryHandlers(memory),
    ...delegateHandlers(delegations, grants),
    ...serviceHandlers(services),
    ...worldHandlers(worlds),
    ...chatHandlers(chat.requests, chat.conversations),
    ...feedbackHandlers(feedback),
    ...contentHandlers(content),
    ...economyHandlers(economy),
    ...governanceHandlers(governance),
    ...skillHandlers(skills),
  };
  const dedupe = new Dedupe(db, store.read, writer, (agent_id, u_id, why) => log.error({ agent_id, u_id }, `dedupe: ${why}`), {
    strict: cfg.strictUnits,
  });
  const limiter = new RateLimiter(cfg.rateLimit);
  const addressLimits = new AddressLimits(cfg);
  const dispatcher = new Dispatcher(handlers, dedupe, limiter, metrics, log);
  dispatcher.recorder = accounts.activity;
  if (cluster) {
    cluster.shareRevocations(auth);
    cluster.shareLimits(limiter, addressLimits);
    try {
      await cluster.start(sessions);
    } catch (err) {
      await cluster.stop().catch(() => undefined);
      await store.close();
      throw err;
    }
  }
  // With several hubs, work on shared rows that no request asked for (prunes, stale tasks, overdue
  // deadlines) is done by the one hub holding the timer lease.
  const owner = () => cluster === null || cluster.timers.held;

  const onPresence = (agentId: string) => {
    agents.touch(agentId).catch((err: unknown) => log.warn({ err }, 'last_seen update failed'));
  };

  // Housekeeping: retention, dedupe window, used signatures, idle rate buckets.
  const housekeeping = async () => {
    limiter.sweep();
    addressLimits.sweep();
    accounts.sweep();
    if (!owner()) return;
    const removed = await streams.prune(cfg.retentionMs);
    if (removed > 0) log.debug({ removed }, 'pruned pushes');
    await dedupe.prune();
    await moderation.pruneExpired();
    await auth.prune();
    await accounts.prune();
  };
  await housekeeping();
  // Pending delegated requests: deadlines re-armed; those that passed while the hub was down are handled now.
  await delegations.start();
  // Chat request expiries and turn deadlines, re-armed the same way.
  await chat.start();
  // The committee's periodic reward, paid by the timer-lease holder.
  economy.start(owner);
  let housekeepingRun: Promise<void> = Promise.resolve();
  const timer = setInterval(
    () => {
      housekeepingRun = housekeeping().catch((err: unknown) => log.error({ err }, 'housekeeping failed'));
    },
    Math.max(50, Math.min(Math.floor(cfg.retentionMs / 2), 60_000)),
  );
  timer.unref();
  // Stale runners are checked on their own clock: a small taskStaleMs (tests) must not wait for the housekeeping interval.
  let staleRun: Promise<unknown> = Promise.resolve();
  const staleTimer = setInterval(
    () => {
      if (!owner()) return;
      staleRun = tasks.returnStale(cfg.taskStaleMs).catch((err: unknown) => log.error({ err }, 'stale task check failed'));
    },
    Math.max(50, Math.min(Math.floor(cfg.taskStaleMs / 4), 60_000)),
  );
  staleTimer.unref();
  // Deadlines armed on a hub that died: the lease holder handles them once they are timerGraceMs overdue.
  let sweepRun: Promise<unknown> = Promise.resolve();
  // One sweep at a time: a long one (many overdue rows) is not joined by the next.
  let sweeping = false;
  const sweepTimer = cluster
    ? setInterval(
        () => {
          if (!owner() || sweeping) return;
          sweeping = true;
          const cutoff = Date.now() - cluster.cfg.timerGraceMs;
          sweepRun = Promise.all([delegations.sweep(cutoff), chat.sweep(cutoff)])
            .catch((err: unknown) => log.error({ err }, 'deadline sweep failed'))
            .finally(() => (sweeping = false));
        },
        Math.max(100, Math.floor(cluster.cfg.timerGraceMs / 2)),
      )
    : null;
  sweepTimer?.unref();

  let closing = false;
  const shutdown = new AbortController();
  const app = buildHttp({
    maxFrameBytes: cfg.maxFrameBytes,
    maxJsonDepth: cfg.maxJsonDepth,
    addressLimits,
    trustProxy: cfg.trustProxy,
    maxLongPollsPerAgent: cfg.maxLongPollsPerAgent,
    epoch,
    startedAt,
    auth,
    dispatcher,
    streams,
    skills,
    consoleDir: consoleDirOf(cfg.console),
    metrics,
    log,
    onPresence,
    shutdown: shutdown.signal,
    isClosing: () => closing,
  });
  registerAccountRoutes(app, { accounts, addressLimits, secureCookies: cfg.accounts.secureCookies, webauthn: cfg.accounts.webauthn, log });
  const ws = new WsTransport({
    heartbeatMs: cfg.heartbeatMs,
    authTimeoutMs: cfg.authTimeoutMs,
    maxFrameBytes: cfg.maxFrameBytes,
    maxQueuedBytes: cfg.maxQueuedBytes,
    closeTimeoutMs: cfg.closeTimeoutMs,
    maxJsonDepth: cfg.maxJsonDepth,
    addressLimits,
    trustProxy: cfg.trustProxy,
    maxSessionsPerAgent: cfg.maxSessionsPerAgent,
    epoch,
    auth,
    dispatcher,
    streams,
    sessions,
    metrics,
    log,
    onPresence,
  });
  // Juji's wire (docs/juji-compat.md), only when the operator turns it on: its routes, and /ws upgrades.
  const juji = cfg.juji
    ? startJujiEdge(app, { db, read: store.read, writer, auth, agents, dispatcher, sessions, addressLimits, trustProxy: cfg.trustProxy, maxFrameBytes: cfg.maxFrameBytes, maxQueuedBytes: cfg.maxQueuedBytes, maxJsonDepth: cfg.maxJsonDepth, maxSessionsPerAgent: cfg.maxSessionsPerAgent, log, onPresence })
    : null;
  // Juji's skill links (`/skills/<name>/download`) install from this hub as they are.
  if (cfg.juji) registerSkillDownloads(app, skills, JUJI_SKILL_DOWNLOAD_ROUTE);
  app.server.on('upgrade', (req, socket, head) => (juji?.handles(req) ? juji.handleUpgrade(req, socket, head) : ws.handleUpgrade(req, socket, head)));
  // A revocation broadcast while this hub was cut off from Redis was not heard: look the live tokens up.
  cluster?.link.onReady(() => {
    const live = ws.liveTokens();
    auth.invalidAmong([...live.keys()]).then(
      (gone) => {
        for (const hash of gone) auth.endRevoked(live.get(hash)!, new Set([hash]));
      },
      (err: unknown) => log.warn({ err }, 'token check after reconnecting to Redis failed'),
    );
  });

  try {
    await app.listen({ host: cfg.host, port: cfg.port });
  } catch (err) {
    clearInterval(timer);
    delegations.stop();
    chat.stop();
    economy.stop();
    clearInterval(staleTimer);
    if (sweepTimer) clearInterval(sweepTimer);
    await ws.close(0);
    await juji?.close(0);
    await cluster?.stop();
    await store.close();
    throw err;
  }
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : cfg.port;
  const hostForUrl = cfg.host.includes(':') ? `[${cfg.host}]` : cfg.host;
  const url = `http://${hostForUrl === '0.0.0.0' ? '127.0.0.1' : hostForUrl}:${port}`;
  log.info({ url, epoch, db: describeDb(cfg.db), store: store.dialect, hub: cluster?.link.hubId }, 'hub listening');

  let closed: Promise<void> | undefined;
  const close = () =>
    (closed ??= (async () => {
      closing = true;
      // Before the sockets close: those closings are not workers leaving, and no deadline fires
      // from here on (pending delegated requests are re-armed by the next start).
      delegations.stop();
      // Service calls stop waiting for answers: the drain below must not wait for their timeouts.
      services.stop();
      chat.stop();
      economy.stop();
      ws.stopAccepting();
      juji?.stopAccepting();
      shutdown.abort();
      // In-flight calls finish and their responses go out before sockets close.
      await dispatcher.drain(5000);
      await ws.close();
      await juji?.close();
      // Calls are drained and long polls answered by now; what is left are
      // keep-alive sockets. 'idle' ones close at once, but one that was between
      // requests at that instant would hold close() for the whole keep-alive
      // timeout (72 s in Fastify), so after a short grace every socket is cut.
      const force = setTimeout(() => app.server.closeAllConnections(), 1000);
      await app.close();
      clearTimeout(force);
      clearInterval(timer);
      clearInterval(staleTimer);
      if (sweepTimer) clearInterval(sweepTimer);
      await housekeepingRun;
      await staleRun;
      await sweepRun;
      // The other hubs hear of every session closed here before this hub leaves.
      await sessions.idle();
      await presence.idle();
      await delegations.idle();
      await chat.idle();
      await economy.idle();
      await dedupe.drain();
      await streams.drain();
      if (cluster) await cluster.stop();
      else await bus.close();
      await store.close();
      log.info('hub closed');
    })());

  return { url, port, epoch, close };
}

/** SIGTERM/SIGINT: close gracefully, then exit. */
export function installSignalHandlers(hub: RunningHub, log: (msg: string) => void = () => {}): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: shutting down`);
    hub.close().then(
      () => process.exit(0),
      (err: unknown) => {
        log(`shutdown failed: ${String(err)}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}

/** false: not served; a directory without index.html is reported as not built (null). */
function consoleDirOf(option: string | false | undefined): string | null | false {
  if (option === false) return false;
  if (option === undefined) return findConsoleDir();
  return existsSync(join(option, 'index.html')) ? option : null;
}
