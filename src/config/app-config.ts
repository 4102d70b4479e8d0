import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { compileTrust, TrustProxy } from '../common/client-address';
import { defaultMaxConnectionsPerNode, readDescriptorLimit } from './descriptor-limit';

export type Environment = 'development' | 'production' | 'test';

/**
 * TLS to Redis, as PEM read at start-up. `ca` replaces the system's trusted CAs (a private CA); without it the
 * server's certificate must chain to a public one. `cert` and `key` are this node's, for servers that ask.
 */
export interface RedisTls {
  ca?: string;
  cert?: string;
  key?: string;
}

/** An ACL user (Redis 6+) or, with the password alone, the `default` user. */
export interface RedisCredentials {
  username?: string;
  password?: string;
}

/** `tls` undefined: plain TCP. */
export type RedisConnection =
  | ({ mode: 'standalone'; url: string; tls?: RedisTls } & RedisCredentials)
  | ({ mode: 'cluster'; nodes: { host: string; port: number }[]; tls?: RedisTls } & RedisCredentials)
  | ({ mode: 'sentinel'; sentinels: { host: string; port: number }[]; masterName: string; tls?: RedisTls } & RedisCredentials)
  | { mode: 'embedded' };

export interface JwtConfig {
  secret?: string;
  /** Development only: no key was configured, so a generated secret is in use. */
  isGeneratedSecret?: boolean;
  publicKey?: string;
  issuer?: string;
  audience?: string;
}

export interface ThrottleConfig {
  /** 0 disables the throttle. */
  limit: number;
  ttlMs: number;
}

export interface RetentionConfig {
  /** How often the cluster's one sweeper runs: a message passes its room's age within about this long. */
  sweepMs: number;
  /** The maximum age of messages in rooms without a policy of their own; undefined keeps them (up to HISTORY_MAX_PER_ROOM). */
  defaultSeconds?: number;
  /** Messages one tick examines at most, so that a sweep never holds Redis or the node for long. */
  sweepBatch: number;
}

/** The longest retention a room may have: ten years of 365 days. */
export const RETENTION_MAX_SECONDS = 10 * 365 * 86_400;

/** Every setting of the process, read and validated once at start-up. */
export interface AppConfig {
  env: Environment;
  port: number;
  host: string;
  nodeId: string;
  dataDir: string;
  redis: RedisConnection;
  redisCommandTimeoutMs: number;
  /** Handshakes and joins: idempotent work that may wait out a reconnect storm (see docs/PERFORMANCE.md). */
  redisAdmissionTimeoutMs: number;
  /** Socket.IO's wire format: JSON (every client) or msgpack (clients that set the same parser). `/ws` is always JSON. */
  socketParser: 'json' | 'msgpack';
  redisServerBin: string;
  jwt: JwtConfig;
  corsOrigins: string[] | '*';
  /** When set, GET /metrics needs it as a bearer token. */
  metricsToken?: string;
  /** Whether /docs and /docs-json are served. */
  isApiDocsEnabled: boolean;
  trustProxy: TrustProxy;
  throttle: { ws: ThrottleConfig; http: ThrottleConfig };
  historyMaxPerRoom: number;
  /** Messages a `room:join { since }` returns at most; the client pages on with `message:history { after }`. */
  catchupMax: number;
  messageMaxLength: number;
  dedupWindowSec: number;
  /** A room's messages, edits and reactions expire this long after its last message. */
  roomIdleTtlDays: number;
  maxConnectionsPerUser: number;
  /**
   * Socket.IO and /ws connections one node holds at most (handshakes being checked included); beyond it a
   * handshake is refused `unavailable` (/ws: 503), so that descriptors remain for health, the APIs and Redis. 0: no limit.
   */
  maxConnectionsPerNode: number;
  /** Rooms a user holds at once (joined rooms and DM rooms): the bound of the inbox and of each user's room set. */
  maxRoomsPerUser: number;
  handshakeLimitPerIp: ThrottleConfig;
  auditMaxEntries: number;
  presenceTtlSec: number;
  typingTimeoutMs: number;
  shutdownTimeoutMs: number;
  /** Shutdown closes this node's connections spread over this long (clamped to fit inside shutdownTimeoutMs). */
  drainSpreadMs: number;
  /** Unsent output one connection may hold (engine write buffer plus socket buffer); past it, its transport is closed. */
  sendBufferMaxBytes: number;
  /** Plain WebSocket (`/ws`): how often the server pings; a client that missed the previous ping is dropped. */
  wsPingIntervalMs: number;
  /** How long a queue worker holds a job before other nodes treat it as stalled (its node died) and run it again. */
  queueLockMs: number;
  webhooks: WebhookConfig;
  /** Keys accepted in `X-API-Key` by the server API, each with its scopes; empty: only service or admin tokens are. */
  serverApiKeys: ServerApiKey[];
  push: PushConfig;
  attachments: AttachmentConfig;
  /** How long search index writes gather before one script per room writes them; 0: the next turn of the event loop. */
  searchIndexFlushMs: number;
  /** `message:search` calls per second per user, across nodes; 0: unlimited. */
  searchRateLimit: number;
  logLevel: LogLevel;
  /** How far a log line's connection, user and request ids reach: `sync` or `async` (logging/log-context.ts). */
  logContext: 'sync' | 'async';
  /** Undefined: the Socket.IO admin UI is off. */
  adminUi?: AdminUiConfig;
  retention: RetentionConfig;
}

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface AdminUiConfig {
  username: string;
  /** bcrypt hash, checked by the admin UI itself. */
  passwordHash: string;
  /** Origins allowed to open the `/admin` namespace from a browser (the hosted UI); none by default. */
  corsOrigins: string[];
}

