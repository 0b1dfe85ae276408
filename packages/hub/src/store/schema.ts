/**
 * Table shapes as Kysely sees them. Times are integers (Unix milliseconds) so
 * ordering and comparisons are portable between SQLite and PostgreSQL; JSON
 * payloads are stored as text for the same reason.
 */
export interface MetaTable {
  key: string;
  value: string;
}

export interface AgentsTable {
  agent_id: string;
  public_key: string;
  name: string | null;
  description: string | null;
  contact_policy: string;
  /** 1: chat requests must name a shared world. */
  world_requests_only: number;
  created_at: number;
  last_seen_at: number | null;
}

export interface AgentCapabilitiesTable {
  agent_id: string;
  capability: string;
}

export interface TokensTable {
  token_hash: string;
  agent_id: string;
  created_at: number;
  expires_at: number;
}

/** Signed (key-or-agent, ts) pairs already used, so a captured request mints nothing twice. */
export interface UsedSignaturesTable {
  key: string;
  expires_at: number;
}

export interface DedupeTable {
  agent_id: string;
  u_id: string;
  response: string;
  created_at: number;
}

export interface StreamsTable {
  stream: string;
  head: number;
  /** Highest seq removed by retention pruning; cursors below it have a gap. */
  pruned_through: number;
}

export interface PushesTable {
  stream: string;
  seq: number;
  event: string;
  data: string;
  ts: number;
}

export interface ReadCursorsTable {
  agent_id: string;
  stream: string;
  seq: number;
}

export interface P2PMessagesTable {
  message_id: string;
  from_id: string;
  to_id: string;
  content: string;
  content_type: string;
  sent_at: number;
  /** Seq of the p2p.message push in the recipient's stream (null for rows older than migration 0003). */
  seq: number | null;
  /** The manager that sent it on the sender's behalf (migration 0004). */
  via: string | null;
}

export interface TopicsTable {
  topic_id: string;
  name: string;
  description: string | null;
  type: string;
  visibility: string;
  join_method: string;
  owner_id: string;
  created_at: number;
}

export interface TopicMembersTable {
  topic_id: string;
  agent_id: string;
  role: string;
  joined_at: number;
}

export interface TopicMessagesTable {
  topic_id: string;
  seq: number;
  message_id: string;
  from_id: string;
  content: string;
  content_type: string;
  semantic_type: string | null;
  reply_to: string | null;
  sent_at: number;
  title: string | null;
  /** JSON array of markdown strings, for rich messages. */
  blocks: string | null;
  /** The manager that published it on the sender's behalf (migration 0004). */
  via: string | null;
}

export interface TopicInvitesTable {
  topic_id: string;
  agent_id: string;
  by_id: string;
  created_at: number;
}

export interface TopicJoinRequestsTable {
  topic_id: string;
  agent_id: string;
  created_at: number;
}

export interface TopicBlacklistTable {
  topic_id: string;
  agent_id: string;
  reason: string | null;
  by_id: string;
  created_at: number;
  /** Null: until removed. */
  expires_at: number | null;
}

export interface NotificationSettingsTable {
  agent_id: string;
  /** 'topic:<topic_id>' or 'event:<event name>'. */
  scope: string;
  /** 1 or 0 (portable boolean). */
  enabled: number;
  updated_at: number;
}

export interface MemoryNotesTable {
  agent_id: string;
  name: string;
  content: string;
  /** `content` in UTF-8 bytes (what the memory quotas count). */
  bytes: number;
  source_topic_id: string | null;
  created_at: number;
  updated_at: number;
}

export interface PipelinesTable {
  pipeline_id: string;
  name: string;
  description: string | null;
  owner_id: string;
  is_default: number;
  auto_review: number;
  /** idle | running | done */
  state: string;
  created_at: number;
}

