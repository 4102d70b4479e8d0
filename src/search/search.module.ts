import { Module } from '@nestjs/common';
import { MetricsModule } from '../metrics/metrics.module';
import { SearchIndexFailures } from './search-index-failures';
import { SearchIndexRepository } from './search-index.repository';
import { SearchService } from './search.service';

@Module({
  imports: [MetricsModule],
  providers: [SearchIndexRepository, SearchService, SearchIndexFailures],
  exports: [SearchService, SearchIndexRepository, SearchIndexFailures],
})
export class SearchModule {}
