import { CHAT_NAMESPACE, ClientEvent, ClientEventName, ServerEvent } from '../common/contract';
import { CLIENT_EVENTS, ENVELOPE_SCHEMAS, SERVER_EVENTS } from './asyncapi-contract';
import { dtoSchema, JsonSchema, modelSchema } from './asyncapi-dto-schema';

/** AsyncAPI keys allow only `A-Z a-z 0-9 . _ -`; the event's own name stays in the message's `name`. */
const keyOf = (event: string) => event.replace(/:/g, '.');
const channelRef = (channel: string) => ({ $ref: `#/channels/${channel}` });
const messageRef = (channel: string, key: string) => ({ $ref: `#/channels/${channel}/messages/${key}` });

/**
 * The AsyncAPI 3 document of the Socket.IO namespace and the plain WebSocket, generated from DTOs only: each
 * client event's payload from the DTO its handler validates with (`payloadDtos`, found in the running
 * application: class-validator's rules), each ack's data and each server event's payload from the DTO classes of
 * asyncapi-contract.ts (their `@ApiProperty` decorators, as OpenAPI reads them).
 */
export function buildAsyncApiDocument(payloadDtos: ReadonlyMap<string, Function>, version: string): Record<string, unknown> {
  const clientEvents = Object.values(ClientEvent);
  const serverEvents = Object.values(ServerEvent);
  const chatMessages: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  const schemas: Record<string, JsonSchema> = { ...ENVELOPE_SCHEMAS };

  for (const event of clientEvents) {
    const doc = CLIENT_EVENTS[event];
    const dto = payloadDtos.get(event);
    // start-up refuses to run without a handler for each, so this is a bug of the caller
    if (!dto) throw new Error(`no payload DTO for client event ${event}`);
    const key = `client.${keyOf(event)}`;
    chatMessages[key] = { name: event, title: event, summary: doc.summary, payload: { ...dtoSchema(dto, schemas), 'x-dto': dto.name } };
    chatMessages[`${key}.ack`] = {
      name: `${event} ack`,
      summary: `The acknowledgement of ${event}: exactly one of { ok: true, data } or { ok: false, error }`,
      payload: {
        oneOf: [
          { type: 'object', properties: { ok: { const: true }, data: modelSchema(doc.dto, schemas) }, required: ['ok', 'data'] },
          { $ref: '#/components/schemas/AckError' },
        ],
      },
    };
    operations[`receive.${keyOf(event)}`] = {
      action: 'receive',
      channel: channelRef('chat'),
      summary: doc.summary,
      messages: [messageRef('chat', key)],
      reply: { channel: channelRef('chat'), messages: [messageRef('chat', `${key}.ack`)] },
    };
  }
  for (const event of serverEvents) {
    const key = `server.${keyOf(event)}`;
    chatMessages[key] = { name: event, title: event, summary: SERVER_EVENTS[event].summary, payload: modelSchema(SERVER_EVENTS[event].dto, schemas) };
    operations[`send.${keyOf(event)}`] = {
      action: 'send',
      channel: channelRef('chat'),
      summary: SERVER_EVENTS[event].summary,
      messages: [messageRef('chat', key)],
    };
  }

  operations['receive.ws.request'] = {
    action: 'receive',
    channel: channelRef('ws'),
    summary: 'A client event over the plain WebSocket, answered by a response with the same id',
    messages: [messageRef('ws', 'request')],
    reply: { channel: channelRef('ws'), messages: [messageRef('ws', 'response')] },
  };
  operations['send.ws.push'] = {
    action: 'send',
    channel: channelRef('ws'),
    summary: 'A server event over the plain WebSocket',
    messages: [messageRef('ws', 'push')],
  };

  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Chat backend real-time API',
      version,
      description:
        'Socket.IO v4 on the `/chat` namespace (connect with `auth: { token }`; every client event takes an acknowledgement callback) ' +
        'and the same events over a plain WebSocket at `/ws` as JSON frames. A refused Socket.IO handshake gets `connect_error` ' +
        '"unauthorized" with `data.code`; a refused /ws upgrade gets HTTP 401 (403 for a ban) or close code 4001 (4003).',
    },
    defaultContentType: 'application/json',
    servers: {
      socketio: {
        host: 'localhost:3000',
        protocol: 'ws',
        pathname: '/socket.io',
        description:
          'Socket.IO v4 (WebSocket, HTTP long-polling fallback); JSON packets, or msgpack (socket.io-msgpack-parser) on a server started with SOCKET_PARSER=msgpack',
      },
      websocket: { host: 'localhost:3000', protocol: 'ws', pathname: '/ws', description: 'Plain WebSocket; token in `?token=` or `Authorization: Bearer`' },
    },
    channels: {
      chat: { address: CHAT_NAMESPACE, title: 'Socket.IO namespace /chat', servers: [{ $ref: '#/servers/socketio' }], messages: chatMessages },
      ws: {
        address: '/ws',
        title: 'Plain WebSocket',
        servers: [{ $ref: '#/servers/websocket' }],
        messages: {
          request: { name: 'request', summary: 'A client event with its payload, as on Socket.IO', payload: wsRequestSchema(clientEvents) },
          response: { name: 'response', summary: 'The answer to the request with the same id, as the Socket.IO ack', payload: WS_RESPONSE_SCHEMA },
          push: { name: 'push', summary: 'A server event with its payload, as on Socket.IO', payload: wsPushSchema() },
        },
      },
    },
    operations,
    components: { schemas },
  };
}

const WS_ID: JsonSchema = { type: ['string', 'integer'], description: 'chosen by the client; echoed in the response' };

function wsRequestSchema(events: ClientEventName[]): JsonSchema {
  return {
    type: 'object',
    properties: {
      id: WS_ID,
      event: { enum: events },
      data: { description: "the payload of `event`, as in the chat channel's client.* messages" },
    },
    required: ['id', 'event', 'data'],
  };
}

const WS_RESPONSE_SCHEMA: JsonSchema = {
  oneOf: [
    {
      type: 'object',
      properties: { id: WS_ID, ok: { const: true }, data: { description: "the ack data of the request's event" } },
      required: ['id', 'ok', 'data'],
    },
    { type: 'object', properties: { id: WS_ID, ok: { const: false }, error: { $ref: '#/components/schemas/ErrorBody' } }, required: ['id', 'ok', 'error'] },
  ],
};

function wsPushSchema(): JsonSchema {
  return {
    type: 'object',
    properties: { event: { enum: Object.values(ServerEvent) }, data: { description: "the payload of `event`, as in the chat channel's server.* messages" } },
    required: ['event', 'data'],
  };
}