export interface TasksTable {
  task_id: string;
  title: string;
  description: string | null;
  acceptance_criteria: string | null;
  priority: string;
  status: string;
  owner_id: string;
  runner_id: string | null;
  reviewer_id: string | null;
  pipeline_id: string;
  topic_id: string | null;
  capability: string | null;
  deadline: number | null;
  reward_asset: string | null;
  reward_amount: number | null;
  /** held | released | refunded (null: no reward); kept by the RewardKeeper. */
  reward_state: string | null;
  /** Who a released reward went to. */
  reward_to: string | null;
  /** The reward's exact amount in smallest units (rewards made before the ledger have only reward_amount). */
  reward_units: string | null;
  /** The ledger transaction of the reward's last move (escrow, release, refund). */
  reward_tx: string | null;
  progress: number;
  progress_note: string | null;
  output: string | null;
  /** JSON array of URLs. */
  artifacts: string;
  review_comment: string | null;
  created_at: number;
  updated_at: number;
  active_at: number | null;
}

export interface TaskDependenciesTable {
  task_id: string;
  depends_on: string;
}

export interface TaskTimelineTable {
  task_id: string;
  n: number;
  at: number;
  actor: string;
  kind: string;
  from_status: string | null;
  to_status: string | null;
  note: string | null;
}

export interface TaskSubmissionsTable {
  submission_id: string;
  task_id: string;
  runner_id: string;
  output: string;
  artifacts: string;
  submitted_at: number;
  decision: string | null;
  comment: string | null;
  reviewed_by: string | null;
  reviewed_at: number | null;
}

export interface DelegationsTable {
  request_id: string;
  capability: string;
  requester_id: string;
  worker_id: string | null;
  tried: string;
  /** pending | done | failed */
  state: string;
  input: string;
  output: string | null;
  error: string | null;
  timeout_ms: number;
  created_at: number;
  deadline: number;
}

export interface DelegateGrantsTable {
  agent_id: string;
  manager_id: string;
  can_publish: number;
  can_p2p: number;
  created_at: number;
}

export interface WorldsTable {
  world_id: string;
  display_name: string;
  world_context_text: string;
  participant_context_field: string;
  visibility: string;
  join_policy: string;
  status: string;
  owner_id: string;
  /** Episode policy defaults, applied by chat. */
  max_turns: number;
  turn_timeout_ms: number;
  timeout_behavior: string;
  end_mode: string;
  created_at: number;
  updated_at: number;
  last_activity_at: number;
}

export interface WorldMembersTable {
  world_id: string;
  agent_id: string;
  role: string;
  participant_context_text: string;
  joined_at: number;
}

export interface WorldJoinRequestsTable {
  world_id: string;
  agent_id: string;
  participant_context_text: string;
  created_at: number;
}

export interface WorldInvitesTable {
  world_id: string;
  agent_id: string;
  by_id: string;
  created_at: number;
}

export interface WorldBansTable {
  world_id: string;
  agent_id: string;
  by_id: string;
  reason: string | null;
  created_at: number;
}

export interface WorldBroadcastsTable {
  broadcast_id: string;
  world_id: string;
  from_id: string;
  content: string;
  reply_policy: string;
  recipients: number;
  sent_at: number;
}

export interface ChatRequestsTable {
  request_id: string;
  from_id: string;
  to_id: string;
  /** The two agent ids, sorted and joined by a space. */
  pair_key: string;
  world_id: string | null;
  opening_message: string;
  /** The episode policy the conversation will get, as JSON. */
  policy: string;
  status: string;
  conversation_id: string | null;
  reason: string | null;
  created_at: number;
  expires_at: number;
  decided_at: number | null;
}
export interface ConversationsTable {
  conversation_id: string;
  request_id: string;
  world_id: string | null;
  requester_id: string;
  target_id: string;
  pair_key: string;
  opening_message: string;
  max_turns: number;
  turn_timeout_ms: number;
  timeout_behavior: string;
  end_mode: string;
  status: string;
  turns_taken: number;
  next_turn: string | null;
  turn_deadline: number | null;
  requester_hand: number;
  target_hand: number;
  ended_reason: string | null;
  ended_at: number | null;
  requester_rating: string | null;
  target_rating: string | null;
  created_at: number;
}
export interface ConversationTurnsTable {
  conversation_id: string;
  turn: number;
  kind: string;
  from_id: string | null;
  text: string;
  client_message_id: string | null;
  at: number;
}
export interface WorldBroadcastRepliesTable {
  broadcast_id: string;
  agent_id: string;
  content: string;
  sent_at: number;
}
export interface FeedbackTable {
  feedback_id: string;
  agent_id: string;
  category: string;
  title: string;
  details: string;
  /** JSON array of ids. */
  context_ids: string;
  created_at: number;
}

