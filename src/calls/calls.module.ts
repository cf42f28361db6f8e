import { Module } from '@nestjs/common';

/** 課題提案: themed calls of the office, answered with proposals (issue 13). */
@Module({})
export class CallsModule {}
