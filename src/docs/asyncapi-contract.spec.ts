import { AttachmentGateway } from '../attachments/attachment.gateway';
import { SessionGateway } from '../auth/session.gateway';
import { CallGateway } from '../calls/call.gateway';
import { ChatGateway } from '../chat/chat.gateway';
import { MessageQueryGateway } from '../chat/message-query.gateway';
import { ClientEvent, ServerEvent } from '../common/contract';
import { OfflineGateway } from '../offline/offline.gateway';
import { PresenceGateway } from '../presence/presence.gateway';
import { ReactionGateway } from '../reactions/reaction.gateway';
import { CLIENT_EVENT_HANDLER, type ClientEventRoute } from '../realtime/on-client-event.decorator';
import { ReceiptGateway } from '../receipts/receipt.gateway';
import { TypingGateway } from '../typing/typing.gateway';
import { buildAsyncApiDocument } from './asyncapi-document';
import type { JsonSchema } from './asyncapi-dto-schema';

/*
 * The public contract's event tables, field by field, kept here so that the generated document is checked
 * against them on any clone. `?` marks an optional field; `name:Shape` / `name:Shape[]` a field holding a shape
 * below; `=Shape` a payload that is the shape itself. Payloads may carry more fields than listed, never fewer.
 */
const SHAPES: Record<string, string> = {
  Message: 'id room userId name? content createdAt clientMsgId? replyTo? editedAt? reactions? mentions? attachments?:Attachment[] replyCount? lastReplyAt?',
  Attachment: 'id filename contentType size url',
  PresenceEntry: 'userId name connections',
  InboxRoom: 'room unreadCount lastMessage:Message lastReadId',
};

/** client → server: [payload, ack data] */
const CLIENT_EVENTS_OF_CONTRACT: Record<string, [string, string]> = {
  'room:join': ['room since?', 'room messages:Message[] presence:PresenceEntry[] complete?'],
  'room:leave': ['room', 'room'],
  'message:send': ['room content clientMsgId? replyTo? attachments?', '=Message'],
  'message:edit': ['room messageId content', '=Message'],
  'message:delete': ['room messageId', 'room messageId'],
  'message:history': ['room before? after? limit?', 'messages:Message[]'],
  typing: ['room isTyping', ''],
  'reaction:add': ['room messageId emoji', 'messageId reactions'],
  'reaction:remove': ['room messageId emoji', 'messageId reactions'],
  'receipt:read': ['room messageId', ''],
  'dm:send': ['to content clientMsgId?', '=Message'],
  'presence:list': ['room', 'users:PresenceEntry[]'],
  'auth:refresh': ['token', 'exp'],
  'inbox:list': ['', 'rooms:InboxRoom[]'],
  'push:subscribe': ['subscription', ''],
  'push:unsubscribe': ['endpoint', ''],
  'message:replies': ['room messageId after? limit?', 'messages:Message[]'],
  'message:search': ['query room? limit?', 'messages:Message[]'],
  'attachment:create': ['room filename contentType size', 'attachmentId uploadUrl method headers expiresAt'],
  'call:signal': ['to callId type data', 'delivered'],
};

const SERVER_EVENTS_OF_CONTRACT: Record<string, string> = {
  message: '=Message',
  'message:edited': '=Message',
  'message:deleted': 'room messageId by',
  typing: 'room userId isTyping',
  presence: 'room userId name? status',
  reaction: 'room messageId emoji userId action reactions',
  receipt: 'room userId messageId',
  moderation: 'action room? reason? until?',
  session: 'reason',
  notification: 'type data at',
  mention: 'room message:Message',
  'call:signal': 'from callId type data',
};

const GATEWAYS = [
  ChatGateway,
  MessageQueryGateway,
  TypingGateway,
  ReactionGateway,
  ReceiptGateway,
  PresenceGateway,
  SessionGateway,
  OfflineGateway,
  AttachmentGateway,
  CallGateway,
];

/** Each handler's payload DTO, read as the router reads it: the second parameter's declared type. */
function payloadDtos(): Map<string, Function> {
  const dtos = new Map<string, Function>();
  for (const gateway of GATEWAYS) {
    const prototype = gateway.prototype as unknown as Record<string, object>;
    for (const method of Object.getOwnPropertyNames(prototype)) {
      const route: ClientEventRoute | undefined = Reflect.getMetadata(CLIENT_EVENT_HANDLER, prototype[method]);
      if (route) dtos.set(route.event, Reflect.getMetadata('design:paramtypes', prototype, method)[1]);
    }
  }
  return dtos;
}

