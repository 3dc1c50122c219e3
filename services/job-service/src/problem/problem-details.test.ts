import { BadRequestException, NotFoundException } from '@nestjs/common';
import { SluiceError } from '@sluice/core';
import { JobServiceError, problemOf } from '@sluice/job-service';
import { describe, expect, it } from 'vitest';

describe('problemOf', () => {
  it.each([
    [new SluiceError('CHECKPOINTING_DISABLED', 'no storage'), 409, 'urn:sluice:problem:checkpointing-disabled'],
    [new SluiceError('CHECKPOINT_STORAGE_FAILED', 'disk full'), 503, 'urn:sluice:problem:checkpoint-storage-failed'],
    [new SluiceError('CHECKPOINT_NOT_FOUND', 'no such savepoint'), 404, 'urn:sluice:problem:checkpoint-not-found'],
    [new SluiceError('USER_FUNCTION_FAILED', 'boom'), 500, 'urn:sluice:problem:user-function-failed'],
    [new JobServiceError('INVALID_REQUEST', 'drain must be true or false'), 400, 'urn:sluice:problem:invalid-request'],
    [new JobServiceError('UNAUTHORIZED', 'no token'), 401, 'urn:sluice:problem:unauthorized'],
    [new JobServiceError('JOB_NOT_RUNNING', 'finished'), 409, 'urn:sluice:problem:job-not-running'],
  ])('maps %s to %i', (error, status, type) => {
    const problem = problemOf(error, '/api/job/stop');
    expect(problem).toMatchObject({ status, type, detail: error.message, code: error.code, instance: '/api/job/stop' });
    expect(problem.title.length).toBeGreaterThan(0);
  });

  it('keeps HttpExceptions as about:blank problems with their status and message', () => {
    expect(problemOf(new NotFoundException('Cannot GET /x'))).toEqual({
      type: 'about:blank',
      title: 'Not Found',
      status: 404,
      detail: 'Cannot GET /x',
    });
    expect(problemOf(new BadRequestException(['a is bad', 'b is bad'])).detail).toBe('a is bad; b is bad');
  });

  it('hides the details of unexpected errors', () => {
    const problem = problemOf(new TypeError('secret internals'));
    expect(problem).toMatchObject({ status: 500, type: 'about:blank' });
    expect(problem.detail).not.toContain('secret');
  });
});
