import { ApplicationFailure } from '@temporalio/common';
import { DomainError, NotFoundError } from '@throughcare/platform-errors';
import { toApplicationFailure, withApplicationFailures } from './application-failure';

describe('toApplicationFailure', () => {
  it('carries the stable code as a non-retryable failure type', () => {
    const failure = toApplicationFailure(
      new NotFoundError('no CJSW agency for S12000036', 'AGENCY_NOT_FOUND'),
    );
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({
      type: 'AGENCY_NOT_FOUND',
      nonRetryable: true,
      message: 'no CJSW agency for S12000036',
    });
  });

  it('keeps a domain error marked retryable retryable', () => {
    const failure = toApplicationFailure(
      new DomainError('AGENCY_BUSY', 'RULE_VIOLATED', 'busy', { retryable: true }),
    );
    expect(failure).toMatchObject({ type: 'AGENCY_BUSY', nonRetryable: false });
  });

  it('leaves unexpected errors alone so the retry policy applies', () => {
    const error = new Error('connection reset');
    expect(toApplicationFailure(error)).toBe(error);
  });

  it('wraps every activity of an object', async () => {
    const activities = withApplicationFailures({
      findThing: async (id: string) => {
        throw new NotFoundError(`no thing ${id}`, 'THING_NOT_FOUND');
      },
    });
    await expect(activities.findThing('x')).rejects.toMatchObject({
      type: 'THING_NOT_FOUND',
      nonRetryable: true,
    });
  });
});
