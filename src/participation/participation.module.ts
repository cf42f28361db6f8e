import { Module } from '@nestjs/common';
import { ParticipationController } from './participation.controller';
import { ParticipationRepository } from './participation.repository';
import { ParticipationService } from './participation.service';

/** 参加率: who took part, per fiscal year and division (issue 13). */
@Module({
  controllers: [ParticipationController],
  providers: [ParticipationRepository, ParticipationService],
})
export class ParticipationModule {}
