import { applyDecorators, CanActivate, ExecutionContext, Injectable, SetMetadata, UseGuards } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { DomainError } from './errors';

/*
 * A per-user allowance for the pages that cost the database more than a page view: keyword searches,
 * deep pages and CSV exports (issue 10). A token bucket per user and kind, kept in this instance's
 * memory, not in the database: the point is to keep one user from queueing everyone behind them on
 * this instance (SQLite has one connection), and writing a counter row on every search would itself
 * be a write on that one connection. With several instances a user gets at most that many allowances,
 * still bounded; the login throttle, where a shared count matters, is kept in the database.
 */

export type CostKind = 'search' | 'export';

interface Budget {
  /** Requests allowed in a burst. */
  burst: number;
  /** Then one more every this many milliseconds. */
  refillMs: number;
}

/** 30 searches or deep pages at once, then one every 2 s; 5 exports at once, then one every 12 s. */
export const COST_BUDGETS: Record<CostKind, Budget> = {
  search: { burst: 30, refillMs: 2_000 },
  export: { burst: 5, refillMs: 12_000 },
};

/** A page number beyond this counts as a deep page (each one reads the rows before it). */
export const DEEP_PAGE = 10;

export const RATE_LIMIT_MESSAGES: Record<CostKind, string> = {
  search: '短時間に検索やページ送りが続いたため、しばらく受け付けを止めています。少し時間をおいてから、もう一度お試しください。',
  export: '短時間にCSVのダウンロードが続いたため、しばらく受け付けを止めています。少し時間をおいてから、もう一度お試しください。',
};

export class RateLimitedError extends DomainError {
  constructor(
    kind: CostKind,
    readonly retryAfterSeconds: number,
  ) {
    super(`${RATE_LIMIT_MESSAGES[kind]}（約${retryAfterSeconds}秒後から）`, 429);
  }
}

interface Bucket {
  tokens: number;
  at: number;
}

/** Token buckets by key; idle buckets (full again) are forgotten so the map stays small. */
export class RequestBudget {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly budgets: Record<CostKind, Budget> = COST_BUDGETS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes one request from the user's allowance: 0 when allowed, else the seconds until the next one. */
  take(kind: CostKind, userId: number): number {
    const { burst, refillMs } = this.budgets[kind];
    const key = `${kind}:${userId}`;
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: burst, at: now };
    const tokens = Math.min(burst, bucket.tokens + (now - bucket.at) / refillMs);
    if (tokens < 1) {
      this.buckets.set(key, { tokens, at: now });
      return Math.max(1, Math.ceil(((1 - tokens) * refillMs) / 1000));
    }
    this.buckets.set(key, { tokens: tokens - 1, at: now });
    if (this.buckets.size > 10_000) this.forgetIdle(now);
    return 0;
  }

  reset(): void {
    this.buckets.clear();
  }

  private forgetIdle(now: number): void {
    for (const [key, bucket] of this.buckets) {
      const { burst, refillMs } = this.budgets[key.split(':')[0] as CostKind];
      if (bucket.tokens + (now - bucket.at) / refillMs >= burst) this.buckets.delete(key);
    }
  }
}

/** One per process, shared by every route that is limited. */
export const requestBudget = new RequestBudget();

const COST_RULE = 'tane:cost';
type CostRule = { kind: CostKind; when?: (req: Request) => boolean };

/** A search or a deep page of a list: `q` given, or a page number beyond DEEP_PAGE. */
export const isSearchOrDeepPage = (req: Request): boolean => {
  const { q, page } = req.query as Record<string, unknown>;
  const keyword = typeof q === 'string' ? q.trim() !== '' : q !== undefined;
  const pageNumber = typeof page === 'string' ? Number(page) : NaN;
  return keyword || (Number.isFinite(pageNumber) && pageNumber > DEEP_PAGE);
};

@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const rule = this.reflector.get<CostRule | undefined>(COST_RULE, context.getHandler());
    const req = context.switchToHttp().getRequest<Request>();
    // the access guard has run: a signed-out request never gets here
    if (!rule || !req.user || (rule.when && !rule.when(req))) return true;
    const wait = requestBudget.take(rule.kind, req.user.id);
    if (wait === 0) return true;
    context.switchToHttp().getResponse<Response>().setHeader('Retry-After', String(wait));
    throw new RateLimitedError(rule.kind, wait);
  }
}

/**
 * Counts the request against the user's allowance of `kind` (only when `when` says it is costly);
 * beyond it, a 429 page. Runs after the global access guard, so the user is known.
 */
export const CostLimited = (kind: CostKind, when?: (req: Request) => boolean) =>
  applyDecorators(SetMetadata(COST_RULE, { kind, when } satisfies CostRule), UseGuards(RateLimitGuard));
