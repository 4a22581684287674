import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CustodyEpisode } from './custody-episode.entity';
import { EpisodesController } from './episodes.controller';
import { EpisodesService } from './episodes.service';
import { JourneyStageService } from './journey-stage.service';
import { PersonIds } from './person-ids';
import { ReceptionsController } from './receptions.controller';
import { ReceptionsService } from './receptions.service';
import { ReleasesController } from './releases.controller';
import { ReleasesService } from './releases.service';

export interface CustodyEpisodesOptions {
  /** PERSON_ID_SECRET: keys the prison number → person id derivation. */
  personIdSecret: string;
}

@Module({})
export class CustodyEpisodesModule {
  static register(options: CustodyEpisodesOptions): DynamicModule {
    return {
      module: CustodyEpisodesModule,
      imports: [TypeOrmModule.forFeature([CustodyEpisode])],
      controllers: [ReceptionsController, ReleasesController, EpisodesController],
      providers: [
        { provide: PersonIds, useValue: new PersonIds(options.personIdSecret) },
        ReceptionsService,
        ReleasesService,
        EpisodesService,
        JourneyStageService,
      ],
      exports: [JourneyStageService],
    };
  }
}
