import type { ChatSocket } from '../realtime/chat-socket';
import type { AppConfig } from '../config/app-config';
import type { ChatNamespace } from '../realtime/chat-namespace';
import { TypingService } from './typing.service';

describe('TypingService', () => {
  let relayed: { to: string; except: string; payload: unknown }[];
  let typing: TypingService;
  const socket = { id: 's1', rooms: new Set(['general']), data: { user: { id: 'alice' } } } as unknown as ChatSocket;

  beforeEach(() => {
    jest.useFakeTimers();
    relayed = [];
    const namespace = {
      server: {
        to: (to: string) => ({ except: (except: string) => ({ emit: (_event: string, payload: unknown) => relayed.push({ to, except, payload }) }) }),
      },
    } as unknown as ChatNamespace;
    typing = new TypingService(namespace, { typingTimeoutMs: 5000 } as AppConfig);
  });

  afterEach(() => jest.useRealTimers());

  it('relays the start at once and keystrokes at most every 2 s, never to the typist', () => {
    typing.update(socket, 'general', true);
    jest.advanceTimersByTime(1000);
    typing.update(socket, 'general', true);
    jest.advanceTimersByTime(1000);
    typing.update(socket, 'general', true);
    expect(relayed).toEqual([
      { to: 'general', except: '~user:alice', payload: { room: 'general', userId: 'alice', isTyping: true } },
      { to: 'general', except: '~user:alice', payload: { room: 'general', userId: 'alice', isTyping: true } },
    ]);
  });

  it('ends by itself 5 s after the last true, once', () => {
    typing.update(socket, 'general', true);
    jest.advanceTimersByTime(4000);
    typing.update(socket, 'general', true);
    jest.advanceTimersByTime(4999);
    expect(relayed.map((r) => (r.payload as { isTyping: boolean }).isTyping)).toEqual([true, true]);
    jest.advanceTimersByTime(1);
    expect(relayed.map((r) => (r.payload as { isTyping: boolean }).isTyping)).toEqual([true, true, false]);
    typing.update(socket, 'general', false);
    expect(relayed).toHaveLength(3);
  });

  it('refuses a room the socket has not joined', () => {
    expect(() => typing.update(socket, 'elsewhere', true)).toThrow(expect.objectContaining({ code: 'not_joined' }));
  });
});
