/**
 * Keeps docker-compose.yml, the Dockerfile and infra/compose/* true to the code, without Docker:
 * every app's environment satisfies (and only uses) its zod config schema, ports are the
 * schemas' defaults, commands point at entry files that exist, the search attributes registered
 * with Temporal are the contract's, and NATS runs clustered JetStream with fsync on every write.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import type { z } from 'zod';
import { SearchAttributes } from '@throughcare/contracts';
import { loadConfig } from '@throughcare/platform-config';
import { apps as supervisedApps } from '../src/apps';
import { AssessmentConfigSchema } from '@throughcare/assessment-service';
import { ReferralConfigSchema } from '@throughcare/referral-service';
import { LiberationConfigSchema } from '@throughcare/liberation-service';
import { DirectoryConfigSchema } from '@throughcare/directory-service';
import { IdentityConfigSchema } from '@throughcare/identity-service';
// Not re-exported from the orchestrator's index (the services' indexes do export theirs).
import {
  DEFAULT_MAX_CACHED_WORKFLOWS,
  OrchestratorConfigSchema,
} from '@throughcare/throughcare-orchestrator/src/config';

const repoRoot = path.resolve(__dirname, '..', '..');
const read = (file: string) => fs.readFileSync(path.join(repoRoot, file), 'utf8');

interface Healthcheck {
  test: string[] | string;
}
interface Service {
  image?: string;
  build?: unknown;
  command?: string[] | string;
  entrypoint?: string[] | string;
  environment?: Record<string, string | number | boolean | null>;
  ports?: Array<string | { target: number; published?: string | number }>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: Healthcheck;
  volumes?: Array<string | { source: string; target: string }>;
}
interface ComposeFile {
  version?: unknown;
  services: Record<string, Service>;
}

// `merge: true`: the file shares app settings through YAML merge keys (`<<: *app`), as Compose does.
const compose = parse(read('docker-compose.yml'), { merge: true }) as ComposeFile;
const services = compose.services;

const appSchemas: Record<string, z.ZodObject> = {
  assessment: AssessmentConfigSchema,
  referral: ReferralConfigSchema,
  liberation: LiberationConfigSchema,
  directory: DirectoryConfigSchema,
  orchestrator: OrchestratorConfigSchema,
};
const appNames = Object.keys(appSchemas);

/** Stand-in values for `${NAME}`, `${NAME:?msg}` and `${NAME:-default}` (defaults win). */
const interpolationValues: Record<string, string> = {
  THROUGHCARE_DB_PASSWORD: 'app-password',
  THROUGHCARE_APP_DB_PASSWORD: 'app-role-password',
  TEMPORAL_DB_PASSWORD: 'temporal-password',
  POSTGRES_PASSWORD: 'superuser-password',
  PERSON_ID_SECRET: 'a-test-secret-of-at-least-16-chars',
  IDENTITY_JWKS: '{"keys":[]}',
  IDENTITY_COOKIE_SECRET: 'a-cookie-secret-of-at-least-32-characters',
  IDENTITY_ADMIN_CLIENT_SECRET: 'an-admin-secret-of-at-least-32-characters',
  PAYLOAD_ENCRYPTION_KEYS: `compose-spec:${Buffer.alloc(32, 1).toString('base64')}`,
  PAYLOAD_ENCRYPTION_KEY_ID: 'compose-spec',
  AUDIT_SEAL_KEYS: `compose-seal:${Buffer.alloc(32, 2).toString('base64')}`,
  AUDIT_SEAL_KEY_ID: 'compose-seal',
  JETSTREAM_KEY: 'jscomposespec0123456789abcdef0123',
  DASHBOARD_CLIENT_SECRET: 'compose-spec-dashboard-client-secret-0123456789',
  DIRECTORY_REGISTRAR_SECRET: 'compose-spec-directory-registrar-secret-0123456789',
  DASHBOARD_SESSION_KEY: Buffer.alloc(32, 7).toString('base64url'),
};

function interpolate(value: string): string {
  return value.replace(
    /\$\{([A-Z0-9_]+)(?:(:?[-?])([^}]*))?\}/g,
    (_match, name: string, op?: string, arg?: string) => {
      if (op?.endsWith('-')) return interpolationValues[name] ?? arg ?? '';
      const stand = interpolationValues[name];
      if (stand === undefined) throw new Error(`no stand-in value for \${${name}} in docker-compose.yml`);
      return stand;
    },
  );
}

function environmentOf(name: string): Record<string, string> {
  const env = services[name]?.environment ?? {};
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, interpolate(String(v ?? ''))]));
}

