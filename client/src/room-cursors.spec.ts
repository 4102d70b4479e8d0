import type { StoredMessage } from './contract';
import { RoomCursors } from './room-cursors';

const ROOM = 'general';
const message = (id: string, room = ROOM): StoredMessage => ({ id, room, userId: 'bob', content: `m ${id}`, createdAt: 0 });
const messages = (...ids: string[]) => ids.map((id) => message(id));

function joinedCursors(...joinResult: string[]) {
  const handedOver: StoredMessage[] = [];
  const cursors = new RoomCursors((m) => handedOver.push(m));
  const hold = cursors.beginJoin(ROOM)!;
  cursors.completeJoin(ROOM, messages(...joinResult));
  cursors.release(ROOM, hold);
  return { cursors, ids: () => handedOver.map((m) => m.id) };
}

describe('RoomCursors', () => {
  it('hands over live messages newer than the cursor and drops repeats and older ones', () => {
    const { cursors, ids } = joinedCursors('5-0');
    for (const id of ['5-0', '6-0', '6-0', '4-0', '7-0']) cursors.receive(message(id));
    expect(ids()).toEqual(['6-0', '7-0']);
    expect(cursors.cursorOf(ROOM)).toBe('7-0');
  });

  it('compares ids as <ms>-<seq> numbers, not as strings', () => {
    const { cursors, ids } = joinedCursors('9-9');
    for (const id of ['10-0', '9-10', '10-2', '10-10', '10-9']) cursors.receive(message(id));
    expect(ids()).toEqual(['10-0', '10-2', '10-10']);
  });

  it('starts an empty room at the first possible cursor, so a rejoin catches up on all of it', () => {
    const { cursors } = joinedCursors();
    expect(cursors.cursorOf(ROOM)).toBe('0-0');
    expect(cursors.rooms).toEqual([ROOM]);
  });

  it('holds live messages while a catch-up is read, then hands over the catch-up and the newer held ones, once each', () => {
    const { cursors, ids } = joinedCursors('1-0');
    const hold = cursors.hold(ROOM)!;
    for (const id of ['3-0', '4-0', '5-0']) cursors.receive(message(id));
    expect(ids()).toEqual([]);
    cursors.catchUp(ROOM, messages('2-0', '3-0'));
    cursors.catchUp(ROOM, messages('4-0'));
    expect(ids()).toEqual(['2-0', '3-0', '4-0']);
    cursors.release(ROOM, hold);
    expect(ids()).toEqual(['2-0', '3-0', '4-0', '5-0']);
    cursors.receive(message('6-0'));
    expect(ids()).toEqual(['2-0', '3-0', '4-0', '5-0', '6-0']);
  });

  it('ignores the release of a hold that a newer catch-up replaced, and keeps holding for the newer one', () => {
    const { cursors, ids } = joinedCursors('1-0');
    const stale = cursors.hold(ROOM)!;
    cursors.receive(message('3-0'));
    const current = cursors.hold(ROOM)!;
    cursors.receive(message('4-0'));
    cursors.release(ROOM, stale);
    expect(ids()).toEqual([]);
    cursors.catchUp(ROOM, messages('2-0', '3-0'));
    cursors.release(ROOM, current);
    expect(ids()).toEqual(['2-0', '3-0', '4-0']);
  });

  it('during a first join, holds the room; the join result sets the cursor and the held messages not in it follow', () => {
    const handedOver: string[] = [];
    const cursors = new RoomCursors((m) => handedOver.push(m.id));
    const hold = cursors.beginJoin(ROOM)!;
    expect(cursors.rooms).toEqual([]);
    cursors.receive(message('2-0'));
    cursors.receive(message('3-0'));
    cursors.completeJoin(ROOM, messages('1-0', '2-0'));
    expect(handedOver).toEqual([]);
    cursors.release(ROOM, hold);
    expect(handedOver).toEqual(['3-0']);
    expect(cursors.rooms).toEqual([ROOM]);
  });

  it('forgets a first join that failed, and keeps a room already joined when joining it again fails', () => {
    const { cursors } = joinedCursors('1-0');
    expect(cursors.beginJoin(ROOM)).toBeUndefined();
    cursors.abandonJoin(ROOM);
    expect(cursors.cursorOf(ROOM)).toBe('1-0');
    cursors.beginJoin('other');
    cursors.abandonJoin('other');
    expect(cursors.has('other')).toBe(false);
  });

  it('passes over the client own sends: the cursor moves past them, the handlers never get them', () => {
    const { cursors, ids } = joinedCursors('1-0');
    cursors.noteSent(message('3-0'));
    cursors.noteSent(message('1-0'));
    const hold = cursors.hold(ROOM)!;
    cursors.catchUp(ROOM, messages('2-0', '3-0', '4-0'));
    cursors.release(ROOM, hold);
    expect(ids()).toEqual(['2-0', '4-0']);
    expect(cursors.cursorOf(ROOM)).toBe('4-0');
  });

  it('hands messages of rooms it does not track (a DM room never joined) straight over', () => {
    const { cursors, ids } = joinedCursors('5-0');
    cursors.receive(message('1-0', 'dm:a:b'));
    cursors.receive(message('1-0', 'dm:a:b'));
    expect(ids()).toEqual(['1-0', '1-0']);
  });

  it('drops catch-up and held messages of a room forgotten meanwhile (kicked, left)', () => {
    const { cursors, ids } = joinedCursors('1-0');
    const hold = cursors.hold(ROOM)!;
    cursors.receive(message('3-0'));
    cursors.forget(ROOM);
    cursors.catchUp(ROOM, messages('2-0'));
    cursors.release(ROOM, hold);
    expect(ids()).toEqual([]);
    expect(cursors.rooms).toEqual([]);
  });
});
