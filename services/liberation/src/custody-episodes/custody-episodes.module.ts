import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AgencyMeetingsController } from './agency-meetings.controller';
import { AgencyMeetingsService } from './agency-meetings.service';
import { CourtLiberationReversalService } from './court-liberation-reversal.service';
import { CourtLiberationsController } from './court-liberations.controller';
import { CourtLiberationsService } from './court-liberations.service';
import { CustodyEpisode } from './custody-episode.entity';
import { EpisodesController } from './episodes.controller';
import { EpisodesService } from './episodes.service';
import { GatePickup } from './gate-pickup.entity';
import { GatePickupService } from './gate-pickup.service';
import {
  HMPPS_ADMISSION_ESTABLISHMENTS,
  HmppsInboundConsumer,
  HmppsInboundTranslator,
} from './hmpps-inbound';
import { HmppsOutboundConsumer, HmppsOutboundLedger } from './hmpps-outbound';
import { JourneyStageService } from './journey-stage.service';
import { PersonAgeService } from './person-age.service';
import { Meeting } from './meeting.entity';
import { MeetingService } from './meeting.service';
import { MeetingsController } from './meetings.controller';
import { AbsenceCorrectionService } from './absence-correction.service';
import { MovementCorrectionService } from './movement-correction.service';
import { MovementReversalService } from './movement-reversal.service';
import { Movement, MovementCorrection } from './movement.entity';
import { MovementsController } from './movements.controller';
import { PendingReception } from './pending-reception.entity';
import { PendingReceptionsController } from './pending-receptions.controller';
import { PendingReceptionsService } from './pending-receptions.service';
import { PersonIds } from './person-ids';
import { ReceptionReversalService } from './reception-reversal.service';
import { ReceptionsController } from './receptions.controller';
import { ReceptionsService } from './receptions.service';
import { ReleasesController } from './releases.controller';
import { ReleaseDateChange } from './release-date-change.entity';
import { RELEASE_DECISION_VERSION_REQUIRED, ReleaseDateService } from './release-date.service';
import { ReleasesService } from './releases.service';
import { AdoptedReleasePoint, ReplanItem, ReplanRun } from './replan.entities';
import { ReplansController } from './replans.controller';
import { REPLAN_STOP_CHECK_MS, REPLAN_WORKFLOW_TASK_QUEUE, ReplanService } from './replan.service';
import { SentenceCalculationRecord } from './sentence-calculation.entity';
import { RecordedSentenceDates } from './recorded-dates.entity';
import { RecordedDatesController } from './recorded-dates.controller';
import { RecordedDatesService } from './recorded-dates.service';
import { GateArrangement } from './gate-arrangement.entity';
import {
  EstablishmentGateArrangementsController,
  GateArrangementsController,
} from './gate-arrangements.controller';
import { GateArrangementsService } from './gate-arrangements.service';
import { AbsenceCorrection, TemporaryAbsence } from './temporary-absence.entity';
import { OverdueAbsencesController } from './overdue-absences.controller';
import { OverdueAbsencesService } from './overdue-absences';
import { TemporaryAbsencesController } from './temporary-absences.controller';
import { TemporaryAbsencesService } from './temporary-absences.service';
import { SentenceCalculationsController } from './sentence-calculations.controller';
import { SentenceCalculationsService } from './sentence-calculations.service';
import { TransfersService } from './transfers.service';
import {
  DEFAULT_EPISODE_LATE_HORIZON_MS,
  EPISODE_LATE_HORIZON,
  UpstreamMovementsApplier,
  UpstreamMovementsConsumer,
} from './upstream-movements.consumer';

/** Every table of the custody record, for the data source and the repositories. */
export const CUSTODY_ENTITIES = [
  CustodyEpisode,
  ReleaseDateChange,
  GatePickup,
  Meeting,
  Movement,
  MovementCorrection,
  PendingReception,
  SentenceCalculationRecord,
  RecordedSentenceDates,
  ReplanRun,
  ReplanItem,
  AdoptedReleasePoint,
  TemporaryAbsence,
  AbsenceCorrection,
  GateArrangement,
] as const;