interface Document {
  channels: { chat: { messages: Record<string, { payload: JsonSchema }> } };
  components: { schemas: Record<string, JsonSchema> };
}

const keyOf = (event: string) => event.replace(/:/g, '.');

/**
 * Where `schema` differs from the listed fields: a field missing, optional where the contract requires it or
 * required where it is optional, or (with `isClosed`, for what clients send) a required field the contract lacks.
 */
function differences(document: Document, schema: JsonSchema, fields: string, at: string, isClosed = false): string[] {
  const object = resolve(document, schema);
  if (fields.startsWith('=')) return differences(document, object, SHAPES[fields.slice(1)], `${at} (${fields.slice(1)})`, isClosed);
  const properties = (object.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((object.required ?? []) as string[]);
  const found: string[] = [];
  const listed = fields
    .split(' ')
    .filter(Boolean)
    .map((field) => /^(\w+)(\?)?(?::(\w+)(\[\])?)?$/.exec(field)!);
  for (const [, name, optional, shape, isArray] of listed) {
    if (!properties[name]) {
      found.push(`${at}: no field ${name}`);
      continue;
    }
    if (required.has(name) === Boolean(optional))
      found.push(`${at}: ${name} is ${optional ? 'required' : 'optional'}, the contract says ${optional ? 'optional' : 'required'}`);
    if (shape) {
      const property = resolve(document, properties[name]);
      found.push(...differences(document, isArray ? (property.items as JsonSchema) : property, SHAPES[shape], `${at}.${name}`, isClosed));
    }
  }
  if (isClosed) {
    const names = new Set(listed.map(([, name]) => name));
    for (const name of required) if (!names.has(name)) found.push(`${at}: requires ${name}, which the contract does not list`);
  }
  return found;
}

/** A schema with its reference followed and a nullable alternative (`oneOf [X, null]`) reduced to X. */
function resolve(document: Document, schema: JsonSchema): JsonSchema {
  if (typeof schema.$ref === 'string') return resolve(document, document.components.schemas[schema.$ref.split('/').pop()!]);
  const alternatives = (schema.oneOf as JsonSchema[] | undefined)?.filter((alternative) => alternative.type !== 'null');
  if (alternatives?.length === 1) return resolve(document, alternatives[0]);
  return schema;
}

describe('the AsyncAPI document, generated from the DTOs', () => {
  const document = buildAsyncApiDocument(payloadDtos(), 'test') as unknown as Document;
  const messages = document.channels.chat.messages;
  const ackData = (event: string) => ((messages[`client.${keyOf(event)}.ack`].payload.oneOf as JsonSchema[])[0].properties as Record<string, JsonSchema>).data;

  it("lists the events of the contract's tables, no more", () => {
    expect(Object.values(ClientEvent).sort()).toEqual(Object.keys(CLIENT_EVENTS_OF_CONTRACT).sort());
    expect(Object.values(ServerEvent).sort()).toEqual(Object.keys(SERVER_EVENTS_OF_CONTRACT).sort());
  });

  it("describes every client event's payload and ack data with the contract's fields and their optionality", () => {
    const found = Object.entries(CLIENT_EVENTS_OF_CONTRACT).flatMap(([event, [payload, ack]]) => [
      ...differences(document, messages[`client.${keyOf(event)}`].payload, payload, `${event} payload`, true),
      ...differences(document, ackData(event), ack, `${event} ack`),
    ]);
    expect(found).toEqual([]);
  });

  it("describes every server event's payload with the contract's fields and their optionality", () => {
    const found = Object.entries(SERVER_EVENTS_OF_CONTRACT).flatMap(([event, payload]) =>
      differences(document, messages[`server.${keyOf(event)}`].payload, payload, event),
    );
    expect(found).toEqual([]);
  });

  it('describes a socket Message and a REST one with one schema, of one class', () => {
    expect(ackData(ClientEvent.MessageSend)).toEqual({ $ref: '#/components/schemas/Message' });
    expect(messages['server.message'].payload).toEqual({ $ref: '#/components/schemas/Message' });
    expect(document.components.schemas.Message.properties).toMatchObject({
      createdAt: { type: 'integer' },
      attachments: { type: 'array', items: { $ref: '#/components/schemas/MessageAttachment' } },
    });
  });

  it('says null where the server sends null, and leaves absent what it leaves out', () => {
    expect(document.components.schemas.PresenceUser.properties).toMatchObject({ name: { type: ['string', 'null'] } });
    const presence = resolve(document, messages['server.presence'].payload);
    expect(presence.properties).toMatchObject({ name: { type: 'string' } });
    expect(presence.required).not.toContain('name');
  });
});
