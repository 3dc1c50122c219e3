import { timingSafeEqual } from 'node:crypto';
import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { JobServiceConfig } from '../config/job-service-config.ts';
import { JobServiceError } from '../errors.ts';
import { JOB_SERVICE_TOKENS } from '../tokens.ts';

/**
 * Whether an `Authorization` header carries `token` as a bearer token (constant-time compare).
 *
 * @example
 * ```ts
 * bearerTokenMatches('Bearer 0123456789abcdef', '0123456789abcdef'); // true
 * ```
 */
export function bearerTokenMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (match === null) return false;
  const given = Buffer.from(match[1] as string);
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * Protects the mutating control routes with `SLUICE_API_TOKEN` when it is configured
 * (`Authorization: Bearer <token>`); without a token they are open.
 *
 * @example
 * ```ts
 * @UseGuards(BearerTokenGuard)
 * @Post('savepoints')
 * savepoint() { ... }
 * ```
 */
@Injectable()
export class BearerTokenGuard implements CanActivate {
  private readonly token: string | undefined;

  constructor(@Inject(JOB_SERVICE_TOKENS.config) config: JobServiceConfig) {
    this.token = config.apiToken;
  }

  canActivate(context: ExecutionContext): boolean {
    if (this.token === undefined) return true;
    const request = context.switchToHttp().getRequest<{ headers: Record<string, string | string[] | undefined> }>();
    const header = request.headers['authorization'];
    if (typeof header === 'string' && bearerTokenMatches(header, this.token)) return true;
    throw new JobServiceError(
      'UNAUTHORIZED',
      header === undefined
        ? 'This route needs `Authorization: Bearer <token>` with the service token (SLUICE_API_TOKEN).'
        : 'The bearer token does not match the service token (SLUICE_API_TOKEN).',
    );
  }
}
