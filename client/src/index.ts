export { ChatClient } from './chat-client';
export type { ChatClientOptions } from './chat-client';
export { WsChatClient, plainWebSocketUrl, PLAIN_WEBSOCKET_PATH } from './ws-chat-client';
export type { WebSocketConstructor, WebSocketLike, WsChatClientOptions } from './ws-chat-client';
export type { ChatClientBase, ChatClientBaseOptions, ChatClientEventMap, ChatClientEventName, ClientStateEventMap, TokenSource } from './chat-client-base';
export { ClientClosedError, ContractError, isRetryable, RequestTimeoutError } from './errors';
export { isAfter, newClientMsgId } from './message-ids';
export { CHAT_NAMESPACE, ClientEvent, ROOM_NAME_PATTERN, ServerEvent } from './contract';
export type * from './contract';
export { AdminApi, AdminApiError } from './admin-api';
export type {
  AdminApiOptions,
  AdminPresenceEntry,
  AdminRoomsPage,
  AdminRoomSummary,
  AuditEntry,
  AuditPage,
  AuditQuery,
  AuditVerification,
  HistoryQuery,
} from './admin-api';