function commandOf(service: Service): string[] {
  const command = service.command ?? [];
  return Array.isArray(command) ? command : command.split(/\s+/);
}

function isRequired(field: z.ZodType): boolean {
  return !field.safeParse(undefined).success;
}

function defaultOf(field: z.ZodType): unknown {
  const parsed = field.safeParse(undefined);
  return parsed.success ? parsed.data : undefined;
}

function containerPorts(service: Service): number[] {
  return (service.ports ?? []).map((p) => (typeof p === 'string' ? Number(p.split(':').pop()) : p.target));
}

function healthcheckText(service: Service): string {
  const test = service.healthcheck?.test ?? [];
  return Array.isArray(test) ? test.join(' ') : test;
}

describe('docker-compose.yml', () => {
  it('is a Compose spec file (no obsolete `version` key) with every app service', () => {
    expect(compose.version).toBeUndefined();
    for (const name of appNames) expect(services[name]).toBeDefined();
  });

  describe.each(appNames)('%s', (name) => {
    const service = services[name]!;
    const schema = appSchemas[name]!;
    const env = environmentOf(name);

    it('sets every variable its config schema requires', () => {
      const required = Object.entries(schema.shape)
        .filter(([, field]) => isRequired(field as z.ZodType))
        .map(([key]) => key);
      expect(required.filter((key) => !(key in env))).toEqual([]);
    });

    it('sets no variable its config schema does not know', () => {
      expect(Object.keys(env).filter((key) => !(key in schema.shape))).toEqual([]);
    });

    it('passes its config schema (loadConfig) with the interpolated values', () => {
      expect(() => loadConfig(schema, env)).not.toThrow();
    });

    it('listens, publishes and is health-checked on the port its schema defaults to', () => {
      const port = defaultOf(schema.shape.PORT as z.ZodType);
      expect(typeof port).toBe('number');
      expect(Number(env.PORT)).toBe(port);
      expect(containerPorts(service)).toEqual([port]);
      expect(healthcheckText(service)).toContain(`http://127.0.0.1:${String(port)}/health`);
    });

    it('runs an entry file that exists, through @swc-node/register, from the one image', () => {
      const command = commandOf(service);
      expect(command.slice(0, 3)).toEqual(['node', '-r', '@swc-node/register']);
      const entry = command[3]!;
      expect(fs.existsSync(path.join(repoRoot, entry))).toBe(true);
      // The same entry `npm start` supervises (infra/src/apps.ts).
      expect(supervisedApps.find((a) => a.name === name)?.entry).toBe(entry);
      expect(service.image).toBe(services.assessment!.image);
    });

    it('starts after Postgres, NATS and the Temporal setup job', () => {
      expect(service.depends_on).toMatchObject({
        postgres: { condition: 'service_healthy' },
        'temporal-setup': { condition: 'service_completed_successfully' },
        'nats-1': { condition: 'service_healthy' },
        'nats-2': { condition: 'service_healthy' },
        'nats-3': { condition: 'service_healthy' },
        identity: { condition: 'service_healthy' },
      });
    });

    it('verifies tokens from the identity service (AUTH_ISSUER is its issuer)', () => {
      expect(env.AUTH_ISSUER).toBe(environmentOf('identity').IDENTITY_ISSUER);
    });

    it('points at the compose services for Postgres, NATS and Temporal', () => {
      expect(new URL(env.DATABASE_URL!).hostname).toBe('postgres');
      expect(new URL(env.DATABASE_URL!).pathname).toBe('/throughcare');
      expect(env.NATS_URL).toMatch(/^nats:\/\/nats-[123]:4222$/);
      expect(env.TEMPORAL_ADDRESS).toBe('temporal:7233');
    });
  });

  it('gives the liberation service and the orchestrator the same PERSON_ID_SECRET, never a literal', () => {
    const raw = (name: string) => String(services[name]?.environment?.PERSON_ID_SECRET);
    expect(raw('liberation')).toMatch(/^\$\{PERSON_ID_SECRET:\?[^}]*\}$/);
    expect(raw('orchestrator')).toBe(raw('liberation'));
  });

  it('gives every app that talks to Temporal the same payload encryption keys, never a literal', () => {
    for (const name of appNames) {
      const raw = services[name]?.environment ?? {};
      expect([name, String(raw.PAYLOAD_ENCRYPTION_KEYS)]).toEqual([
        name,
        expect.stringMatching(/^\$\{PAYLOAD_ENCRYPTION_KEYS:\?[^}]*\}$/),
      ]);
      expect([name, String(raw.PAYLOAD_ENCRYPTION_KEY_ID)]).toEqual([
        name,
        expect.stringMatching(/^\$\{PAYLOAD_ENCRYPTION_KEY_ID:\?[^}]*\}$/),
      ]);
    }
  });

  it('points the Temporal UI at the orchestrator codec, and the codec CORS at the UI', () => {
    const ui = services['temporal-ui']!;
    const uiPort = containerPorts(ui)[0];
    const codec = interpolate(String(ui.environment?.TEMPORAL_CODEC_ENDPOINT));
    expect(codec).toBe(`http://localhost:${String(environmentOf('orchestrator').PORT)}/codec`);
    expect(environmentOf('orchestrator').TEMPORAL_UI_ORIGIN).toBe(`http://localhost:${String(uiPort)}`);
  });

  it("bounds the orchestrator's workflow cache by the default its config derives from the measured footprint", () => {
    const env = environmentOf('orchestrator');
    expect(Number(env.WORKER_MAX_CACHED_WORKFLOWS)).toBe(DEFAULT_MAX_CACHED_WORKFLOWS);
  });

  it('gives the orchestrator the workflow bundle the Dockerfile builds', () => {
    const bundle = environmentOf('orchestrator').WORKFLOW_BUNDLE_PATH;
    expect(bundle).toBe('/app/dist/workflow-bundle.js');
    expect(read('Dockerfile')).toContain(`build-workflow-bundle.js ${bundle!}`);
    // …bundled as the worker bundles at boot: the platform's failure converter (failure messages
    // encoded, then encrypted) and the modules every journey shares (worker/journey-bundle.ts).
    const script = read('infra/compose/build-workflow-bundle.js');
    expect(script).toMatch(/bundleWorkflowCode\(\{ \.\.\.journeyBundleOptions\(\), logger \}\)/);
    expect(script).toContain("require('../../workflows/throughcare/src/worker/journey-bundle')");
  });

  describe('identity (the embedded OpenID Connect provider)', () => {
    const service = services.identity!;
    const env = environmentOf('identity');

    it('sets exactly the variables of its config schema, which it passes', () => {
      const required = Object.entries(IdentityConfigSchema.shape)
        .filter(([, field]) => isRequired(field as z.ZodType))
        .map(([key]) => key);
      for (const key of required) expect(env).toHaveProperty(key);
      expect(Object.keys(env).filter((key) => !(key in IdentityConfigSchema.shape))).toEqual([]);
      expect(() => loadConfig(IdentityConfigSchema, env)).not.toThrow();
    });

    it('runs its entry from the one image, after Postgres, on its default port with a health check', () => {
      const command = commandOf(service);
      expect(command.slice(0, 3)).toEqual(['node', '-r', '@swc-node/register']);
      expect(fs.existsSync(path.join(repoRoot, command[3]!))).toBe(true);
      expect(service.image).toBe(services.assessment!.image);
      expect(service.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
      const port = defaultOf(IdentityConfigSchema.shape.PORT as z.ZodType);
      expect(env.PORT).toBe(String(port));
      expect(containerPorts(service)).toEqual([port]);
      expect(healthcheckText(service)).toContain(`http://127.0.0.1:${port}/health`);
    });
  });

  it('registers exactly the contract’s custom search attributes, in the apps’ namespace', () => {
    const cliType: Record<string, string> = {
      TEXT: 'Text',
      KEYWORD: 'Keyword',
      INT: 'Int',
      DOUBLE: 'Double',
      BOOL: 'Bool',
      DATETIME: 'Datetime',
      KEYWORD_LIST: 'KeywordList',
    };
    const setup = services['temporal-setup']!;
    const script = commandOf(setup).join('\n');
    const registered = [...script.matchAll(/search-attribute create\b[^\n]*?--name (\S+) --type (\S+)/g)].map(
      ([, name, type]) => `${name}=${type}`,
    );
    const expected = Object.values(SearchAttributes).map((key) => `${key.name}=${cliType[key.type]}`);
    expect(registered.sort()).toEqual(expected.sort());
    const namespaces = new Set(appNames.map((name) => environmentOf(name).TEMPORAL_NAMESPACE));
    expect([...namespaces]).toEqual([setup.environment?.NAMESPACE]);
    expect(setup.depends_on).toMatchObject({ temporal: { condition: 'service_healthy' } });
  });

  it('creates the app database and Temporal’s databases', () => {
    const init = read('infra/compose/postgres/init-databases.sh');
    for (const db of ['throughcare', 'temporal', 'temporal_visibility']) {
      expect(init).toMatch(new RegExp(`CREATE DATABASE ${db} OWNER`));
    }
    const postgres = services.postgres!;
    expect(postgres.image).toMatch(/^postgres:18(\.\d+)?$/);
    expect(postgres.volumes).toContain(
      './infra/compose/postgres/init-databases.sh:/docker-entrypoint-initdb.d/10-init-databases.sh:ro',
    );
    // Postgres 18 images: data lives under /var/lib/postgresql/18/docker; mount the parent.
    expect(postgres.volumes).toContain('postgres-data:/var/lib/postgresql');
  });

  it('pins every image to a version', () => {
    for (const [name, service] of Object.entries(services)) {
      if (service.build) continue;
      expect({ name, image: service.image }).toEqual({
        name,
        image: expect.stringMatching(/:\d+\.\d+(\.\d+)?(-[a-z0-9.]+)?$/),
      });
    }
  });
});

