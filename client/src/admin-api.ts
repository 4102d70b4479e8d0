import type { TokenSource } from './chat-client-base';
import type { PresenceEntry, StoredMessage } from './contract';

/** `GET /admin/rooms`: one room of the page. */
export interface AdminRoomSummary {
  room: string;
  /** Users connected in the room across nodes. */
  online: number;
  lastMessageAt: number | null;
}

export interface AdminRoomsPage {
  rooms: AdminRoomSummary[];
  /** Pass it as `cursor` for the next page; absent on the last one. */
  nextCursor?: string;
}

export interface AuditEntry {
  id: string;
  at: number;
  /** The admin's or service's `sub`, or `apikey:<first 6 characters>`. */
  actor: string;
  action: string;
  target: { userId?: string; room?: string; messageId?: string };
  details: Record<string, unknown>;
  hash?: string;
}

export interface AuditPage {
  entries: AuditEntry[];
  /** Pass it as `before` for the next (older) page; absent on the last one. */
  nextBefore?: string;
}

export interface AuditQuery {
  limit?: number;
  actor?: string;
  action?: string;
  before?: string;
}

export interface AuditVerification {
  ok: boolean;
  entries: number;
  brokenAt?: string;
}

export interface HistoryQuery {
  before?: string;
  after?: string;
  limit?: number;
}

/** The admin API's presence lists `name: null` for a user without a display name. */
export type AdminPresenceEntry = Omit<PresenceEntry, 'name'> & { name: string | null };

/** The REST error body: `{ statusCode, error, message, code? }` (`message` one per invalid field for 400). */
export class AdminApiError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly error: string,
    readonly messages: string[],
    /** The contract's error code where one applies (`not_found`, `held`, ...). */
    readonly code?: string,
  ) {
    super(`${method} ${path}: ${status} ${messages.join('; ') || error}`);
    this.name = 'AdminApiError';
  }
}

export interface AdminApiOptions {
  /** A node's URL (any node of the cluster); default: the page's own origin in a browser. */
  baseUrl?: string;
  /** An admin token, or a function asked for the current one at every call. */
  token: TokenSource;
  /** Default: the global `fetch` (browsers, Node 18+). */
  fetch?: typeof fetch;
}

/**
 * Typed calls of the admin REST API (`/admin/...`, a token whose `roles` include `admin`). Every call resolves
 * with the parsed body (nothing for a 204) and rejects with `AdminApiError` for any other status: 401 without a
 * valid token, 403 without the role, 404 for an unknown room or user, 400 for invalid input.
 */
export class AdminApi {
  private readonly baseUrl: string;
  private readonly fetch: typeof fetch;

  constructor(private readonly options: AdminApiOptions) {
    this.baseUrl = (options.baseUrl ?? '').replace(/\/+$/, '');
    this.fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  async rooms(page: { cursor?: string; limit?: number } = {}): Promise<AdminRoomsPage> {
    const { body, headers } = await this.call<AdminRoomSummary[]>('GET', `/admin/rooms${query(page)}`);
    return { rooms: body, ...withNextCursor(headers.get('x-next-cursor')) };
  }

  async presence(room: string): Promise<{ users: AdminPresenceEntry[] }> {
    return (await this.call<{ users: AdminPresenceEntry[] }>('GET', `/admin/rooms/${segment(room)}/presence`)).body;
  }

  async messages(room: string, page: HistoryQuery = {}): Promise<{ messages: StoredMessage[] }> {
    return (await this.call<{ messages: StoredMessage[] }>('GET', `/admin/rooms/${segment(room)}/messages${query(page)}`)).body;
  }

  /** The room hears `message:deleted`. */
  async deleteMessage(room: string, messageId: string): Promise<void> {
    await this.call('DELETE', `/admin/rooms/${segment(room)}/messages/${segment(messageId)}`);
  }

  /** The user's connections leave the room on every node and hear `moderation { action: "kicked" }`. */
  async kick(room: string, userId: string, reason?: string): Promise<void> {
    await this.call('POST', `/admin/rooms/${segment(room)}/kick`, { userId, reason });
  }

  async mute(room: string, userId: string, durationSec: number, reason?: string): Promise<void> {
    await this.call('POST', `/admin/rooms/${segment(room)}/mute`, { userId, durationSec, reason });
  }

  async unmute(room: string, userId: string): Promise<void> {
    await this.call('DELETE', `/admin/rooms/${segment(room)}/mute/${segment(userId)}`);
  }

  /** Every connection of the user closes and new ones are refused, for `durationSec` or until `unban`. */
  async ban(userId: string, options: { durationSec?: number; reason?: string } = {}): Promise<void> {
    await this.call('POST', `/admin/users/${segment(userId)}/ban`, options);
  }

  async unban(userId: string): Promise<void> {
    await this.call('DELETE', `/admin/users/${segment(userId)}/ban`);
  }

  /** Every token of the user issued before now is refused. */
  async revokeTokens(userId: string): Promise<void> {
    await this.call('POST', `/admin/users/${segment(userId)}/revoke-tokens`);
  }

  /** Newest first. */
  async audit(filter: AuditQuery = {}): Promise<AuditPage> {
    return (await this.call<AuditPage>('GET', `/admin/audit${query(filter)}`)).body;
  }

  async verifyAudit(): Promise<AuditVerification> {
    return (await this.call<AuditVerification>('GET', '/admin/audit/verify')).body;
  }

  private async call<T = undefined>(method: string, path: string, body?: object): Promise<{ body: T; headers: Headers }> {
    const token = typeof this.options.token === 'function' ? await this.options.token() : this.options.token;
    const response = await this.fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    const parsed: unknown = text ? parseJson(text) : undefined;
    if (!response.ok) throw errorOf(method, path, response, parsed);
    return { body: parsed as T, headers: response.headers };
  }
}

/** A path segment: room names may hold `:` and user ids other characters a path gives meaning to. */
const segment = (value: string) => encodeURIComponent(value);

function query(parameters: object): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(parameters)) if (value !== undefined) search.set(name, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}

const withNextCursor = (cursor: string | null) => (cursor === null ? {} : { nextCursor: cursor });

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function errorOf(method: string, path: string, response: Response, body: unknown): AdminApiError {
  const { error, message, code } = (typeof body === 'object' && body !== null ? body : {}) as { error?: unknown; message?: unknown; code?: unknown };
  const messages = Array.isArray(message) ? message.map(String) : typeof message === 'string' ? [message] : typeof body === 'string' ? [body] : [];
  return new AdminApiError(
    method,
    path,
    response.status,
    typeof error === 'string' ? error : response.statusText,
    messages,
    typeof code === 'string' ? code : undefined,
  );
}
