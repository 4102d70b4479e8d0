import { join } from 'node:path';
import { defineScripts, script } from '../redis/scripts';

export type ReactionAction = 'add' | 'remove';
export type ReactionCounts = Record<string, number>;
export type ReactResult = { status: 'changed' | 'unchanged'; reactions: ReactionCounts } | { status: 'not_found' } | { status: 'too_many_emoji' };

type ReactReply = [1 | 0, string] | [-1] | [-2];

function decodeReact(reply: ReactReply): ReactResult {
  switch (reply[0]) {
    case 1:
    case 0:
      return { status: reply[0] === 1 ? 'changed' : 'unchanged', reactions: JSON.parse(reply[1]) as ReactionCounts };
    case -1:
      return { status: 'not_found' };
    case -2:
      return { status: 'too_many_emoji' };
  }
}

/** The reaction script (`scripts/react.lua`) and the decoding of its reply. */
export const reactionScripts = defineScripts(join(__dirname, 'scripts'), {
  react: script<
    [stream: string, reactionCounts: string, reactionsByUser: string],
    [action: ReactionAction, messageId: string, emoji: string, userId: string, maxEmoji: number],
    ReactReply,
    ReactResult
  >({ file: 'react.lua', decode: decodeReact }),
});
