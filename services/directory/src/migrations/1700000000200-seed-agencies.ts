import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The 32 Scottish councils (GSS S12 codes) whose justice social work services take throughcare referrals. */
const scottishCouncils: Array<[gss: string, council: string]> = [
  ['S12000005', 'Clackmannanshire Council'],
  ['S12000006', 'Dumfries and Galloway Council'],
  ['S12000008', 'East Ayrshire Council'],
  ['S12000010', 'East Lothian Council'],
  ['S12000011', 'East Renfrewshire Council'],
  ['S12000013', 'Comhairle nan Eilean Siar'],
  ['S12000014', 'Falkirk Council'],
  ['S12000017', 'The Highland Council'],
  ['S12000018', 'Inverclyde Council'],
  ['S12000019', 'Midlothian Council'],
  ['S12000020', 'Moray Council'],
  ['S12000021', 'North Ayrshire Council'],
  ['S12000023', 'Orkney Islands Council'],
  ['S12000026', 'Scottish Borders Council'],
  ['S12000027', 'Shetland Islands Council'],
  ['S12000028', 'South Ayrshire Council'],
  ['S12000029', 'South Lanarkshire Council'],
  ['S12000030', 'Stirling Council'],
  ['S12000033', 'Aberdeen City Council'],
  ['S12000034', 'Aberdeenshire Council'],
  ['S12000035', 'Argyll and Bute Council'],
  ['S12000036', 'City of Edinburgh Council'],
  ['S12000038', 'Renfrewshire Council'],
  ['S12000039', 'West Dunbartonshire Council'],
  ['S12000040', 'West Lothian Council'],
  ['S12000041', 'Angus Council'],
  ['S12000042', 'Dundee City Council'],
  ['S12000045', 'East Dunbartonshire Council'],
  ['S12000047', 'Fife Council'],
  ['S12000048', 'Perth and Kinross Council'],
  ['S12000049', 'Glasgow City Council'],
  ['S12000050', 'North Lanarkshire Council'],
];

/**
 * Probation Service regions in England. They serve regions, not single councils, so they are
 * keyed by the ONS region code (E12…), which the GSS pattern accepts.
 */
const probationRegions: Array<[gss: string, region: string]> = [
  ['E12000001', 'North East'],
  ['E12000002', 'North West'],
  ['E12000003', 'Yorkshire and the Humber'],
  ['E12000005', 'West Midlands'],
  ['E12000007', 'London'],
];

const SEEDED_BY = 'seed:directory';

/** Ids are name-based (UUIDv3-shaped md5 of kind + area): every environment and test sees the same ids. */
export class SeedAgencies1700000000200 implements MigrationInterface {
  readonly name = 'SeedAgencies1700000000200';

  async up(queryRunner: QueryRunner): Promise<void> {
    const rows = [
      ...scottishCouncils.map(([gss, council]) => ({
        kind: 'CJSW',
        gss,
        name: `${council} Justice Social Work`,
        contact: 'Justice Social Work duty team',
      })),
      ...probationRegions.map(([gss, region]) => ({
        kind: 'PROBATION',
        gss,
        name: `Probation Service ${region}`,
        contact: 'Probation duty team',
      })),
    ];
    for (const row of rows) {
      await queryRunner.query(
        `INSERT INTO "directory"."agency" (id, name, kind, local_authority, contact_point, created_by)
         VALUES (overlay(overlay(md5($1 || ':' || $2) placing '3' from 13) placing '8' from 17)::uuid, $3, $1, $2, $4, $5)`,
        [row.kind, row.gss, row.name, row.contact, SEEDED_BY],
      );
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM "directory"."agency" WHERE created_by = $1`, [SEEDED_BY]);
  }
}