export interface WebhookConfig {
  /** Empty when webhooks are off (no URLs or no secret): publishing is then a no-op. */
  urls: string[];
  secret?: string;
  /** Undefined: every event type. */
  events?: string[];
  batchSize: number;
  maxAttempts: number;
  retryBaseMs: number;
  timeoutMs: number;
  claimIdleMs: number;
  /** Events the stream keeps while no node turns them into deliveries; the oldest are dropped beyond it. */
  backlogMax: number;
}

export interface PushConfig {
  allowedHosts: string[];
  maxSubscriptionsPerUser: number;
  /** Undefined: Web Push is off (subscriptions are still kept). */
  vapid?: { publicKey: string; privateKey: string; subject: string };
  maxAttempts: number;
  retryBaseMs: number;
  timeoutMs: number;
}

export interface S3StorageConfig {
  endpoint: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Path-style URLs (endpoint/bucket/key): what MinIO, Ceph and most S3-compatible stores expect. */
  forcePathStyle: boolean;
}

export interface AttachmentConfig {
  maxBytes: number;
  /** Bytes a user may declare at `attachment:create` per UTC day, across nodes; 0: no quota. */
  quotaBytes: number;
  /** Exact types (`application/pdf`) or wildcards (`image/*`), lower case. */
  allowedTypes: string[];
  uploadUrlTtlSec: number;
  downloadUrlTtlSec: number;
  /** An attachment never sent in a message is forgotten (and its local file swept) this long after creation. */
  pendingTtlSec: number;
  /** Absolute base of the links the node signs for local storage; relative links without it. */
  publicUrl?: string;
  /** Local storage only: HMAC key of upload and download links; generated beside the files when unset. */
  signingSecret?: string;
  /** S3-compatible storage; local files under `<dataDir>/uploads` when absent. */
  s3?: S3StorageConfig;
}

export const DEFAULT_ATTACHMENT_TYPES = [
  'image/*',
  'application/pdf',
  'text/plain',
  'application/zip',
  'application/msword',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.ms-excel',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.ms-powerpoint',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  'application/vnd.oasis.opendocument.text',
  'application/vnd.oasis.opendocument.spreadsheet',
  'application/vnd.oasis.opendocument.presentation',
];

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`Invalid configuration: ${variable} ${problem}`);
  }
}

type Env = Record<string, string | undefined>;

/**
 * Reads the environment into an AppConfig, or throws a ConfigError naming the first bad variable.
 * `developmentSecret` is only consulted in development when no JWT key is configured; `descriptorLimit` (the
 * process's open-files limit) only when MAX_CONNECTIONS_PER_NODE is not set.
 */
