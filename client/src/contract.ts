/**
 * The one module through which both clients, and their users, get the contract: the server's own
 * `src/common/contract.ts`, dependency-free, compiled into this package. Client code imports from here only, and
 * only the names it uses, so that a change of shape in the server's file shows up here as a type error first.
 */
export { CHAT_NAMESPACE, ClientEvent, ROOM_NAME_PATTERN, ServerEvent } from '../../src/common/contract';
export type * from '../../src/common/contract';
