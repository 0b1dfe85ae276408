// The isomorphic entry: no Node built-ins may be imported from here (test/bundle.test.ts checks).
export { ParleyClient } from './client.js';
export type { TokenCredentials } from './auth.js';
export { AccountClient, AccountError, type AccountClientOptions } from './account.js';
export { claimCodeText, consoleUrl, ownerLine, ownersText } from './people.js';
export type {
  AccountSession,
  AccountUser,
  AgentBinding,
  AgentOwner,
  ApiKeyCreated,
  ApiKeyInfo,
  BindingActivity,
  BindingActivityList,
  BindingMethod,
  BoundAgent,
  ConsoleToken,
  InviteRotated,
  InviteState,
  InviteStatus,
  LoginRequest,
  SignupRequest,
} from '@parley/protocol';
export { register, requestToken, type RegisterOptions, type TokenOptions, type FetchLike } from './registration.js';
export {
  createIdentity,
  identityFromSecret,
  saveIdentityTo,
  loadIdentityFrom,
  parseIdentity,
  serializeIdentity,
  type Identity,
  type KeyValueStorage,
} from './identity.js';
export { MemoryCursorStore, StorageCursorStore, type CursorStore, type CursorSnapshot } from './cursors.js';
export { ParleyError, TimeoutError, AbortError, ConnectionClosedError, OfflineQueueFullError, type ClientErrorCode } from './errors.js';
export { backoffDelay, type BackoffOptions } from './backoff.js';
export { hubUrlList, parseHubUrls, type HubUrls } from './url.js';
export type { CallOptions } from './requests.js';
export type { ClientHelpers } from './client.js';
export type { TaskHandler, TaskContext, TaskResult, TaskWorker, TaskWorkerOptions, TaskWork, TaskHelper } from './worker.js';
export type { Serve, ServeOptions, ServedService, ServiceCallContext, ServiceHandler, ServiceHelper } from './services.js';
export type { ChatDecision, ChatHelper, ConversationHandler, ConversationOptions, ConversationReply, ConversationRunner, ConversationTurn, OnConversation } from './chats.js';
export { answerId, resendSafeId } from './chats.js';
export {
  formatAmount,
  parseAmount,
  parseReward,
  pickNonce,
  sendTransfer,
  MAX_DECIMALS,
  type AssetAmount,
  type TransferRequest,
  type TransferSigner,
} from './economy.js';
export { deliberationVoteFromText, supportFromText, MAX_VOTE_REASON } from './governance.js';
export { tagsFromText } from './content.js';
export {
  DEFAULT_UNZIP_LIMITS,
  SkillArchiveError,
  fetchSkill,
  parseSkillLink,
  readSkillZip,
  skillFrontMatter,
  type SkillArchive,
  type SkillEntry,
  type SkillLink,
  type UnzipLimits,
} from './skills.js';
export { topicExportPages, notePages, textHead, chatTranscript, type ActionCaller, type TopicExportPage, type NotePage } from './paging.js';
export type {
  DomainHelpers,
  DomainHelper,
  DomainName,
  DomainOf,
  DomainProperty,
  ActionMethod,
  ActionMethodName,
  CamelCase,
} from './domains.js';
export type {
  ParleyClientOptions,
  ParleyClientEvents,
  ConnectionState,
  TransportKind,
  ReconnectOptions,
  WebSocketLike,
  WebSocketConstructorLike,
  GapInfo,
  GapReason,
  DisconnectInfo,
  ClientStats,
} from './types.js';
export type { TokenResponse, ActionName, ParamsOf, ResultOf, EventName, EventDataOf, PushFrame, ConnectedFrame } from '@parley/protocol';
