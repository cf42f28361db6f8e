import { Module } from '@nestjs/common';

/** 参加率: who took part, per fiscal year and division (issue 13). */
@Module({})
export class ParticipationModule {}
