import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Assessment } from './assessment.entity';
import { AssessmentsController } from './assessments.controller';
import { AssessmentsService } from './assessments.service';
import { ConsentController } from './consent.controller';
import { ConsentWithdrawal } from './consent-withdrawal.entity';

@Module({
  imports: [TypeOrmModule.forFeature([Assessment, ConsentWithdrawal])],
  controllers: [AssessmentsController, ConsentController],
  providers: [AssessmentsService],
  exports: [AssessmentsService],
})
export class AssessmentsModule {}
