import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { throwError } from 'rxjs';
import { PROBLEM_JSON, problemOf } from './problem-details.ts';

/**
 * Turns every error of an HTTP request into an RFC 9457 `application/problem+json` response
 * (see {@link problemOf}); 401s carry `WWW-Authenticate: Bearer`. Errors of other contexts
 * (the Kafka transport) pass through unchanged.
 *
 * @example
 * ```ts
 * app.useGlobalFilters(new ProblemDetailsFilter()); // JobServiceModule registers it for you
 * ```
 */
/** What the filter uses of Express's request and response (no @types/express here). */
interface HttpRequest {
  readonly method: string;
  readonly url: string;
  readonly originalUrl?: string;
}
interface HttpResponse {
  setHeader(name: string, value: string): void;
  status(code: number): HttpResponse;
  type(mediaType: string): HttpResponse;
  send(body: string): void;
}

@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('problem-details');

  catch(exception: unknown, host: ArgumentsHost): unknown {
    if (host.getType() !== 'http') return throwError(() => exception);
    const http = host.switchToHttp();
    const request = http.getRequest<HttpRequest>();
    const response = http.getResponse<HttpResponse>();
    const problem = problemOf(exception, request.originalUrl ?? request.url);
    if (problem.status >= 500 && !(exception instanceof HttpException)) {
      // Unexpected or engine failures; a failing health probe (an HttpException 503) is not logged.
      const what =
        problem.code === undefined && exception instanceof Error
          ? (exception.stack ?? exception.message)
          : problem.detail;
      this.logger.error(`${request.method} ${request.originalUrl ?? request.url}: ${what}`);
    }
    if (problem.status === 401) response.setHeader('WWW-Authenticate', 'Bearer realm="sluice"');
    response.status(problem.status).type(PROBLEM_JSON).send(JSON.stringify(problem));
    return undefined;
  }
}