export interface CustodyEpisodesOptions {
  /** REPLAN_WORKFLOW_TASK_QUEUE: where a release-point re-plan's workflow runs. */
  replanWorkflowTaskQueue: string;
  /** REPLAN_STOP_CHECK_SECONDS, in ms (0: a stopped apply is found only when read). */
  replanStopCheckMs?: number;
  /** PERSON_ID_SECRET: keys the prison number → person id derivation. */
  personIdSecret: string;
  /** UPSTREAM_EPISODE_LATE_HORIZON_SECONDS, in ms (default 60 s: about twice the consumer's ack wait). */
  episodeLateHorizonMs?: number;
  /** RELEASE_DECISION_VERSION_REQUIRED (default false: the transition; see ReleaseDateService). */
  releaseDecisionVersionRequired?: boolean;
  /** HMPPS_ADMISSION_ESTABLISHMENTS: the prisons whose new admissions are kept as pending receptions (undefined: all). */
  hmppsAdmissionEstablishments?: readonly string[];
}

@Module({})
export class CustodyEpisodesModule {
  static register(options: CustodyEpisodesOptions): DynamicModule {
    return {
      module: CustodyEpisodesModule,
      imports: [TypeOrmModule.forFeature([...CUSTODY_ENTITIES])],
      controllers: [
        PendingReceptionsController,
        ReceptionsController,
        ReleasesController,
        CourtLiberationsController,
        EpisodesController,
        MeetingsController,
        MovementsController,
        AgencyMeetingsController,
        SentenceCalculationsController,
        RecordedDatesController,
        ReplansController,
        TemporaryAbsencesController,
        OverdueAbsencesController,
        GateArrangementsController,
        EstablishmentGateArrangementsController,
      ],
      providers: [
        { provide: PersonIds, useValue: new PersonIds(options.personIdSecret) },
        { provide: HMPPS_ADMISSION_ESTABLISHMENTS, useValue: options.hmppsAdmissionEstablishments },
        {
          provide: EPISODE_LATE_HORIZON,
          useValue: options.episodeLateHorizonMs ?? DEFAULT_EPISODE_LATE_HORIZON_MS,
        },
        {
          provide: RELEASE_DECISION_VERSION_REQUIRED,
          useValue: options.releaseDecisionVersionRequired ?? false,
        },
        ReceptionsService,
        PendingReceptionsService,
        ReleasesService,
        EpisodesService,
        ReleaseDateService,
        SentenceCalculationsService,
        RecordedDatesService,
        ReplanService,
        TemporaryAbsencesService,
        AbsenceCorrectionService,
        OverdueAbsencesService,
        GateArrangementsService,
        { provide: REPLAN_WORKFLOW_TASK_QUEUE, useValue: options.replanWorkflowTaskQueue },
        { provide: REPLAN_STOP_CHECK_MS, useValue: options.replanStopCheckMs ?? 0 },
        JourneyStageService,
        GatePickupService,
        MeetingService,
        PersonAgeService,
        TransfersService,
        MovementReversalService,
        MovementCorrectionService,
        ReceptionReversalService,
        CourtLiberationReversalService,
        CourtLiberationsService,
        AgencyMeetingsService,
        // Movements published on the bus by upstream prison systems, applied like HTTP ones.
        UpstreamMovementsApplier,
        UpstreamMovementsConsumer,
        // HMPPS domain events (prisoner released / received) mapped to those movements.
        HmppsInboundTranslator,
        HmppsInboundConsumer,
        HmppsOutboundLedger,
        HmppsOutboundConsumer,
      ],
      exports: [JourneyStageService, GatePickupService, MeetingService, PersonAgeService, ReplanService],
    };
  }
}