export function loadConfig(
  env: Env,
  developmentSecret?: (dataDir: string) => string,
  descriptorLimit: () => number | undefined = readDescriptorLimit,
): AppConfig {
  const read = new EnvReader(env);
  const nodeEnv = read.oneOf('NODE_ENV', ['development', 'production', 'test'], 'development');
  const dataDir = resolve(read.string('DATA_DIR') ?? '.data');

  const jwt: JwtConfig = {
    secret: read.string('JWT_SECRET'),
    publicKey: read.pem('JWT_PUBLIC_KEY'),
    issuer: read.string('JWT_ISSUER'),
    audience: read.string('JWT_AUDIENCE'),
  };
  if (jwt.secret !== undefined && jwt.secret.length < 32 && nodeEnv === 'production') {
    throw new ConfigError('JWT_SECRET', 'must be at least 32 characters in production');
  }
  if (!jwt.secret && !jwt.publicKey) {
    if (nodeEnv === 'production' || !developmentSecret) {
      throw new ConfigError('JWT_SECRET', 'or JWT_PUBLIC_KEY is required in production');
    }
    jwt.secret = developmentSecret(dataDir);
    jwt.isGeneratedSecret = true;
  }

  const cors = read.list('CORS_ORIGINS');
  for (const origin of cors ?? []) {
    if (origin !== '*' && !/^https?:\/\/[^/\s]+$/.test(origin)) {
      throw new ConfigError('CORS_ORIGINS', `has "${origin}": each entry must be an origin like https://app.example.com, or *`);
    }
  }

  const metricsToken = read.string('METRICS_TOKEN');
  if (metricsToken !== undefined && metricsToken.length < 16) throw new ConfigError('METRICS_TOKEN', 'must be at least 16 characters');

  return {
    env: nodeEnv,
    port: read.int('PORT', 3000, 0, 65535),
    // a development node's open defaults (generated secret, CORS *) must not face a network unless asked to
    host: read.string('HOST') ?? (nodeEnv === 'production' ? '0.0.0.0' : '127.0.0.1'),
    nodeId: read.string('NODE_ID') ?? `${hostname()}-${process.pid}`,
    dataDir,
    redis: readRedisConnection(read, nodeEnv),
    redisCommandTimeoutMs: read.int('REDIS_COMMAND_TIMEOUT_MS', 2000, 50, 60_000),
    redisAdmissionTimeoutMs: read.int('REDIS_ADMISSION_TIMEOUT_MS', 30_000, 50, 300_000),
    socketParser: read.oneOf('SOCKET_PARSER', ['json', 'msgpack'], 'json'),
    redisServerBin: read.string('REDIS_SERVER_BIN') ?? 'redis-server',
    jwt,
    trustProxy: readTrustProxy(read),
    metricsToken,
    isApiDocsEnabled: read.boolean('API_DOCS', true),
    corsOrigins: cors?.includes('*') ? '*' : (cors ?? (nodeEnv === 'production' ? [] : '*')),
    throttle: {
      ws: { limit: read.int('THROTTLE_WS_LIMIT', 300, 0, 1_000_000), ttlMs: read.int('THROTTLE_WS_TTL_MS', 10_000, 100, 86_400_000) },
      http: { limit: read.int('THROTTLE_HTTP_LIMIT', 600, 0, 1_000_000), ttlMs: read.int('THROTTLE_HTTP_TTL_MS', 60_000, 100, 86_400_000) },
    },
    historyMaxPerRoom: read.int('HISTORY_MAX_PER_ROOM', 10_000, 1, 10_000_000),
    catchupMax: read.int('CATCHUP_MAX', 1000, 1, 10_000),
    messageMaxLength: read.int('MESSAGE_MAX_LENGTH', 4000, 1, 1_000_000),
    dedupWindowSec: read.int('DEDUP_WINDOW_SEC', 3600, 1, 86_400),
    roomIdleTtlDays: read.int('ROOM_IDLE_TTL_DAYS', 90, 1, 3650),
    maxConnectionsPerUser: read.int('MAX_CONNECTIONS_PER_USER', 20, 0, 100_000),
    maxConnectionsPerNode:
      read.string('MAX_CONNECTIONS_PER_NODE') === undefined
        ? defaultMaxConnectionsPerNode(descriptorLimit())
        : read.int('MAX_CONNECTIONS_PER_NODE', 0, 0, 10_000_000),
    maxRoomsPerUser: read.int('MAX_ROOMS_PER_USER', 500, 1, 100_000),
    handshakeLimitPerIp: {
      limit: read.int('HANDSHAKE_LIMIT_PER_IP', 3000, 0, 1_000_000),
      ttlMs: read.int('HANDSHAKE_LIMIT_TTL_MS', 60_000, 100, 86_400_000),
    },
    auditMaxEntries: read.int('AUDIT_MAX_ENTRIES', 100_000, 1, 100_000_000),
    presenceTtlSec: read.int('PRESENCE_TTL_SEC', 30, 3, 3600),
    typingTimeoutMs: read.int('TYPING_TIMEOUT_MS', 5000, 500, 60_000),
    shutdownTimeoutMs: read.int('SHUTDOWN_TIMEOUT_MS', 8000, 100, 60_000),
    drainSpreadMs: read.int('DRAIN_SPREAD_MS', 5000, 0, 60_000),
    sendBufferMaxBytes: readSendBufferMax(read),
    wsPingIntervalMs: read.int('WS_PING_INTERVAL_MS', 25_000, 100, 600_000),
    queueLockMs: read.int('QUEUE_LOCK_MS', 30_000, 1000, 600_000),
    webhooks: readWebhooks(read, nodeEnv),
    serverApiKeys: readServerApiKeys(read),
    push: readPush(read),
    attachments: readAttachmentConfig(read),
    searchIndexFlushMs: read.int('SEARCH_INDEX_FLUSH_MS', 0, 0, 1000),
    searchRateLimit: read.int('SEARCH_RATE_LIMIT', 2, 0, 1000),
    logLevel: read.oneOf('LOG_LEVEL', LOG_LEVELS, 'info'),
    logContext: read.oneOf('LOG_CONTEXT', ['sync', 'async'], 'sync'),
    adminUi: readAdminUi(read),
    retention: {
      sweepMs: read.int('RETENTION_SWEEP_MS', 60_000, 100, 86_400_000),
      sweepBatch: read.int('RETENTION_SWEEP_BATCH', 1000, 1, 100_000),
      defaultSeconds: read.string('RETENTION_DEFAULT_SECONDS') === undefined ? undefined : read.int('RETENTION_DEFAULT_SECONDS', 0, 1, RETENTION_MAX_SECONDS),
    },
  };
}

