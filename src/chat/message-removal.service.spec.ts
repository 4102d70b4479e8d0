import type { AttachmentService } from '../attachments/attachment.service';
import { HoldSet } from '../holds/legal-hold';
import type { LegalHolds } from '../holds/legal-holds.service';
import { AccessPolicy } from '../rooms/access-policy';
import type { DeleteResult, RoomStore } from '../rooms/room-store';
import type { SearchIndexWriter } from '../search/search-index.writer';
import { fake, FakeAppEvents, FakeBroadcaster, FakeConnection, userOf } from '../testing/fakes';
import { MessageRemovalService } from './message-removal.service';

function serviceDeleting(result: DeleteResult) {
  const broadcaster = new FakeBroadcaster();
  const remove = jest.fn().mockResolvedValue(result);
  const holds = fake<LegalHolds>({ current: async () => new HoldSet([]) });
  const service = new MessageRemovalService(
    fake<RoomStore>({ delete: remove }),
    broadcaster.asBroadcaster(),
    new AccessPolicy(),
    fake<AttachmentService>({ remove: jest.fn() }),
    fake<SearchIndexWriter>({ unindex: jest.fn() }),
    holds,
    new FakeAppEvents().asAppEvents(),
  );
  return { service, broadcaster, remove };
}

const deleted: DeleteResult = { status: 'deleted', attachments: [], isArchived: false };

describe('MessageRemovalService', () => {
  it("announces a deletion in a DM room to both users' connections, except the deleting one", async () => {
    const { service, broadcaster } = serviceDeleting(deleted);
    const connection = new FakeConnection('c-1', userOf('alice'), ['dm:alice:bob']);
    await service.deleteFromConnection(connection, { room: 'dm:alice:bob', messageId: '1-0' });
    expect(broadcaster.sent).toEqual([
      {
        to: ['dm:alice:bob', '~user:alice', '~user:bob'],
        event: 'message:deleted',
        payload: { room: 'dm:alice:bob', messageId: '1-0', by: 'alice' },
        options: { exceptConnection: 'c-1' },
      },
    ]);
  });

  it("lets an admin delete anyone's message in a DM room, and only the author otherwise", async () => {
    const asAdmin = serviceDeleting(deleted);
    await asAdmin.service.deleteFromConnection(new FakeConnection('c-1', userOf('root', { roles: ['admin'] })), { room: 'dm:alice:bob', messageId: '1-0' });
    expect(asAdmin.remove).toHaveBeenCalledWith('dm:alice:bob', '1-0', 'root', true, expect.anything());
    const asMember = serviceDeleting(deleted);
    await asMember.service.deleteFromConnection(new FakeConnection('c-2', userOf('bob')), { room: 'general', messageId: '1-0' });
    expect(asMember.remove).toHaveBeenCalledWith('general', '1-0', 'bob', false, expect.anything());
  });

  it('refuses a user who may not read the room before asking the store', async () => {
    const { service, remove } = serviceDeleting(deleted);
    const outsider = new FakeConnection('c-3', userOf('carol', { rooms: ['team-*'] }));
    for (const room of ['dm:alice:bob', 'general']) {
      await expect(service.deleteFromConnection(outsider, { room, messageId: '1-0' })).rejects.toMatchObject({ code: 'forbidden' });
    }
    expect(remove).not.toHaveBeenCalled();
  });
});
