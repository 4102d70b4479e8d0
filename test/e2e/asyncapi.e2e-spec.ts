import { Parser } from '@asyncapi/parser';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ClientEvent, ServerEvent } from '../../src/common/contract';
import { http } from '../support/http';
import { useCluster } from '../support/scenario';

/** The DTO (module under dist/, class name) each handler of this build validates its payload with. */
const PAYLOAD_DTOS: Record<string, [string, string]> = {
  [ClientEvent.RoomJoin]: ['chat/dto/join-room.dto', 'JoinRoomDto'],
  [ClientEvent.RoomLeave]: ['rooms/dto/room.dto', 'RoomDto'],
  [ClientEvent.MessageSend]: ['chat/dto/send-message.dto', 'SendMessageDto'],
  [ClientEvent.MessageEdit]: ['rooms/dto/message-ref.dto', 'EditMessageDto'],
  [ClientEvent.MessageDelete]: ['rooms/dto/message-ref.dto', 'MessageRefDto'],
  [ClientEvent.MessageHistory]: ['chat/dto/history.dto', 'HistoryQueryDto'],
  [ClientEvent.DmSend]: ['chat/dto/direct-message.dto', 'DirectMessageDto'],
  [ClientEvent.Typing]: ['typing/dto/typing.dto', 'TypingDto'],
  [ClientEvent.ReactionAdd]: ['reactions/dto/reaction.dto', 'ReactionDto'],
  [ClientEvent.ReactionRemove]: ['reactions/dto/reaction.dto', 'ReactionDto'],
  [ClientEvent.ReceiptRead]: ['rooms/dto/message-ref.dto', 'MessageRefDto'],
  [ClientEvent.PresenceList]: ['rooms/dto/room.dto', 'RoomDto'],
  [ClientEvent.AuthRefresh]: ['auth/dto/refresh-token.dto', 'RefreshTokenDto'],
};

/**
 * Every property class-validator has a rule for, per DTO, read from the built classes by a plain node process
 * (the DTOs import Nest's ES modules, which this jest process cannot load).
 */
function validatedProperties(): Record<string, string[]> {
  const script = `
    const { getMetadataStorage } = require('class-validator');
    const dtos = JSON.parse(process.argv[1]);
    const result = {};
    for (const [event, [file, name]] of Object.entries(dtos)) {
      const dto = require(require('node:path').join(process.argv[2], file))[name];
      result[event] = [...new Set(getMetadataStorage().getTargetValidationMetadatas(dto, '', true, false).map((rule) => rule.propertyName))].sort();
    }
    process.stdout.write(JSON.stringify(result));`;
  const output = execFileSync(process.execPath, ['-e', script, JSON.stringify(PAYLOAD_DTOS), join(__dirname, '..', '..', 'dist')], { encoding: 'utf8' });
  return JSON.parse(output);
}

interface AsyncApiMessage {
  name: string;
  payload: { properties?: Record<string, unknown>; required?: string[]; 'x-dto'?: string };
}

describe('GET /docs/asyncapi.json', () => {
  const cluster = useCluster(1);
  let document: { asyncapi: string; channels: { chat: { messages: Record<string, AsyncApiMessage> }; ws: { messages: Record<string, AsyncApiMessage> } } };

  beforeAll(async () => {
    const response = await http(cluster.nodes[0].url, 'GET', '/docs/asyncapi.json');
    expect(response.status).toBe(200);
    document = response.body;
  });

  it('is a valid AsyncAPI 3 document for @asyncapi/parser', async () => {
    expect(document.asyncapi).toMatch(/^3\./);
    const { document: parsed, diagnostics } = await new Parser().parse(JSON.stringify(document));
    const errors = diagnostics.filter((diagnostic) => diagnostic.severity === 0).map((diagnostic) => `${diagnostic.path.join('.')}: ${diagnostic.message}`);
    expect(errors).toEqual([]);
    expect(parsed).toBeDefined();
    expect(
      parsed!
        .channels()
        .all()
        .map((channel) => channel.address()),
    ).toEqual(['/chat', '/ws']);
  });

  it('names every client event (with its ack) and every server event of the contract', () => {
    const names = (direction: string) =>
      Object.entries(document.channels.chat.messages)
        .filter(([key]) => key.startsWith(direction))
        .map(([, message]) => message.name);
    expect(
      names('client.')
        .filter((name) => !name.endsWith(' ack'))
        .sort(),
    ).toEqual(Object.values(ClientEvent).sort());
    expect(
      names('client.')
        .filter((name) => name.endsWith(' ack'))
        .sort(),
    ).toEqual(
      Object.values(ClientEvent)
        .map((event) => `${event} ack`)
        .sort(),
    );
    expect(names('server.').sort()).toEqual(Object.values(ServerEvent).sort());
  });

  it("describes each payload with a handler from that handler's DTO, every validated property included", () => {
    // typing and call:signal go both ways: client events are the client.* messages
    const clientMessage = (event: string) => document.channels.chat.messages[`client.${event.replace(/:/g, '.')}`];
    const properties = validatedProperties();
    for (const [event, [, dtoName]] of Object.entries(PAYLOAD_DTOS)) {
      const payload = clientMessage(event).payload;
      expect({ event, dto: payload['x-dto'] }).toEqual({ event, dto: dtoName });
      expect(properties[event].length).toBeGreaterThan(0);
      expect({ event, properties: Object.keys(payload.properties ?? {}).sort() }).toEqual({ event, properties: properties[event] });
    }
    expect(clientMessage(ClientEvent.MessageSend).payload.required?.sort()).toEqual(['content', 'room']);
    expect(clientMessage(ClientEvent.MessageHistory).payload.properties?.limit).toEqual({ type: 'integer', minimum: 1, maximum: 100, default: 50 });
  });

  it('describes the plain WebSocket envelope: { id, event, data }, { id, ok, data | error }, { event, data }', () => {
    const { request, response, push } = document.channels.ws.messages;
    expect(request.payload.required).toEqual(['id', 'event', 'data']);
    expect((request.payload.properties!.event as { enum: string[] }).enum.sort()).toEqual(Object.values(ClientEvent).sort());
    expect(JSON.stringify(response.payload)).toContain('"ok":{"const":false}');
    expect(push.payload.required).toEqual(['event', 'data']);
  });
});