/**
 * A bound near the size of one message would close connections that read normally whenever two large messages
 * meet in their buffer: it must hold at least two of the largest (4 bytes a character).
 */
function readSendBufferMax(read: EnvReader): number {
  const bytes = read.int('SEND_BUFFER_MAX_BYTES', 4 * 1024 * 1024, 64 * 1024, 1024 * 1024 * 1024);
  const twoLargestMessages = 2 * 4 * read.int('MESSAGE_MAX_LENGTH', 4000, 1, 1_000_000);
  if (bytes < twoLargestMessages)
    throw new ConfigError(
      'SEND_BUFFER_MAX_BYTES',
      `must be at least ${twoLargestMessages} (two messages of MESSAGE_MAX_LENGTH characters, 4 bytes each), got ${bytes}`,
    );
  return bytes;
}

/** Off unless ADMIN_UI=true, and then only with credentials: the UI can disconnect any client. */
function readAdminUi(read: EnvReader): AdminUiConfig | undefined {
  if (read.oneOf('ADMIN_UI', ['true', 'false'], 'false') === 'false') return undefined;
  const username = read.string('ADMIN_UI_USERNAME');
  if (!username) throw new ConfigError('ADMIN_UI_USERNAME', 'is required when ADMIN_UI=true');
  const passwordHash = read.string('ADMIN_UI_PASSWORD_HASH');
  if (!passwordHash) throw new ConfigError('ADMIN_UI_PASSWORD_HASH', 'is required when ADMIN_UI=true');
  if (!/^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/.test(passwordHash)) throw new ConfigError('ADMIN_UI_PASSWORD_HASH', 'must be a bcrypt hash ($2b$12$...)');
  const corsOrigins = read.list('ADMIN_UI_CORS_ORIGINS') ?? [];
  for (const origin of corsOrigins) {
    if (!/^https?:\/\/[^/\s]+$/.test(origin))
      throw new ConfigError('ADMIN_UI_CORS_ORIGINS', `has "${origin}": each entry must be an origin like https://admin.socket.io`);
  }
  return { username, passwordHash, corsOrigins };
}

export const WEBHOOK_EVENT_TYPES = [
  'message.created',
  'message.edited',
  'message.deleted',
  'member.joined',
  'member.left',
  'room.occupied',
  'room.vacated',
  'moderation.action',
  'notification.offline',
] as const;

export const DEFAULT_PUSH_ALLOWED_HOSTS = ['fcm.googleapis.com', 'updates.push.services.mozilla.com', '*.notify.windows.com', 'web.push.apple.com'];

/** Long enough that guessing one is hopeless; their first 6 characters name the caller in the audit trail. */
export const SERVER_API_KEY_MIN_LENGTH = 32;
/** The characters of a key that name it in the audit trail and its rate limit (`apikey:<prefix>`). */
export const SERVER_API_KEY_PREFIX_LENGTH = 6;

/** What a server API key may do: `publish` is both message routes. A key without a list has every scope. */
export const SERVER_API_SCOPES = ['publish', 'notify', 'presence', 'disconnect'] as const;
export type ServerApiScope = (typeof SERVER_API_SCOPES)[number];

export interface ServerApiKey {
  key: string;
  scopes: ServerApiScope[];
}

/**
 * `<key>` (every scope) or `<scope>+<scope>@<key>`. A key's first characters are its name (audit actor, rate
 * limit), so two keys may not share them. Messages name an entry by its position, never by the key.
 */