// ---- governance (domains/governance) ----------------------------------------

export interface ProposalsTable {
  proposal_id: string;
  /** general | asset_issue */
  kind: string;
  title: string;
  description: string;
  author_id: string;
  /** open | deliberating | approved | rejected | executed | closed */
  status: string;
  support: number;
  oppose: number;
  issuance_id: string | null;
  deliberation_id: string | null;
  /** The closing reason or the execution result. */
  result: string | null;
  created_at: number;
  updated_at: number;
}

export interface ProposalVotesTable {
  proposal_id: string;
  voter_id: string;
  support: number;
  voted_at: number;
}

export interface CommitteeTable {
  agent_id: string;
  /** PENDING | ACTIVE */
  status: string;
  /** chair | vice_chair | member (null while PENDING) */
  role: string | null;
  statement: string | null;
  support: number;
  oppose: number;
  applied_at: number;
  elected_at: number | null;
}

export interface CommitteeVotesTable {
  candidate_id: string;
  voter_id: string;
  support: number;
  voted_at: number;
}

export interface DeliberationsTable {
  deliberation_id: string;
  proposal_id: string;
  /** pending | approved | rejected | executed */
  status: string;
  seats: number;
  approve: number;
  reject: number;
  abstain: number;
  result: string | null;
  executed_by: string | null;
  started_at: number;
  decided_at: number | null;
  executed_at: number | null;
}

export interface DeliberationVotesTable {
  deliberation_id: string;
  member_id: string;
  /** APPROVE | REJECT | ABSTAIN */
  choice: string;
  reason: string;
  voted_at: number;
}

// ---- economy (domains/economy) ---------------------------------------------------

export interface AssetIssuancesTable {
  issuance_id: string;
  applicant_id: string;
  name: string;
  symbol: string;
  /** Decimal text. */
  total_supply: string;
  decimals: number;
  reason: string | null;
  to_treasury: number;
  /** proposed | approved | rejected | issued | closed */
  status: string;
  proposal_id: string;
  created_at: number;
  issued_at: number | null;
}

export interface AssetsTable {
  symbol: string;
  name: string;
  decimals: number;
  total_supply: string;
  issuer_id: string | null;
  issuance_id: string;
  tx_id: string;
  idempotency_key: string;
  issued_at: number;
}

export interface WalletsTable {
  address: string;
  agent_id: string;
  last_nonce: number;
  created_at: number;
}

/** The balance of one account in one asset, decimal text; kept with the entries in the same transaction. */
export interface BalancesTable {
  account: string;
  asset: string;
  amount: string;
}

export interface LedgerTxsTable {
  tx_id: string;
  kind: string;
  asset: string;
  actor: string;
  memo: string | null;
  ref: string | null;
  created_at: number;
}

export interface LedgerEntriesTable {
  tx_id: string;
  n: number;
  account: string;
  asset: string;
  /** Signed decimal text: what the account gained. */
  amount: string;
}

export interface RewardPeriodsTable {
  /** The period's start, ms. */
  period: number;
  asset: string;
  amount: string;
  members: number;
  /** paid | skipped: why */
  outcome: string;
  paid_at: number;
}

/** A service `name@version`: its definition, shared by its instances (domains/service). */
export interface ServicesTable {
  name: string;
  version: string;
  /** Sorts like semver (service/rows.ts: versionKey), so the highest version is one indexed read. */
  version_key: string;
  description: string;
  /** JSON Schema text. */
  params_schema: string;
  created_by: string;
  created_at: number;
  updated_at: number;
}

export interface ServiceInstancesTable {
  name: string;
  version: string;
  owner_id: string;
  endpoint: string | null;
  created_at: number;
  updated_at: number;
}

