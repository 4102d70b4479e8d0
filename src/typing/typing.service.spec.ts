import { Test } from '@nestjs/testing';
import { APP_CONFIG } from '../config/config.module';
import { Broadcaster } from '../realtime/broadcaster';
import { FakeBroadcaster, FakeConnection, userOf } from '../testing/fakes';
import { TypingService } from './typing.service';
import { AccessPolicy } from '../rooms/access-policy';

describe('TypingService', () => {
  let broadcaster: FakeBroadcaster;
  let typing: TypingService;
  let alice: FakeConnection;
  const relayed = () => broadcaster.sent.map(({ to, payload, options }) => ({ to, payload, options }));
  const states = () => broadcaster.sent.map((sent) => (sent.payload as { isTyping: boolean }).isTyping);

  beforeEach(async () => {
    jest.useFakeTimers();
    broadcaster = new FakeBroadcaster();
    const module = await Test.createTestingModule({
      providers: [TypingService, AccessPolicy, { provide: Broadcaster, useValue: broadcaster }, { provide: APP_CONFIG, useValue: { typingTimeoutMs: 5000 } }],
    }).compile();
    await module.init();
    typing = module.get(TypingService);
    alice = broadcaster.connect('c-1', userOf('alice'), ['general']);
  });

  afterEach(() => jest.useRealTimers());

  it('relays the start at once and keystrokes at most every 2 s, never to the typist', () => {
    typing.update(alice, 'general', true);
    jest.advanceTimersByTime(1000);
    typing.update(alice, 'general', true);
    jest.advanceTimersByTime(1000);
    typing.update(alice, 'general', true);
    const start = { to: ['general'], payload: { room: 'general', userId: 'alice', isTyping: true }, options: { exceptUser: 'alice' } };
    expect(relayed()).toEqual([start, start]);
  });

  it('ends by itself 5 s after the last true, once', () => {
    typing.update(alice, 'general', true);
    jest.advanceTimersByTime(4000);
    typing.update(alice, 'general', true);
    jest.advanceTimersByTime(4999);
    expect(states()).toEqual([true, true]);
    jest.advanceTimersByTime(1);
    expect(states()).toEqual([true, true, false]);
    typing.update(alice, 'general', false);
    expect(states()).toHaveLength(3);
  });

  it('ends when the typing connection leaves the room, not when another of the user does', () => {
    const otherTab = broadcaster.connect('c-2', userOf('alice'), ['general']);
    typing.update(alice, 'general', true);
    otherTab.leave('general');
    expect(states()).toEqual([true]);
    alice.leave('general');
    expect(states()).toEqual([true, false]);
  });

  it('refuses a room the connection has not joined', () => {
    expect(() => typing.update(alice, 'elsewhere', true)).toThrow(expect.objectContaining({ code: 'not_joined' }));
    expect(broadcaster.sent).toEqual([]);
  });
});
