import { Module } from '@nestjs/common';
import { MetricsModule } from '../metrics/metrics.module';
import { SearchIndexFailures } from './search-index-failures';
import { SearchIndexRepository } from './search-index.repository';
import { SearchIndexWriter } from './search-index.writer';
import { SearchRateLimit, SearchService } from './search.service';

@Module({
  imports: [MetricsModule],
  providers: [SearchIndexRepository, SearchService, SearchRateLimit, SearchIndexFailures, SearchIndexWriter],
  exports: [SearchService, SearchRateLimit, SearchIndexRepository, SearchIndexWriter],
})
export class SearchModule {}
