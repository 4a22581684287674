import type { AgencyNotification } from './notification.entity';
import type { NotificationView } from './notification.schemas';

export function toNotificationView(notification: AgencyNotification): NotificationView {
  return {
    id: notification.id,
    personId: notification.personId,
    episode: notification.episode,
    agencyId: notification.agencyId,
    subject: notification.subject,
    message: notification.message,
    liberationDate: notification.liberationDate,
    previousLiberationDate: notification.previousLiberationDate,
    establishmentCode: notification.establishmentCode,
    previousEstablishmentCode: notification.previousEstablishmentCode,
    preReleaseMeeting:
      notification.preReleaseMeetingDate && notification.preReleaseMeetingEstablishmentCode
        ? {
            date: notification.preReleaseMeetingDate,
            establishmentCode: notification.preReleaseMeetingEstablishmentCode,
          }
        : null,
    basis: notification.basis
      ? { because: notification.basis, reference: notification.basisReference }
      : null,
    notifiedAt: notification.notifiedAt.toISOString(),
    read:
      notification.readAt && notification.readBy
        ? { readAt: notification.readAt.toISOString(), readBy: notification.readBy }
        : null,
  };
}
