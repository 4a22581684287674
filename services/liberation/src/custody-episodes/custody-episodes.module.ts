import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CustodyEpisode } from './custody-episode.entity';
import { EpisodesController } from './episodes.controller';
import { EpisodesService } from './episodes.service';
import { GatePickup } from './gate-pickup.entity';
import { GatePickupService } from './gate-pickup.service';
import { JourneyStageService } from './journey-stage.service';
import { PersonIds } from './person-ids';
import { ReceptionsController } from './receptions.controller';
import { ReceptionsService } from './receptions.service';
import { ReleasesController } from './releases.controller';
import { ReleaseDateChange } from './release-date-change.entity';
import { ReleaseDateService } from './release-date.service';
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
      imports: [TypeOrmModule.forFeature([CustodyEpisode, ReleaseDateChange, GatePickup])],
      controllers: [ReceptionsController, ReleasesController, EpisodesController],
      providers: [
        { provide: PersonIds, useValue: new PersonIds(options.personIdSecret) },
        ReceptionsService,
        ReleasesService,
        EpisodesService,
        ReleaseDateService,
        JourneyStageService,
        GatePickupService,
      ],
      exports: [JourneyStageService, GatePickupService],
    };
  }
}
