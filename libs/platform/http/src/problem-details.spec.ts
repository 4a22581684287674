import { ConflictError, ValidationFailedError } from '@throughcare/platform-errors';
import { toProblemDetails } from './problem-details';

describe('toProblemDetails', () => {
  it("adds a domain error's extension members, never letting one shadow a standard member", () => {
    const error = new ConflictError('ACCEPT is not allowed here', 'TRANSITION_NOT_ALLOWED', {
      details: { internal: 'kept for logs and Temporal, not for the caller' },
      extensions: { allowedActions: ['ACKNOWLEDGE'], status: 500, code: 'OTHER', errors: [], title: 'x' },
    });

    expect(toProblemDetails(error, '/referrals/1/outcome')).toEqual({
      allowedActions: ['ACKNOWLEDGE'],
      type: 'urn:throughcare:problem:transition-not-allowed',
      title: 'Conflict',
      status: 409,
      detail: 'ACCEPT is not allowed here',
      instance: '/referrals/1/outcome',
      code: 'TRANSITION_NOT_ALLOWED',
    });
  });

  it('keeps a validation failure as it was: its field errors, no extensions', () => {
    const error = new ValidationFailedError('invalid body', [{ field: 'reason', message: 'required' }]);

    expect(toProblemDetails(error)).toEqual({
      type: 'urn:throughcare:problem:validation-failed',
      title: 'Bad Request',
      status: 400,
      detail: 'invalid body',
      instance: undefined,
      code: 'VALIDATION_FAILED',
      errors: [{ field: 'reason', message: 'required' }],
    });
  });
});