function readServerApiKeys(read: EnvReader): ServerApiKey[] {
  const keys = (read.list('SERVER_API_KEYS') ?? []).map((entry, index) => parseServerApiKey(entry, index + 1));
  keys.forEach(({ key }, index) => {
    const first = keys.findIndex((other) => other.key.slice(0, SERVER_API_KEY_PREFIX_LENGTH) === key.slice(0, SERVER_API_KEY_PREFIX_LENGTH));
    if (first < index) {
      throw new ConfigError(
        'SERVER_API_KEYS',
        `entries ${first + 1} and ${index + 1} begin with the same ${SERVER_API_KEY_PREFIX_LENGTH} characters; they name a key in the audit trail and its rate limit, so each key needs its own`,
      );
    }
  });
  return keys;
}

function parseServerApiKey(entry: string, position: number): ServerApiKey {
  const at = entry.indexOf('@');
  const key = at < 0 ? entry : entry.slice(at + 1);
  const scopes = at < 0 ? [...SERVER_API_SCOPES] : entry.slice(0, at).split('+');
  const unknown = scopes.find((scope) => !(SERVER_API_SCOPES as readonly string[]).includes(scope));
  if (unknown !== undefined) {
    // what stands before an @ might be part of a key: shown only when it reads as a scope name
    const named = /^[a-z]{0,16}$/.test(unknown) ? `the scope "${unknown}"` : 'an unknown scope';
    throw new ConfigError('SERVER_API_KEYS', `entry ${position} names ${named}; scopes are ${SERVER_API_SCOPES.join(', ')}, joined with + before @<key>`);
  }
  if (key.length < SERVER_API_KEY_MIN_LENGTH)
    throw new ConfigError('SERVER_API_KEYS', `entry ${position} has a key of ${key.length} characters; each key needs at least ${SERVER_API_KEY_MIN_LENGTH}`);
  return { key, scopes: [...new Set(scopes as ServerApiScope[])] };
}

/** As for server API keys: a receiver's trust in every event rests on it. */
export const WEBHOOK_SECRET_MIN_LENGTH = 32;

function readWebhooks(read: EnvReader, nodeEnv: Environment): WebhookConfig {
  const urls = read.list('WEBHOOK_URLS') ?? [];
  for (const url of urls) {
    if (!/^https?:\/\/[^\s]+$/.test(url) || !URL.canParse(url)) throw new ConfigError('WEBHOOK_URLS', `has "${url}": each entry must be an http(s) URL`);
  }
  // events carry DM content; over plain http anyone on the path reads them (and the signature does not hide them)
  const isHttpAllowed = read.boolean('WEBHOOK_ALLOW_HTTP', false);
  const plain = urls.find((url) => url.startsWith('http://'));
  if (plain && nodeEnv === 'production' && !isHttpAllowed) {
    throw new ConfigError('WEBHOOK_URLS', `has "${new URL(plain).origin}": plain http is refused in production; use https, or set WEBHOOK_ALLOW_HTTP=true`);
  }
  const secret = read.string('WEBHOOK_SECRET');
  if (urls.length > 0 && !secret) throw new ConfigError('WEBHOOK_SECRET', 'is required when WEBHOOK_URLS is set (requests are signed with it)');
  if (secret !== undefined && secret.length < WEBHOOK_SECRET_MIN_LENGTH) {
    throw new ConfigError('WEBHOOK_SECRET', `has ${secret.length} characters; it needs at least ${WEBHOOK_SECRET_MIN_LENGTH}`);
  }
  const events = read.list('WEBHOOK_EVENTS');
  for (const type of events ?? []) {
    if (!(WEBHOOK_EVENT_TYPES as readonly string[]).includes(type)) {
      throw new ConfigError('WEBHOOK_EVENTS', `has "${type}": each entry must be one of ${WEBHOOK_EVENT_TYPES.join(', ')}`);
    }
  }
  return {
    urls,
    secret,
    events,
    batchSize: read.int('WEBHOOK_BATCH_SIZE', 100, 1, 1000),
    maxAttempts: read.int('WEBHOOK_MAX_ATTEMPTS', 10, 1, 100),
    retryBaseMs: read.int('WEBHOOK_RETRY_BASE_MS', 1000, 10, 3_600_000),
    timeoutMs: read.int('WEBHOOK_TIMEOUT_MS', 10_000, 100, 120_000),
    claimIdleMs: read.int('WEBHOOK_CLAIM_IDLE_MS', 30_000, 500, 3_600_000),
    backlogMax: read.int('WEBHOOK_BACKLOG_MAX', 1_000_000, 1000, 100_000_000),
  };
}

