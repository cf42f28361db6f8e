import { Global, Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/config';
import { DbService } from '../database/db.service';
import { DatabaseSessionStore } from './session-store';

/** The session store, shared by express-session and by the services that end a user's sessions. */
@Global()
@Module({
  providers: [
    {
      provide: DatabaseSessionStore,
      inject: [DbService, APP_CONFIG],
      useFactory: (db: DbService, config: AppConfig) => new DatabaseSessionStore(db, config.sessionIdleMinutes * 60 * 1000),
    },
  ],
  exports: [DatabaseSessionStore],
})
export class SessionModule {}
