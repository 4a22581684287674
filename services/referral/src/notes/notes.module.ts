import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppointmentsModule } from '../appointments/appointments.module';
import { PrisonReferralsController } from './prison-referrals.controller';
import { ReferralNote } from './referral-note.entity';
import { ReferralNotesController } from './referral-notes.controller';
import { ReferralNotesService } from './referral-notes.service';

/** Case notes and the prison side's read of referrals (the closed loop). */
@Module({
  imports: [TypeOrmModule.forFeature([ReferralNote]), AppointmentsModule],
  controllers: [ReferralNotesController, PrisonReferralsController],
  providers: [ReferralNotesService],
})
export class NotesModule {}
