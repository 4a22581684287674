import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { MeetingNotFoundError } from './custody-episode.errors';
import {
  AgencyMeetingCursor,
  type AgencyMeetingPage,
  type AgencyMeetingView,
  type ListAgencyMeetingsQuery,
} from './custody-episode.schemas';
import { toMeetingView } from './custody-episode.view';
import { Meeting } from './meeting.entity';

const toAgencyMeetingView = (m: Meeting): AgencyMeetingView => ({
  ...toMeetingView(m),
  personId: m.personId,
  episode: m.episode,
});

/**
 * The custody visits and pre-release meetings an agency takes part in (issue 9): the meetings the
 * journey booked naming the agency, whatever became of them. The agency filter here is the first
 * wall; the table's `meeting_agency_read` policy (migration 600) is the second.
 */
@Injectable()
export class AgencyMeetingsService {
  constructor(@InjectRepository(Meeting) private readonly meetings: Repository<Meeting>) {}

  /** By meeting day, then booking id; a keyset page. */
  async list(agencyId: string, query: ListAgencyMeetingsQuery): Promise<AgencyMeetingPage> {
    const q = this.meetings
      .createQueryBuilder('m')
      .where('m.agency_id = :agencyId', { agencyId })
      .orderBy('m.meeting_date', 'ASC')
      .addOrderBy('m.id', 'ASC')
      .limit(query.limit + 1);
    if (query.from) q.andWhere('m.meeting_date >= :from', { from: query.from });
    if (query.to) q.andWhere('m.meeting_date <= :to', { to: query.to });
    if (query.personId) q.andWhere('m.person_id = :personId', { personId: query.personId });
    if (query.status === 'CANCELLED') q.andWhere('m.cancelled_at IS NOT NULL');
    if (query.status === 'HELD') q.andWhere('m.cancelled_at IS NULL AND m.held_at IS NOT NULL');
    if (query.status === 'BOOKED') q.andWhere('m.cancelled_at IS NULL AND m.held_at IS NULL');
    if (query.cursor)
      q.andWhere('(m.meeting_date, m.id) > (:afterDate, :afterId)', {
        afterDate: query.cursor.date,
        afterId: query.cursor.id,
      });
    const rows = await q.getMany();
    const { items, nextCursor } = AgencyMeetingCursor.page(rows, query.limit, (last) => ({
      date: last.date,
      id: last.id,
    }));
    return { items: items.map(toAgencyMeetingView), nextCursor };
  }

  /** One meeting of the agency; another agency's, or one naming none, answers as unknown. */
  async get(agencyId: string, bookingId: string): Promise<AgencyMeetingView> {
    const meeting = await this.meetings.findOneBy({ id: bookingId, agencyId });
    if (!meeting) throw new MeetingNotFoundError(bookingId);
    return toAgencyMeetingView(meeting);
  }
}