/** A Parley agent's integer alias on the Juji edge (transport/juji), with the last ws_token issued to it. */
export interface JujiAliasesTable {
  alias: number;
  agent_id: string;
  public_key: string;
  name: string | null;
  /** sha256 of the ws_token; every registration replaces it, as in Juji. */
  ws_token_hash: string;
  created_at: number;
  updated_at: number;
}

/** A live Juji session's (agent, ts): another connection with the same pair is refused while it lives. */
export interface JujiLiveTsTable {
  agent_id: string;
  /** Unix seconds, as the client signed it. */
  ts: number;
  session_id: string;
}

/** The integer a Juji client sees for a Parley proposal, task, deliberation, issuance or article id; numbered per kind. */
export interface JujiIdsTable {
  /** The id's prefix: prp, tsk, dlb, iss, cnt. */
  kind: string;
  num: number;
  parley_id: string;
}

/** An article (domains/content). */
export interface ArticlesTable {
  content_id: string;
  author_id: string;
  title: string;
  /** Markdown, as sent. */
  body: string;
  /** JSON array of the lower-cased tags, in the author's order (article_tags has one row per tag, for the tag filter). */
  tags: string;
  visibility: string;
  /** Made from the body at write time: lists and pushes never read a body. */
  excerpt: string;
  /** UTF-8 bytes of title and body: what the article takes of its author's quota. */
  bytes: number;
  created_at: number;
  updated_at: number;
  /** When it was first public; null while it never has been. */
  published_at: number | null;
}

export interface ArticleTagsTable {
  tag: string;
  content_id: string;
}

/** A skill name: who publishes it and what its newest versions are (domains/skill). */
export interface SkillsTable {
  name: string;
  publisher_id: string;
  /** Highest release by semver precedence, or null while there are prereleases only. */
  latest_version: string | null;
  /** Highest version of all, prereleases included. */
  top_version: string;
  /** The description of latest_version, or of top_version while there is no release. */
  description: string;
  versions: number;
  /** Bytes of all its versions (the publisher's quota counts them). */
  bytes: number;
  created_at: number;
  updated_at: number;
}

/** One published version of a skill; never changed once written. */
export interface SkillVersionsTable {
  name: string;
  /** The version without build metadata: versions equal in precedence are one version. */
  version_key: string;
  version: string;
  publisher_id: string;
  description: string;
  /** SKILL.md. */
  content: string;
  /** JSON: [{path, data}] with data in base64. */
  files: string;
  /** JSON: [{path, bytes}], what reads list without loading the files. */
  file_list: string;
  bytes: number;
  sha256: string;
  prerelease: number;
  published_at: number;
}

export interface Database {
  meta: MetaTable;
  agents: AgentsTable;
  agent_capabilities: AgentCapabilitiesTable;
  tokens: TokensTable;
  used_signatures: UsedSignaturesTable;
  dedupe: DedupeTable;
  streams: StreamsTable;
  pushes: PushesTable;
  read_cursors: ReadCursorsTable;
  p2p_messages: P2PMessagesTable;
  topics: TopicsTable;
  topic_members: TopicMembersTable;
  topic_messages: TopicMessagesTable;
  topic_invites: TopicInvitesTable;
  topic_join_requests: TopicJoinRequestsTable;
  topic_blacklist: TopicBlacklistTable;
  notification_settings: NotificationSettingsTable;
  memory_notes: MemoryNotesTable;
  pipelines: PipelinesTable;
  tasks: TasksTable;
  task_dependencies: TaskDependenciesTable;
  task_timeline: TaskTimelineTable;
  task_submissions: TaskSubmissionsTable;
  delegations: DelegationsTable;
  delegate_grants: DelegateGrantsTable;
  worlds: WorldsTable;
  world_members: WorldMembersTable;
  world_join_requests: WorldJoinRequestsTable;
  world_invites: WorldInvitesTable;
  world_bans: WorldBansTable;
  world_broadcasts: WorldBroadcastsTable;
  world_broadcast_replies: WorldBroadcastRepliesTable;
  chat_requests: ChatRequestsTable;
  conversations: ConversationsTable;
  conversation_turns: ConversationTurnsTable;
  feedback: FeedbackTable;
  proposals: ProposalsTable;
  proposal_votes: ProposalVotesTable;
  committee: CommitteeTable;
  committee_votes: CommitteeVotesTable;
  deliberations: DeliberationsTable;
  deliberation_votes: DeliberationVotesTable;
  asset_issuances: AssetIssuancesTable;
  assets: AssetsTable;
  wallets: WalletsTable;
  balances: BalancesTable;
  ledger_txs: LedgerTxsTable;
  ledger_entries: LedgerEntriesTable;
  reward_periods: RewardPeriodsTable;
  skills: SkillsTable;
  skill_versions: SkillVersionsTable;
  articles: ArticlesTable;
  article_tags: ArticleTagsTable;
  services: ServicesTable;
  service_instances: ServiceInstancesTable;
  juji_aliases: JujiAliasesTable;
  juji_live_ts: JujiLiveTsTable;
  juji_ids: JujiIdsTable;
  users: UsersTable;
  user_sessions: UserSessionsTable;
  claim_codes: ClaimCodesTable;
  agent_invites: AgentInvitesTable;
  bindings: BindingsTable;
  api_keys: ApiKeysTable;
  binding_actions: BindingActionsTable;
  passkeys: PasskeysTable;
  passkey_challenges: PasskeyChallengesTable;
}

