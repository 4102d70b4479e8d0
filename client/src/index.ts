export { ChatClient } from './chat-client';
export type { ChatClientEventMap, ChatClientEventName, ChatClientOptions, ClientStateEventMap, TokenSource } from './chat-client';
export { ClientClosedError, ContractError, isRetryable, RequestTimeoutError } from './errors';
export { isAfter, newClientMsgId } from './message-ids';
export { ClientEvent, CHAT_NAMESPACE, ROOM_NAME_PATTERN, ServerEvent } from '../../src/common/contract';
export type * from '../../src/common/contract';
