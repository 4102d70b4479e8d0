import { ChatClient, type StoredMessage } from '../../client/src';
import { connect, wholeHistory } from '../support/clients';
import { Condition } from '../support/condition';
import { cutRepeatedly, startJitterProxy, type CuttingReport, type JitterProxy } from '../support/jitter-proxy';
import { uniqueRoom, useCluster } from '../support/scenario';
import { makeToken } from '../support/tokens';

const RECEIVERS = 40;
const SENDERS = 4;
const MESSAGES = 400;
const PER_SENDER = MESSAGES / SENDERS;
/** Cuts, about every 200 ms: the sends are spread over the first SEND_TICKS of them, the rest land on catch-ups. */
const TICKS = 50;
const SEND_TICKS = 40;
const CUT_MEAN_INTERVAL_MS = 200;
/** Bounds the cutting if ticks come late on a loaded machine. */
const CUTTING_MAX_MS = 20_000;
/** How long the clients get, once the senders are done and the cutting stopped, to hand over the last messages. */
const SETTLE_MS = 15_000;

/** What one client's `message` handlers were given, against the room's stream. */
function compare(received: string[], stored: string[]) {
  const position = new Map(stored.map((id, index) => [id, index]));
  const distinct = new Set(received);
  let outOfOrder = 0;
  for (let i = 1; i < received.length; i += 1) if ((position.get(received[i]) ?? -1) <= (position.get(received[i - 1]) ?? -1)) outOfOrder += 1;
  return {
    missing: stored.filter((id) => !distinct.has(id)).length,
    repeated: received.length - distinct.size,
    unknown: [...distinct].filter((id) => !position.has(id)).length,
    outOfOrder,
  };
}

describe('typed client under jitter: 40 clients behind proxies that cut a random connection every ~200 ms', () => {
  const cluster = useCluster(2, { THROTTLE_WS_LIMIT: '0' });
  const clients: ChatClient[] = [];
  let proxy: JitterProxy | undefined;
  afterAll(async () => {
    clients.splice(0).forEach((client) => client.close());
    await proxy?.close();
  });

  /** Runs the scenario with the senders on the nodes of `senderNodes` (round robin); returns the summary. */
  async function sendThroughJitter(senderNodes: number[]) {
    const room = uniqueRoom('jitter');
    proxy ??= await startJitterProxy(cluster.nodes.map((node) => node.url));
    const received: string[][] = [];
    let reconnects = 0;
    let caughtUp = 0;
    let cutting: CuttingReport = { ticks: 0, cuts: 0 };
    let isCuttingDone = false;
    const progress = new Condition(
      () => `${cutting.ticks} ticks, ${cutting.cuts} cuts; handed over per client: ${received.map((ids) => ids.length).join(' ')}`,
    );

    // each receiver starts on one node and moves to the other at every reconnection
    await Promise.all(
      Array.from({ length: RECEIVERS }, async (_, index) => {
        const urls = index % 2 === 0 ? proxy!.urls : [...proxy!.urls].reverse();
        const client = await ChatClient.connect({ urls, token: makeToken({ sub: `receiver-${index}` }), retryDelayMs: 50, maxRetryDelayMs: 200 });
        clients.push(client);
        const ids: string[] = (received[index] = []);
        client.on('message', (message: StoredMessage) => {
          if (message.room !== room) return;
          ids.push(message.id);
          progress.changed();
        });
        client.on('connect', ({ isReconnect }) => (reconnects += isReconnect ? 1 : 0));
        client.on('rejoin', ({ result }) => (caughtUp += result?.messages.length ?? 0));
        await client.join(room);
      }),
    );
    const senders = await Promise.all(
      Array.from({ length: SENDERS }, async (_, index) => {
        const sender = await ChatClient.connect({
          urls: cluster.nodes[senderNodes[index % senderNodes.length]].url,
          token: makeToken({ sub: `sender-${index}` }),
          ackTimeoutMs: 2000,
          sendAttempts: 8,
        });
        clients.push(sender);
        await sender.join(room);
        return sender;
      }),
    );

    const cuttingDone = cutRepeatedly(proxy!, {
      meanIntervalMs: CUT_MEAN_INTERVAL_MS,
      ticks: TICKS,
      maxMs: CUTTING_MAX_MS,
      onTick: (report) => {
        cutting = report;
        progress.changed();
      },
    }).then((report) => {
      isCuttingDone = true;
      progress.changed();
      return report;
    });
    // paced on the cutting's ticks, so that messages are stored while connections are being cut; each send awaits
    // its ack and is retried with the same clientMsgId (ChatClient.send) when one does not come
    await Promise.all(
      senders.map(async (sender, senderIndex) => {
        for (let k = 0; k < PER_SENDER; k += 1) {
          const tick = Math.floor((k * SEND_TICKS) / PER_SENDER);
          await progress.until(() => cutting.ticks >= tick || isCuttingDone, CUTTING_MAX_MS + 5_000);
          await sender.send(room, `sender ${senderIndex} message ${k}`);
        }
      }),
    );
    cutting = await cuttingDone;

    await progress.until(() => received.every((ids) => ids.length >= MESSAGES), SETTLE_MS).catch(() => undefined);

    const reader = await connect(cluster.nodes[0].url, { token: makeToken({ sub: 'reader' }) });
    const stored = (await wholeHistory<StoredMessage>(reader, room)).map((message) => message.id);
    expect(stored).toHaveLength(MESSAGES);

    const perClient = received.map((ids) => compare(ids, stored));
    const summary = {
      clientsWithEveryMessageOnceInOrder: perClient.filter((c) => c.missing + c.repeated + c.unknown + c.outOfOrder === 0).length,
      missing: perClient.reduce((sum, c) => sum + c.missing, 0),
      repeated: perClient.reduce((sum, c) => sum + c.repeated, 0),
      outOfOrder: perClient.reduce((sum, c) => sum + c.outOfOrder, 0),
      unknown: perClient.reduce((sum, c) => sum + c.unknown, 0),
    };
    const fewest = Math.min(...received.map((ids) => new Set(ids).size));
    console.log(
      `jitter: ${cutting.cuts} connections cut in ${cutting.ticks} ticks, ${reconnects} reconnections, ${caughtUp} messages in rejoin catch-ups; ` +
        `${summary.clientsWithEveryMessageOnceInOrder}/${RECEIVERS} clients complete and in order; ${summary.missing} deliveries missing ` +
        `(worst client ${fewest}/${MESSAGES}), ${summary.repeated} repeated, ${summary.outOfOrder} out of order`,
    );
    clients.splice(0).forEach((client) => client.close());
    // the jitter did happen: connections were cut and clients caught up after reconnecting
    expect(cutting.cuts).toBeGreaterThanOrEqual(TICKS / 2);
    expect(reconnects).toBeGreaterThanOrEqual(TICKS / 2);
    return summary;
  }

  const PERFECT = { clientsWithEveryMessageOnceInOrder: RECEIVERS, missing: 0, repeated: 0, outOfOrder: 0, unknown: 0 };

  it('with senders on one node: each client, moving between both nodes, ends with the 400 messages exactly once, in id order', async () => {
    expect(await sendThroughJitter([0])).toEqual(PERFECT);
  }, 60_000);

  it('with senders on both nodes: each client ends with the 400 messages exactly once, in id order', async () => {
    expect(await sendThroughJitter([0, 1])).toEqual(PERFECT);
  }, 60_000);
});