/** A human account (issue 22). Humans are not agents: they hold no key. */
export interface UsersTable {
  user_id: string;
  /** Lower-cased. */
  email: string;
  display_name: string;
  /** The KDF's self-describing hash string (algorithm, parameters, salt, hash). */
  password_hash: string;
  /** Failed logins in a row; reset by a good one. */
  failed_logins: number;
  /** Unix ms: no login is tried before then (after too many failures). */
  locked_until: number | null;
  created_at: number;
}

/** A logged-in browser: the cookie's sha256, and the CSRF token that must come with every change. */
export interface UserSessionsTable {
  session_hash: string;
  user_id: string;
  csrf_token: string;
  created_at: number;
  expires_at: number;
}

export interface ClaimCodesTable {
  /** sha256 of the code. */
  code_hash: string;
  agent_id: string;
  created_at: number;
  expires_at: number;
  used_by: string | null;
  used_at: number | null;
}

export interface AgentInvitesTable {
  agent_id: string;
  code_hash: string;
  created_by: string;
  created_at: number;
}

export interface BindingsTable {
  binding_id: string;
  user_id: string;
  agent_id: string;
  /** 'claim' | 'invite'. */
  method: string;
  /** 0 | 1: exactly one primary per bound agent, never unbound. */
  is_primary: number;
  bound_at: number;
}

export interface ApiKeysTable {
  key_id: string;
  /** sha256 of the key: the key itself is shown once. */
  key_hash: string;
  binding_id: string;
  agent_id: string;
  user_id: string;
  /** 'api' | 'console'. */
  kind: string;
  name: string;
  prefix: string;
  /** A console key ends with the session that minted it. */
  session_hash: string | null;
  created_at: number;
  expires_at: number | null;
  last_used_at: number | null;
}

/** One call made as the agent through a binding's key; `seq` orders a binding's entries (time-sortable id). */
export interface BindingActionsTable {
  binding_id: string;
  seq: string;
  key_id: string;
  agent_id: string;
  action: string;
  u_id: string;
  status: string;
  at: number;
}

/** A human's WebAuthn credential (a passkey). Bytes are base64url text. */
export interface PasskeysTable {
  passkey_id: string;
  /** The authenticator's credential id. */
  credential_id: string;
  user_id: string;
  /** COSE public key. */
  public_key: string;
  /** The authenticator's signature counter (0 for those that keep none); it must grow. */
  counter: number;
  /** JSON array of transport names. */
  transports: string;
  name: string;
  created_at: number;
  last_used_at: number | null;
}

/** A ceremony's challenge, answered once: the row is deleted in the transaction that uses it. */
export interface PasskeyChallengesTable {
  /** base64url, as the browser echoes it in clientDataJSON. */
  challenge: string;
  /** 'register' | 'login'. */
  kind: string;
  /** The human registering; null for a login (who it is comes from the credential). */
  user_id: string | null;
  created_at: number;
  expires_at: number;
}
