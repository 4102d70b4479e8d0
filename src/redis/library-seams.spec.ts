import { Cluster } from 'ioredis';
import { installedVersion, LibrarySeamError, verifyLibrarySeams } from '../common/library-seam';
import { ioredisSeams } from './library-seams';

async function failureOfCheck(): Promise<LibrarySeamError | undefined> {
  try {
    await verifyLibrarySeams(ioredisSeams());
    return undefined;
  } catch (error) {
    if (error instanceof LibrarySeamError) return error;
    throw error;
  }
}

describe('ioredis library seams', () => {
  const restores: (() => void)[] = [];
  afterEach(() => restores.splice(0).forEach((restore) => restore()));

  /** Replaces a prototype's member for one test, as an upgrade that changed it would. */
  function replaceFor(target: object, key: string, value: unknown): void {
    const own = Object.getOwnPropertyDescriptor(target, key)!;
    Object.defineProperty(target, key, { value, configurable: true, writable: true });
    restores.push(() => Object.defineProperty(target, key, own));
  }

  it('all hold on the installed version, as the start-up check finds them', async () => {
    expect(await failureOfCheck()).toBeUndefined();
  });

  it('fails the start-up check, naming ioredis and its version, when a cluster client keeps no sharded subscriber group', async () => {
    replaceFor(Cluster.prototype, 'createShardedSubscriberGroup', function (this: { subscriberGroupEmitter: unknown }) {
      this.subscriberGroupEmitter = undefined;
    });

    const failure = await failureOfCheck();

    expect(failure?.failures).toEqual([
      `ioredis ${installedVersion('ioredis')}: Cluster#shardedSubscribers (the group's shardedSubscribers and subscriberToSlotsIndex maps): a cluster client with shardedSubscribers: true has no shardedSubscribers group`,
      expect.stringContaining(`ioredis ${installedVersion('ioredis')}: the cluster client's sharded subscriber events`),
    ]);
  });

  it('fails the start-up check when a sharded subscriber no longer offers its connection', async () => {
    const { default: ShardedSubscriber } = require('ioredis/built/cluster/ShardedSubscriber') as { default: { prototype: object } };
    replaceFor(ShardedSubscriber.prototype, 'getInstance', undefined);

    const failure = await failureOfCheck();

    expect(failure?.message).toContain(
      `ioredis ${installedVersion('ioredis')}: ShardedSubscriber#subscriberStatus and #getInstance: ShardedSubscriber#getInstance is not a function`,
    );
  });
});
