import { Module } from '@nestjs/common';
import { SearchIndexRepository } from './search-index.repository';
import { SearchService } from './search.service';

@Module({ providers: [SearchIndexRepository, SearchService], exports: [SearchService, SearchIndexRepository] })
export class SearchModule {}
