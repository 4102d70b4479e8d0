import { Test } from '@nestjs/testing';
import { AccessRepository } from '../auth/access.repository';
import { SessionService } from '../auth/session.service';
import { MessageQueryService } from '../chat/message-query.service';
import { MessageRemovalService } from '../chat/message-removal.service';
import { PresenceService } from '../presence/presence.service';
import { Broadcaster } from '../realtime/broadcaster';
import { ConnectionDirectory } from '../realtime/connection-directory';
import { RoomStore } from '../rooms/room-store';
import { FakeBroadcaster, userOf } from '../testing/fakes';
import { ModerationRepository } from './moderation.repository';
import { ModerationService } from './moderation.service';
import { AccessPolicy } from '../rooms/access-policy';

const admin = userOf('root', { roles: ['admin'] });

describe('ModerationService', () => {
  let broadcaster: FakeBroadcaster;
  let moderation: ModerationService;
  const mutes = new Map<string, number>();
  const rooms = {
    isKnownRoom: async (room: string) => room === 'general',
    mute: jest.fn(async (room: string, userId: string, durationSec: number) => void mutes.set(`${room}/${userId}`, durationSec)),
    unmute: async (room: string, userId: string) => mutes.delete(`${room}/${userId}`),
  };
  const sessions = { endUserSessionsWith: jest.fn(async () => undefined), endUserSessions: jest.fn(async () => undefined) };
  const access = { ban: jest.fn(async () => 1_700_000_000_000), revokeUserTokens: jest.fn(async () => undefined), unban: async () => false };

  beforeEach(async () => {
    mutes.clear();
    jest.clearAllMocks();
    broadcaster = new FakeBroadcaster();
    const module = await Test.createTestingModule({
      providers: [
        ModerationService,
        { provide: ModerationRepository, useValue: { isKnownUser: async (userId: string) => userId !== 'nobody' } },
        { provide: RoomStore, useValue: rooms },
        { provide: MessageQueryService, useValue: {} },
        { provide: MessageRemovalService, useValue: {} },
        AccessPolicy,
        { provide: AccessRepository, useValue: access },
        { provide: SessionService, useValue: sessions },
        { provide: Broadcaster, useValue: broadcaster },
        { provide: ConnectionDirectory, useValue: broadcaster },
        { provide: PresenceService, useValue: {} },
      ],
    }).compile();
    moderation = module.get(ModerationService);
  });

  it('kicks: tells only the connections in the room why, then takes the user out of it everywhere', async () => {
    broadcaster.connect('c-1', userOf('bob'), ['general']);
    broadcaster.connect('c-2', userOf('bob'), ['random']);
    await moderation.kick('general', 'bob', 'spam', admin);
    expect(broadcaster.sent).toEqual([{ to: ['c-1'], event: 'moderation', payload: { action: 'kicked', room: 'general', reason: 'spam' } }]);
    expect(broadcaster.removedFromRoom).toEqual([{ userId: 'bob', room: 'general' }]);
  });

  it('kicks nobody who is not in the room, and answers not_found for unknown rooms and users', async () => {
    broadcaster.connect('c-2', userOf('bob'), ['random']);
    await moderation.kick('general', 'bob', undefined, admin);
    expect(broadcaster.sent).toEqual([]);
    await expect(moderation.kick('elsewhere', 'bob', undefined, admin)).rejects.toMatchObject({ code: 'not_found' });
    await expect(moderation.mute('general', 'nobody', 60, undefined, admin)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('mutes in the room store and tells every connection of the user, without an absent reason', async () => {
    await moderation.mute('general', 'bob', 60, undefined, admin);
    expect(rooms.mute).toHaveBeenCalledWith('general', 'bob', 60, { by: 'root' });
    expect(broadcaster.sent).toEqual([{ to: ['~user:bob'], event: 'moderation', payload: { action: 'muted', room: 'general', until: expect.any(Number) } }]);
  });

  it('answers not_found when unmuting someone who is not muted', async () => {
    await expect(moderation.unmute('general', 'bob', admin)).rejects.toMatchObject({ code: 'not_found' });
    await moderation.mute('general', 'bob', 60, undefined, admin);
    await expect(moderation.unmute('general', 'bob', admin)).resolves.toBeUndefined();
  });

  it('refuses a room action to anyone the access policy does not let moderate the room, before touching it', async () => {
    broadcaster.connect('c-1', userOf('bob'), ['general']);
    const member = userOf('alice', { roles: ['service'] });
    await expect(moderation.kick('general', 'bob', 'spam', member)).rejects.toMatchObject({ code: 'forbidden' });
    await expect(moderation.mute('general', 'bob', 60, undefined, member)).rejects.toMatchObject({ code: 'forbidden' });
    expect(broadcaster.sent).toEqual([]);
    expect(rooms.mute).not.toHaveBeenCalled();
  });

  it('bans by ending every session with a ban notice, and revokes by ending them as revoked', async () => {
    await moderation.ban('bob', 3600, 'abuse');
    expect(sessions.endUserSessionsWith).toHaveBeenCalledWith('bob', 'banned', {
      event: 'moderation',
      payload: { action: 'banned', reason: 'abuse', until: 1_700_000_000_000 },
    });
    await moderation.revokeTokens('bob');
    expect(access.revokeUserTokens).toHaveBeenCalledWith('bob', expect.any(Number));
    expect(sessions.endUserSessions).toHaveBeenCalledWith('bob', 'revoked');
  });
});
