import { Test } from '@nestjs/testing';
import { Broadcaster } from '../realtime/broadcaster';
import { ReactionRepository } from './reaction.repository';
import { ReactionAction, ReactResult } from './reaction.scripts';
import { FakeBroadcaster, FakeConnection, userOf } from '../testing/fakes';
import { MAX_DISTINCT_EMOJI_PER_MESSAGE, ReactionService } from './reaction.service';
import { AccessPolicy } from '../rooms/access-policy';

/** Who reacted with what to message 1-0, as the react script keeps it. */
function inMemoryReactions() {
  const reacted = new Set<string>();
  const counts = (): Record<string, number> => {
    const result: Record<string, number> = {};
    for (const key of reacted) {
      const emoji = key.split('\n')[0];
      result[emoji] = (result[emoji] ?? 0) + 1;
    }
    return result;
  };
  return {
    react: async (_room: string, messageId: string, action: ReactionAction, emoji: string, userId: string, maxEmoji: number): Promise<ReactResult> => {
      if (messageId !== '1-0') return { status: 'not_found' };
      const key = `${emoji}\n${userId}`;
      if (action === 'add' && !(emoji in counts()) && Object.keys(counts()).length >= maxEmoji) return { status: 'too_many_emoji' };
      const changed = action === 'add' ? !reacted.has(key) && Boolean(reacted.add(key)) : reacted.delete(key);
      return { status: changed ? 'changed' : 'unchanged', reactions: counts() };
    },
  };
}

describe('ReactionService', () => {
  let broadcaster: FakeBroadcaster;
  let reactions: ReactionService;

  beforeEach(async () => {
    broadcaster = new FakeBroadcaster();
    const module = await Test.createTestingModule({
      providers: [
        ReactionService,
        AccessPolicy,
        { provide: ReactionRepository, useValue: inMemoryReactions() },
        { provide: Broadcaster, useValue: broadcaster },
      ],
    }).compile();
    reactions = module.get(ReactionService);
  });

  const alice = new FakeConnection('c-1', userOf('alice'), ['general']);
  const ref = (emoji: string) => ({ room: 'general', messageId: '1-0', emoji });

  it('broadcasts a change to the room except the reacting connection, and answers the counts', async () => {
    await expect(reactions.react(alice, ref('👍'), 'add')).resolves.toEqual({ messageId: '1-0', reactions: { '👍': 1 } });
    expect(broadcaster.sent).toEqual([
      {
        to: ['general'],
        event: 'reaction',
        payload: { room: 'general', messageId: '1-0', emoji: '👍', userId: 'alice', action: 'add', reactions: { '👍': 1 } },
        options: { exceptConnection: 'c-1' },
      },
    ]);
  });

  it('answers a repeated add or a remove of nothing without broadcasting', async () => {
    await reactions.react(alice, ref('👍'), 'add');
    await reactions.react(alice, ref('👍'), 'add');
    await reactions.react(alice, ref('🎉'), 'remove');
    expect(broadcaster.sent).toHaveLength(1);
  });

  it('refuses a new emoji past the limit with validation_failed, and a room not joined with not_joined', async () => {
    for (let i = 0; i < MAX_DISTINCT_EMOJI_PER_MESSAGE; i++) await reactions.react(alice, ref(`e${i}`), 'add');
    await expect(reactions.react(alice, ref('one-more'), 'add')).rejects.toMatchObject({
      code: 'validation_failed',
      details: { limit: MAX_DISTINCT_EMOJI_PER_MESSAGE },
    });
    await expect(reactions.react(new FakeConnection('c-2', userOf('bob')), ref('👍'), 'add')).rejects.toMatchObject({ code: 'not_joined' });
    await expect(reactions.react(alice, { ...ref('👍'), messageId: '2-0' }, 'add')).rejects.toMatchObject({ code: 'not_found' });
  });
});
