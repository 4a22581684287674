import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppointmentSchedule } from './appointment-schedule.entity';
import { Appointment } from './appointment.entity';
import { AppointmentsController } from './appointments.controller';
import { AppointmentsService } from './appointments.service';
import { ReferralAppointmentsController } from './referral-appointments.controller';

@Module({
  imports: [TypeOrmModule.forFeature([Appointment, AppointmentSchedule])],
  controllers: [AppointmentsController, ReferralAppointmentsController],
  providers: [AppointmentsService],
  exports: [AppointmentsService],
})
export class AppointmentsModule {}
