import { NotFoundError } from '@throughcare/platform-errors';

/** Also what another agency's notification answers: out of scope does not exist for the caller. */
export class NotificationNotFoundError extends NotFoundError {
  constructor(id: string) {
    super(`no notification with id ${id}`, 'NOTIFICATION_NOT_FOUND');
  }
}