describe('NATS cluster (infra/compose/nats/*.conf)', () => {
  const nodes = ['nats-1', 'nats-2', 'nats-3'];

  it.each(nodes)(
    '%s: JetStream with sync_interval always, encrypted at rest, routes to all three nodes',
    (node) => {
      const service = services[node]!;
      expect(service.image).toMatch(/^nats:2\.(1\d|[2-9]\d)\./); // >= 2.10: sync_interval
      const mount = (service.volumes ?? []).find(
        (v) => typeof v === 'string' && v.endsWith(':/etc/nats/nats.conf:ro'),
      );
      expect(mount).toBe(`./infra/compose/nats/${node}.conf:/etc/nats/nats.conf:ro`);
      expect(commandOf(service)).toEqual(['nats-server', '--config', '/etc/nats/nats.conf']);
      const conf = read(`infra/compose/nats/${node}.conf`).replace(/#.*$/gm, '');
      expect(conf).toMatch(new RegExp(`server_name:\\s*${node}\\s`));
      const jetstream = /jetstream\s*\{([^}]*)\}/.exec(conf)?.[1] ?? '';
      expect(jetstream).toMatch(/sync_interval:\s*always\b/);
      expect(jetstream).toMatch(/store_dir:\s*\/data\//);
      // Encrypted at rest, the key from the node's environment, which compose fills from .env only.
      expect(jetstream).toMatch(/cipher:\s*(chachapoly|aes)\b/);
      expect(jetstream).toMatch(/\bkey:\s*\$JETSTREAM_KEY\s/);
      expect(String(service.environment?.JETSTREAM_KEY)).toMatch(/^\$\{JETSTREAM_KEY:\?[^}]*\}$/);
      const cluster = /cluster\s*\{([\s\S]*)\}/.exec(conf)?.[1] ?? '';
      for (const peer of nodes) expect(cluster).toContain(`nats-route://${peer}:6222`);
      expect(healthcheckText(service)).toContain('/healthz');
    },
  );
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');

  it('copies every workspace package.json before `npm ci` (layer caching, workspace links)', () => {
    const rootPackage = JSON.parse(read('package.json')) as { workspaces: string[] };
    const workspaceDirs = rootPackage.workspaces.flatMap((pattern) => {
      if (!pattern.endsWith('/*')) return [pattern];
      const parent = pattern.slice(0, -2);
      return fs
        .readdirSync(path.join(repoRoot, parent), { withFileTypes: true })
        .filter((d) => d.isDirectory() && fs.existsSync(path.join(repoRoot, parent, d.name, 'package.json')))
        .map((d) => `${parent}/${d.name}`);
    });
    const beforeInstall = dockerfile.slice(0, dockerfile.indexOf('npm ci'));
    for (const dir of workspaceDirs) expect(beforeInstall).toContain(`COPY ${dir}/package.json ${dir}/`);
    expect(beforeInstall).toContain('COPY package.json package-lock.json ./');
  });

  it('installs with npm 11 (allowScripts), runs as `node`, and points SWC at the tsconfig', () => {
    expect(dockerfile).toMatch(/npm install --global npm@11\./);
    expect(dockerfile).toMatch(/^FROM node:20-bookworm-slim|ARG NODE_IMAGE=node:20-bookworm-slim/m);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toContain('SWC_NODE_PROJECT=/app/tsconfig.json');
    expect(fs.existsSync(path.join(repoRoot, 'tsconfig.json'))).toBe(true);
  });
});
