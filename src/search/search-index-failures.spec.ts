import { Logger } from '@nestjs/common';
import { MetricsService } from '../metrics/metrics.service';
import { SearchIndexFailures } from './search-index-failures';

describe('SearchIndexFailures', () => {
  it('counts each change of a failed call by operation and logs the call once, naming its messages', async () => {
    const metrics = new MetricsService();
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const failures = new SearchIndexFailures(metrics);

    failures.record(
      'general',
      [
        { operation: 'index', messageId: '1-0' },
        { operation: 'index', messageId: '2-0' },
        { operation: 'unindex', messageId: '0-5' },
      ],
      new Error('Connection is closed.'),
    );

    const counted = (await metrics.registry.getSingleMetric('chat_search_index_failures_total')!.get()).values;
    expect(counted.map(({ labels, value }) => [labels.operation, value]).sort()).toEqual([
      ['index', 2],
      ['unindex', 1],
    ]);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][0]).toBe('search index writes in general failed (index 1-0, index 2-0, unindex 0-5): Connection is closed.');
    warn.mockRestore();
  });
});
