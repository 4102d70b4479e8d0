import { answerFrame, eventFrame, MAX_ECHOED_EVENT_LENGTH, MAX_FRAME_DEPTH, readClientFrame, unknownEvent } from './frames';
import { connectPacket, eventPacket, splitPacket } from '../library-seams';

/** `{"id":1,"event":"message:send","data":...}` whose frame nests `levels` deep: data holds `levels - 1` objects or arrays. */
function frameNested(levels: number, open = '{"a":', close = '}', leaf = '1'): string {
  return `{"id":1,"event":"message:send","data":${open.repeat(levels - 1)}${leaf}${close.repeat(levels - 1)}}`;
}

describe('plain-WebSocket frames', () => {
  describe('readClientFrame', () => {
    it('reads { id, event, data } with a string or number id', () => {
      expect(readClientFrame('{"id":"a1","event":"room:join","data":{"room":"general"}}')).toEqual({ id: 'a1', event: 'room:join', data: { room: 'general' } });
      expect(readClientFrame('{"id":0,"event":"typing"}')).toEqual({ id: 0, event: 'typing', data: undefined });
    });

    it.each([
      ['not JSON', 'nope', null, 'frame'],
      ['an array', '[1]', null, 'frame'],
      ['null', 'null', null, 'frame'],
      ['no id', '{"event":"typing"}', null, 'id'],
      ['an object id', '{"id":{},"event":"typing"}', null, 'id'],
      ['an empty id', '{"id":"","event":"typing"}', null, 'id'],
      ['no event', '{"id":3}', 3, 'event'],
      ['an empty event', '{"id":"x","event":""}', 'x', 'event'],
    ])('refuses %s with validation_failed naming the field, and the id when it could be read', (_name, text, id, field) => {
      expect(readClientFrame(text)).toEqual({
        id,
        error: expect.objectContaining({ code: 'validation_failed', details: { fields: { [field]: [expect.any(String)] } } }),
      });
    });
  });

  describe('nesting', () => {
    it(`reads a frame nested ${MAX_FRAME_DEPTH} levels deep, objects or arrays`, () => {
      expect(readClientFrame(frameNested(MAX_FRAME_DEPTH))).toMatchObject({ id: 1, event: 'message:send' });
      expect(readClientFrame(frameNested(MAX_FRAME_DEPTH, '[', ']', ''))).toMatchObject({ id: 1, event: 'message:send' });
    });

    it.each([
      ['one level too deep, objects', frameNested(MAX_FRAME_DEPTH + 1)],
      ['one level too deep, arrays', frameNested(MAX_FRAME_DEPTH + 1, '[', ']', '')],
      ['8,000 levels of arrays (16 KB)', frameNested(8000, '[', ']', '')],
      ['100,000 levels of objects', frameNested(100_000)],
      ['deep inside a wide object', `{"id":1,"event":"message:send","data":{"room":"r","content":"c","x":[1,2,${'{"a":'.repeat(50)}1${'}'.repeat(50)}]}}`],
    ])('refuses a frame %s with validation_failed on data, keeping the id, and never throws', (_name, text) => {
      expect(readClientFrame(text)).toEqual({
        id: 1,
        error: expect.objectContaining({ code: 'validation_failed', details: { fields: { data: [expect.any(String)] } } }),
      });
    });
  });

  describe('unknown events', () => {
    it(`echoes at most ${MAX_ECHOED_EVENT_LENGTH} characters of the name`, () => {
      const long = `${'e'.repeat(MAX_ECHOED_EVENT_LENGTH)}${'x'.repeat(50_000)}`;
      const { error } = unknownEvent('r', long);
      expect(error.message).toBe(`no such event: ${'e'.repeat(MAX_ECHOED_EVENT_LENGTH)}…`);
      expect(unknownEvent('r', 'no:such').error.message).toBe('no such event: no:such');
    });
  });

  describe('Socket.IO packets', () => {
    it('builds CONNECT and EVENT packets that split back into their parts', () => {
      expect(connectPacket('/chat', { token: 't"1' })).toBe('0/chat,{"token":"t\\"1"}');
      const packet = eventPacket('/chat', 12, 'message:send', { room: 'r' });
      expect(packet).toBe('2/chat,12["message:send",{"room":"r"}]');
      expect(splitPacket(packet)).toEqual({ type: 2, ackId: 12, json: '["message:send",{"room":"r"}]' });
      expect(eventPacket('/chat', 1, 'inbox:list', undefined)).toBe('2/chat,1["inbox:list"]');
      expect(splitPacket('2["message",{}]')).toEqual({ type: 2, ackId: undefined, json: '["message",{}]' });
    });

    it('turns a server EVENT into { event, data }, the same whether sliced or parsed', () => {
      const payload = { id: '1-0', content: 'a "quoted", [bracketed] text' };
      expect(JSON.parse(eventFrame(JSON.stringify(['message', payload])))).toEqual({ event: 'message', data: payload });
      expect(JSON.parse(eventFrame('["session"]'))).toEqual({ event: 'session', data: null });
      expect(JSON.parse(eventFrame('["we\\"ird",1]'))).toEqual({ event: 'we"ird', data: 1 });
    });

    it("turns an ACK into the answer with the client's id first", () => {
      expect(JSON.parse(answerFrame('req-1', '[{"ok":true,"data":{}}]'))).toEqual({ id: 'req-1', ok: true, data: {} });
      expect(JSON.parse(answerFrame(7, '[{"ok":false,"error":{"code":"not_joined","message":"m"}}]'))).toEqual({
        id: 7,
        ok: false,
        error: { code: 'not_joined', message: 'm' },
      });
    });
  });
});