function readPush(read: EnvReader): PushConfig {
  const allowedHosts = read.list('PUSH_ALLOWED_HOSTS') ?? DEFAULT_PUSH_ALLOWED_HOSTS;
  for (const host of allowedHosts) {
    if (!/^(\*\.)?[a-z0-9.-]+(:\d{1,5})?$/i.test(host)) {
      throw new ConfigError('PUSH_ALLOWED_HOSTS', `has "${host}": each entry must be a host name (optionally *.-prefixed) with an optional :port`);
    }
  }
  const vapidNames = ['VAPID_PUBLIC_KEY', 'VAPID_PRIVATE_KEY', 'VAPID_SUBJECT'] as const;
  const [publicKey, privateKey, subject] = vapidNames.map((name) => read.string(name));
  const given = [publicKey, privateKey, subject].filter(Boolean).length;
  if (given !== 0 && given !== 3) {
    throw new ConfigError(vapidNames[[publicKey, privateKey, subject].findIndex((value) => !value)], 'is required: set all three VAPID variables or none');
  }
  if (publicKey && !/^[A-Za-z0-9_-]{87}$/.test(publicKey))
    throw new ConfigError('VAPID_PUBLIC_KEY', 'must be a base64url P-256 public key (npm run vapid-keys)');
  if (privateKey && !/^[A-Za-z0-9_-]{43}$/.test(privateKey))
    throw new ConfigError('VAPID_PRIVATE_KEY', 'must be a base64url P-256 private key (npm run vapid-keys)');
  if (subject && !/^(mailto:|https:\/\/)\S+$/.test(subject)) throw new ConfigError('VAPID_SUBJECT', 'must be a mailto: or https: URL');
  return {
    allowedHosts,
    maxSubscriptionsPerUser: read.int('PUSH_MAX_SUBSCRIPTIONS_PER_USER', 10, 1, 1000),
    vapid: publicKey && privateKey && subject ? { publicKey, privateKey, subject } : undefined,
    maxAttempts: read.int('PUSH_MAX_ATTEMPTS', 5, 1, 100),
    retryBaseMs: read.int('PUSH_RETRY_BASE_MS', 2000, 10, 3_600_000),
    timeoutMs: read.int('PUSH_TIMEOUT_MS', 10_000, 100, 120_000),
  };
}

