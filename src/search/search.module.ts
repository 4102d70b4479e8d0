import { Module } from '@nestjs/common';
import { MetricsModule } from '../metrics/metrics.module';
import { SearchIndexFailures } from './search-index-failures';
import { SearchIndexRepository } from './search-index.repository';
import { SearchIndexWriter } from './search-index.writer';
import { SearchService } from './search.service';

@Module({
  imports: [MetricsModule],
  providers: [SearchIndexRepository, SearchService, SearchIndexFailures, SearchIndexWriter],
  exports: [SearchService, SearchIndexRepository, SearchIndexWriter],
})
export class SearchModule {}
