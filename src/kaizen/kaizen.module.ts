import { Module } from '@nestjs/common';

/** 実績報告 (カイゼン報告): improvements already made, confirmed by the 所属長 and published by the office (issue 13). */
@Module({})
export class KaizenModule {}
