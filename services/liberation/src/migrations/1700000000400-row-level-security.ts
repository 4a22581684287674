import type { MigrationInterface, QueryRunner } from 'typeorm';
import { protectTableSql, rls, unprotectTableSql } from '@throughcare/platform-persistence';

/** Every table of the custody record: the episode and what was recorded against it. */
export const LIBERATION_PROTECTED_TABLES = [
  'custody_episode',
  'release_date_change',
  'gate_pickup',
  'meeting',
  'movement',
] as const;

/**
 * Issue 8, the second wall: row-level security, enabled and forced, on every custody table.
 * A prison's staff see an episode (and everything recorded against it) when one of their
 * establishments has been involved in it: received the person, released them, or sent or
 * received them on a transfer. The service's own rule (`whereHeld`: where the person is now, or
 * was released from) is narrower and stays the first wall; this one holds even if a query of the
 * service forgets it. The platform's own work (bus consumer, activities, migrations) runs with
 * `throughcare.unrestricted = on`; no scope at all shows nothing.
 *
 * `episode_establishments` reads the episode and its movements as the platform (its SET clause):
 * a policy that queried the movement table directly would recurse through movement's own policy.
 */
export class RowLevelSecurity1700000000400 implements MigrationInterface {
  readonly name = 'RowLevelSecurity1700000000400';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION "liberation"."episode_establishments"(p_person_id text, p_episode integer)
      RETURNS text[] LANGUAGE sql STABLE SECURITY DEFINER
      SET search_path = pg_catalog, pg_temp
      SET throughcare.unrestricted = 'on'
      AS $$
        SELECT array_remove(ARRAY[e.establishment_code, e.release_establishment_code], NULL)
               || coalesce((SELECT array_agg(x) FROM "liberation"."movement" m,
                              LATERAL (VALUES (m.from_establishment_code), (m.to_establishment_code)) AS v(x)
                             WHERE m.person_id = p_person_id AND m.episode = p_episode AND x IS NOT NULL),
                           '{}'::text[])
          FROM "liberation"."custody_episode" e
         WHERE e.person_id = p_person_id AND e.episode = p_episode
      $$`);
    await queryRunner.query(
      `REVOKE ALL ON FUNCTION "liberation"."episode_establishments"(text, integer) FROM PUBLIC`,
    );
    for (const sql of protectTableSql(
      `"liberation"."custody_episode"`,
      'custody_episode_scope',
      `(ARRAY[establishment_code, release_establishment_code]
         || "liberation"."episode_establishments"(person_id, episode)) && ${rls.establishments}`,
    ))
      await queryRunner.query(sql);
    for (const table of LIBERATION_PROTECTED_TABLES.filter((t) => t !== 'custody_episode')) {
      for (const sql of protectTableSql(
        `"liberation"."${table}"`,
        `${table}_scope`,
        `"liberation"."episode_establishments"(person_id, episode) && ${rls.establishments}`,
      ))
        await queryRunner.query(sql);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of LIBERATION_PROTECTED_TABLES)
      for (const sql of unprotectTableSql(`"liberation"."${table}"`, `${table}_scope`))
        await queryRunner.query(sql);
    await queryRunner.query(`DROP FUNCTION "liberation"."episode_establishments"(text, integer)`);
  }
}
