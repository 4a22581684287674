import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { QueryFailedError, Repository } from 'typeorm';
import type { AgencyKind } from '@throughcare/contracts';
import { Agency } from './agency.entity';
import { AgencyAlreadyExistsError, AgencyNotFoundError, InvalidCursorError } from './agency.errors';
import type { AgencyPage, AgencyView, CreateAgencyBody, ListAgenciesQuery } from './agency.schemas';

interface Cursor {
  name: string;
  id: string;
}

const UNIQUE_VIOLATION = '23505';

@Injectable()
export class AgenciesService {
  constructor(@InjectRepository(Agency) private readonly agencies: Repository<Agency>) {}

  /** Keyset pagination on (name, id): stable under inserts, no OFFSET scans. */
  async list(query: ListAgenciesQuery): Promise<AgencyPage> {
    const qb = this.agencies
      .createQueryBuilder('a')
      .orderBy('a.name', 'ASC')
      .addOrderBy('a.id', 'ASC')
      .take(query.limit + 1);
    if (query.localAuthority) qb.andWhere('a.local_authority = :la', { la: query.localAuthority });
    if (query.kind) qb.andWhere('a.kind = :kind', { kind: query.kind });
    if (query.cursor) {
      const after = decodeCursor(query.cursor);
      qb.andWhere('(a.name, a.id) > (:name, :id)', after);
    }
    const rows = await qb.getMany();
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return {
      items: page.map(toView),
      nextCursor: rows.length > query.limit && last ? encodeCursor({ name: last.name, id: last.id }) : null,
    };
  }

  async get(id: string): Promise<AgencyView> {
    const agency = await this.agencies.findOneBy({ id });
    if (!agency) throw AgencyNotFoundError.byId(id);
    return toView(agency);
  }

  /** The agency of `kind` serving an area; first by name when several do. */
  async findServing(kind: AgencyKind, localAuthority: string): Promise<AgencyView> {
    const agency = await this.agencies.findOne({
      where: { kind, localAuthority },
      order: { name: 'ASC', id: 'ASC' },
    });
    if (!agency) throw AgencyNotFoundError.serving(kind, localAuthority);
    return toView(agency);
  }

  async create(body: CreateAgencyBody, createdBy: string): Promise<AgencyView> {
    try {
      const agency = this.agencies.create({ id: randomUUID(), ...body, createdBy });
      return toView(await this.agencies.save(agency));
    } catch (error) {
      if (
        error instanceof QueryFailedError &&
        (error.driverError as { code?: string }).code === UNIQUE_VIOLATION
      ) {
        throw new AgencyAlreadyExistsError(body.name, body.localAuthority);
      }
      throw error;
    }
  }
}

function toView(agency: Agency): AgencyView {
  return {
    id: agency.id,
    name: agency.name,
    kind: agency.kind,
    localAuthority: agency.localAuthority,
    contactPoint: agency.contactPoint,
    createdAt: agency.createdAt.toISOString(),
    createdBy: agency.createdBy,
  };
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.name, cursor.id])).toString('base64url');
}

function decodeCursor(raw: string): Cursor {
  try {
    const value: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === 'string' &&
      typeof value[1] === 'string'
    ) {
      return { name: value[0], id: value[1] };
    }
  } catch {
    // fall through: a cursor we did not issue
  }
  throw new InvalidCursorError();
}