const MEDIA_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]*\/([a-z0-9][a-z0-9!#$&^_.+-]*|\*)$/;
const S3_VARIABLES = ['S3_ENDPOINT', 'S3_BUCKET', 'S3_REGION', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY'] as const;

function readAttachmentConfig(read: EnvReader): AttachmentConfig {
  const allowedTypes = (read.list('ATTACHMENT_TYPES') ?? DEFAULT_ATTACHMENT_TYPES).map((type) => type.toLowerCase());
  for (const type of allowedTypes) {
    if (!MEDIA_TYPE.test(type)) throw new ConfigError('ATTACHMENT_TYPES', `has "${type}": each entry must be a media type like image/png or image/*`);
  }
  const publicUrl = read.string('PUBLIC_URL')?.replace(/\/+$/, '');
  if (publicUrl !== undefined && !/^https?:\/\/[^\s]+$/.test(publicUrl)) throw new ConfigError('PUBLIC_URL', 'must be an http(s) URL');
  const signingSecret = read.string('ATTACHMENT_SIGNING_SECRET');
  if (signingSecret !== undefined && signingSecret.length < 32) throw new ConfigError('ATTACHMENT_SIGNING_SECRET', 'must be at least 32 characters');
  return {
    maxBytes: read.int('ATTACHMENT_MAX_BYTES', 25 * 1024 * 1024, 1, 5 * 1024 ** 3),
    quotaBytes: read.int('ATTACHMENT_QUOTA_BYTES', 1024 ** 3, 0, 1024 ** 5),
    allowedTypes,
    uploadUrlTtlSec: read.int('ATTACHMENT_UPLOAD_URL_TTL_SEC', 900, 10, 7 * 86_400),
    downloadUrlTtlSec: read.int('ATTACHMENT_DOWNLOAD_URL_TTL_SEC', 3600, 10, 7 * 86_400),
    pendingTtlSec: read.int('ATTACHMENT_PENDING_TTL_SEC', 86_400, 60, 30 * 86_400),
    publicUrl,
    signingSecret,
    s3: readS3Config(read),
  };
}

/** All five S3 variables or none: a half-configured bucket must not fall back to local files silently. */
function readS3Config(read: EnvReader): S3StorageConfig | undefined {
  const values = S3_VARIABLES.map((name) => read.string(name));
  if (values.every((value) => value === undefined)) return undefined;
  const missing = S3_VARIABLES.find((_, index) => values[index] === undefined);
  if (missing) throw new ConfigError(missing, `is required when any of ${S3_VARIABLES.join(', ')} is set`);
  const [endpoint, bucket, region, accessKeyId, secretAccessKey] = values as string[];
  if (!/^https?:\/\/[^\s]+$/.test(endpoint)) throw new ConfigError('S3_ENDPOINT', 'must be an http(s) URL');
  const forcePathStyle = read.oneOf('S3_FORCE_PATH_STYLE', ['true', 'false'], 'true') === 'true';
  return { endpoint, bucket, region, accessKeyId, secretAccessKey, forcePathStyle };
}

/**
 * Default: loopback only (a proxy on the same host). Trusting whole private networks would let any client on them
 * choose, through X-Forwarded-For, the address its limits are counted against; a real proxy is named explicitly.
 */
function readTrustProxy(read: EnvReader): TrustProxy {
  const raw = read.string('TRUST_PROXY') ?? 'loopback';
  if (raw === 'true' || raw === 'false') return raw === 'true';
  if (/^\d+$/.test(raw)) return Number(raw);
  const entries = raw
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  try {
    compileTrust(entries);
  } catch (error) {
    throw new ConfigError('TRUST_PROXY', `must be true, false, a hop count or addresses/subnets: ${(error as Error).message}`);
  }
  return entries;
}

function readRedisConnection(read: EnvReader, nodeEnv: Environment): RedisConnection {
  const url = read.string('REDIS_URL');
  const clusterNodes = read.hostPorts('REDIS_CLUSTER_NODES');
  const sentinels = read.hostPorts('REDIS_SENTINELS');
  const isEmbeddedAllowedInProduction = read.boolean('REDIS_EMBEDDED', false);
  const chosen = [url && 'REDIS_URL', clusterNodes && 'REDIS_CLUSTER_NODES', sentinels && 'REDIS_SENTINELS'].filter(Boolean);
  if (chosen.length > 1) {
    throw new ConfigError(chosen[1] as string, `cannot be combined with ${chosen[0]}: set only one Redis connection`);
  }
  if (url && !/^rediss?:\/\/[^\s]+$/.test(url)) throw new ConfigError('REDIS_URL', 'must start with redis:// or rediss://');
  const isTlsFlagged = read.boolean('REDIS_TLS', false);
  if (url && isTlsFlagged) throw new ConfigError('REDIS_TLS', 'is for REDIS_CLUSTER_NODES and REDIS_SENTINELS; with REDIS_URL, write rediss://');
  const tlsFiles = readRedisTlsFiles(read);
  const isTls = url ? url.startsWith('rediss://') : isTlsFlagged;
  if (tlsFiles && !isTls) {
    // a CA that is given but unused would leave the connection in clear text while looking protected
    const connection = url
      ? 'REDIS_URL must start with rediss://'
      : chosen.length > 0
        ? 'set REDIS_TLS=true'
        : 'set REDIS_URL (rediss://), REDIS_CLUSTER_NODES or REDIS_SENTINELS';
    throw new ConfigError(tlsFiles.variable, `is set but the Redis connection does not use TLS: ${connection}`);
  }
  const tls = isTls ? (tlsFiles?.tls ?? {}) : undefined;
  const credentials = readRedisCredentials(read, url);
  if (url) return { mode: 'standalone', url, tls, ...credentials };
  if (clusterNodes) return { mode: 'cluster', nodes: clusterNodes, tls, ...credentials };
  if (sentinels) return { mode: 'sentinel', sentinels, masterName: read.string('REDIS_SENTINEL_NAME') ?? 'mymaster', tls, ...credentials };
  if (credentials.username || credentials.password) {
    throw new ConfigError(
      credentials.username ? 'REDIS_USERNAME' : 'REDIS_PASSWORD',
      'needs REDIS_URL, REDIS_CLUSTER_NODES or REDIS_SENTINELS (the embedded redis-server has its own password)',
    );
  }
  // a private redis-server per node splits a production cluster into islands that never see each other's messages
  if (nodeEnv === 'production' && !isEmbeddedAllowedInProduction) {
    throw new ConfigError(
      'REDIS_URL',
      'or REDIS_CLUSTER_NODES or REDIS_SENTINELS is required in production; set REDIS_EMBEDDED=true to run a private redis-server on this node instead',
    );
  }
  return { mode: 'embedded' };
}

/** Credentials in REDIS_URL, or beside it (a secret store rarely holds a whole URL); never both. */
function readRedisCredentials(read: EnvReader, url: string | undefined): RedisCredentials {
  const username = read.string('REDIS_USERNAME');
  const password = read.string('REDIS_PASSWORD');
  if (url && (username || password) && /^rediss?:\/\/[^/@]*@/.test(url)) {
    throw new ConfigError(password ? 'REDIS_PASSWORD' : 'REDIS_USERNAME', 'cannot be combined with credentials in REDIS_URL: give them in one place');
  }
  if (username && !password) throw new ConfigError('REDIS_PASSWORD', 'is required when REDIS_USERNAME is set');
  return { username, password };
}

/** The PEM files, each parsed now so that a wrong path or a key that does not fit its certificate stops start-up. */
function readRedisTlsFiles(read: EnvReader): { tls: RedisTls; variable: string } | undefined {
  const [caFile, certFile, keyFile] = (['REDIS_TLS_CA_FILE', 'REDIS_TLS_CERT_FILE', 'REDIS_TLS_KEY_FILE'] as const).map((name) => read.string(name));
  if (!caFile && !certFile && !keyFile) return undefined;
  if (Boolean(certFile) !== Boolean(keyFile)) {
    throw new ConfigError(certFile ? 'REDIS_TLS_KEY_FILE' : 'REDIS_TLS_CERT_FILE', 'is required with the other: a client certificate needs its private key');
  }
  const tls: RedisTls = {};
  if (caFile) {
    tls.ca = readPemFile('REDIS_TLS_CA_FILE', caFile);
    certificateOf('REDIS_TLS_CA_FILE', tls.ca);
  }
  if (certFile && keyFile) {
    tls.cert = readPemFile('REDIS_TLS_CERT_FILE', certFile);
    tls.key = readPemFile('REDIS_TLS_KEY_FILE', keyFile);
    const certificate = certificateOf('REDIS_TLS_CERT_FILE', tls.cert);
    let isPair: boolean;
    try {
      isPair = certificate.checkPrivateKey(createPrivateKey(tls.key));
    } catch (error) {
      throw new ConfigError('REDIS_TLS_KEY_FILE', `must hold an unencrypted PEM private key: ${(error as Error).message}`);
    }
    if (!isPair) throw new ConfigError('REDIS_TLS_KEY_FILE', 'does not hold the private key of the certificate in REDIS_TLS_CERT_FILE');
  }
  return { tls, variable: caFile ? 'REDIS_TLS_CA_FILE' : 'REDIS_TLS_CERT_FILE' };
}

function readPemFile(name: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(name, `cannot be read (${path}): ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

function certificateOf(name: string, pem: string): X509Certificate {
  try {
    if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new Error('no -----BEGIN CERTIFICATE----- block');
    return new X509Certificate(pem);
  } catch (error) {
    throw new ConfigError(name, `must hold PEM certificates: ${(error as Error).message}`);
  }
}

class EnvReader {
  constructor(private readonly env: Env) {}

  string(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value === '' ? undefined : value;
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    if (!/^\d+$/.test(raw)) throw new ConfigError(name, `must be a whole number, got "${raw}"`);
    const value = Number(raw);
    if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
    return value;
  }

  boolean(name: string, fallback: boolean): boolean {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    if (raw !== 'true' && raw !== 'false') throw new ConfigError(name, `must be true or false, got "${raw}"`);
    return raw === 'true';
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    if (!allowed.includes(raw as T)) throw new ConfigError(name, `must be one of ${allowed.join(', ')}, got "${raw}"`);
    return raw as T;
  }

  list(name: string): string[] | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    return raw
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean);
  }

  hostPorts(name: string): { host: string; port: number }[] | undefined {
    const items = this.list(name);
    if (!items) return undefined;
    if (items.length === 0) throw new ConfigError(name, 'must list at least one host:port');
    return items.map((item) => {
      const match = /^(.+):(\d{1,5})$/.exec(item);
      if (!match || Number(match[2]) > 65535) throw new ConfigError(name, `has "${item}", expected host:port`);
      return { host: match[1], port: Number(match[2]) };
    });
  }

  /** PEM keys are often passed on one line with literal \n sequences. */
  pem(name: string): string | undefined {
    const raw = this.string(name)?.replace(/\\n/g, '\n');
    if (raw !== undefined && !/-----BEGIN [A-Z ]*PUBLIC KEY-----/.test(raw)) {
      throw new ConfigError(name, 'must be a PEM public key (-----BEGIN PUBLIC KEY-----)');
    }
    return raw;
  }
}
