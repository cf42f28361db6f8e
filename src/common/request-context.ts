import type { User } from '../users/user.entity';
import type { FormPageMeta } from './forms';

export interface FlashMessage {
  type: 'success' | 'info' | 'warning' | 'error';
  text: string;
}

declare module 'express-session' {
  interface SessionData {
    userId: number;
    /** Epoch ms of the login, for the absolute timeout. */
    loginAt: number;
    /** Epoch ms when this session last proved the password; older than the user's revocation → ended. */
    verifiedAt: number;
    flash: FlashMessage[];
  }
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Correlates a page (the 500 page shows it) with the log lines of its request. */
      requestId: string;
      user?: User;
      /** Set by FormPageInterceptor for handlers marked @FormPage. */
      formPage?: FormPageMeta & { loadContext: () => Promise<Record<string, unknown>> };
    }
  }
}

export {};
