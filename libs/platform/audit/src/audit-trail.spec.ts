import { NotFoundException } from '@nestjs/common';
import { NotFoundError } from '@throughcare/platform-errors';
import { auditReasonOf } from './audit-trail';

describe('auditReasonOf', () => {
  it("is the error's code, with its audit-only reason when it has one", () => {
    expect(auditReasonOf(new NotFoundError('gone', 'EPISODE_NOT_FOUND'))).toBe('EPISODE_NOT_FOUND');
    expect(
      auditReasonOf(new NotFoundError('gone', 'EPISODE_NOT_FOUND', { auditReason: 'CONSENT_NONE' })),
    ).toBe('EPISODE_NOT_FOUND: CONSENT_NONE');
    expect(auditReasonOf(new NotFoundException())).toBe('NOT_FOUND');
    expect(auditReasonOf(new Error('boom'))).toBe('INTERNAL_ERROR');
  });
});
