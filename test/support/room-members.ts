import type { Socket } from 'socket.io-client';
import { connect, requestOk } from './clients';
import type { Condition } from './condition';
import { connectPlain, PlainClient } from './plain-websocket';
import { makeToken } from './tokens';

export type Message = { id: string; room: string; content: string };

/**
 * What one member of a room received, in arrival order, whatever its transport; wakes `seen` on each. Never
 * de-duplicated: a message that came twice is in the list twice.
 */
export class Member {
  readonly ids: string[] = [];
  disconnects = 0;

  constructor(
    readonly name: string,
    private readonly room: string,
    private readonly seen: Condition,
  ) {}

  static async socketIo(url: string, name: string, room: string, seen: Condition): Promise<Member & { socket: Socket }> {
    const member = new Member(name, room, seen);
    const socket = await connect(url, { token: makeToken({ sub: name }) });
    socket.on('message', (message: Message) => member.add([message]));
    socket.on('disconnect', () => member.disconnected());
    await requestOk(socket, 'room:join', { room });
    return Object.assign(member, { socket });
  }

  static async plain(url: string, name: string, room: string, seen: Condition): Promise<Member & { client: PlainClient }> {
    const member = new Member(name, room, seen);
    const client = await connectPlain(url, { token: makeToken({ sub: name }) });
    client.ws.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as { event?: string; data?: Message };
      if (frame.event === 'message' && frame.data) member.add([frame.data]);
    });
    void client.closed.then(() => member.disconnected());
    await client.requestOk('room:join', { room });
    return Object.assign(member, { client });
  }

  add(messages: Message[]): void {
    for (const message of messages) if (message.room === this.room) this.ids.push(message.id);
    this.seen.changed();
  }

  private disconnected(): void {
    this.disconnects += 1;
    this.seen.changed();
  }
}

export function compareIds(a: string, b: string): number {
  const [aMs, aSeq] = a.split('-').map(Number);
  const [bMs, bSeq] = b.split('-').map(Number);
  return aMs - bMs || aSeq - bSeq;
}

export const sortedIds = (ids: string[]) => [...ids].sort(compareIds);

/** Sends `count` messages from `socket`, `inFlight` at a time, and resolves with their ids in ack order. */
export async function sendMany(socket: Socket, room: string, label: string, count: number, inFlight: number, acked?: () => void): Promise<string[]> {
  const ids: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const n = next++;
      const message = await requestOk<Message>(socket, 'message:send', { room, content: `${label} ${n}` });
      ids.push(message.id);
      acked?.();
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return ids;
}

/**
 * The one-order scenario of both delivery-order files: every sender sends `perSender` messages at once; once all are
 * acknowledged, every listener must have received all of them and every sender all but its own, each exactly once and
 * in id order. Returns every id sent, in id order.
 */
export async function expectOneOrderForEveryMember(
  room: string,
  senders: (Member & { socket: Socket })[],
  listeners: Member[],
  perSender: number,
  seen: Condition,
): Promise<string[]> {
  const sent = await Promise.all(senders.map((sender) => sendMany(sender.socket, room, sender.name, perSender, perSender)));
  const all = sortedIds(sent.flat());
  expect(new Set(all).size).toBe(senders.length * perSender);
  const ownIndex = (member: Member) => senders.findIndex((sender) => sender === member);
  const expected = (member: Member) => (ownIndex(member) >= 0 ? all.filter((id) => !sent[ownIndex(member)].includes(id)) : all);
  const everyone = [...listeners, ...senders];
  await seen.until(() => everyone.every((member) => member.ids.length >= expected(member).length));
  for (const member of everyone) expect({ member: member.name, ids: member.ids }).toEqual({ member: member.name, ids: expected(member) });
  return all;
}
