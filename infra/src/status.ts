/**
 * `./throughcare status [instance]`: what the supervisor of a running instance started, from its
 * state file (<cache>/run/<instance>.json): each component's pid, whether it is alive, how often
 * it was restarted and how it last exited, and for apps the answer of GET /health.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { paths } from './paths';
import type { ChildExit, StateFile } from './supervisor';
import { httpGet, isAlive } from './util';

export interface ComponentStatus {
  name: string;
  kind: 'infra' | 'app';
  pid: number;
  alive: boolean;
  restarts: number;
  lastExit?: ChildExit;
  port?: number;
  /** Apps: `200 UP`, `503 DOWN (worker)`, `no answer`. */
  health?: string;
}

export interface InstanceStatus {
  instance: string;
  supervisorPid: number;
  supervisorAlive: boolean;
  components: ComponentStatus[];
}

/** Reads the state file; undefined when the instance is not running (no state file). */
export async function instanceStatus(instance: string): Promise<InstanceStatus | undefined> {
  let state: StateFile;
  try {
    state = JSON.parse(fs.readFileSync(path.join(paths.runDir, `${instance}.json`), 'utf8')) as StateFile;
  } catch {
    return undefined;
  }
  const components = await Promise.all(
    state.children.map(async (c): Promise<ComponentStatus> => {
      const alive = isAlive(c.pid);
      return {
        name: c.name,
        kind: c.kind,
        pid: c.pid,
        alive,
        restarts: c.restarts ?? 0,
        lastExit: c.lastExit,
        port: c.port,
        health: c.healthUrl ? await health(c.healthUrl) : undefined,
      };
    }),
  );
  return {
    instance,
    supervisorPid: state.supervisorPid,
    supervisorAlive: isAlive(state.supervisorPid),
    components,
  };
}

async function health(url: string): Promise<string> {
  const res = await httpGet(url, 2000);
  if (!res) return 'no answer';
  try {
    const report = JSON.parse(res.body) as {
      status?: string;
      components?: Record<string, { status?: string }>;
    };
    const down = Object.entries(report.components ?? {})
      .filter(([, c]) => c.status !== 'UP')
      .map(([name]) => name);
    return `${res.status} ${report.status ?? ''}${down.length ? ` (down: ${down.join(', ')})` : ''}`.trim();
  } catch {
    return `${res.status}`;
  }
}

export function formatStatus(s: InstanceStatus): string {
  const exit = (e?: ChildExit) =>
    e ? `${e.signal ? `signal ${e.signal}` : `code ${e.code}`} at ${e.at.slice(11, 19)}` : '-';
  const rows = [
    ['component', 'pid', 'alive', 'restarts', 'last exit', 'health'],
    ...s.components.map((c) => [
      c.name,
      String(c.pid),
      c.alive ? 'yes' : 'NO',
      String(c.restarts),
      exit(c.lastExit),
      c.health ?? (c.port ? `port ${c.port}` : ''),
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return [
    `instance ${s.instance}: supervisor pid ${s.supervisorPid} ${s.supervisorAlive ? 'running' : 'NOT RUNNING'}`,
    ...rows.map(
      (r) =>
        '  ' +
        r
          .map((cell, i) => cell.padEnd(widths[i]!))
          .join('  ')
          .trimEnd(),
    ),
  ].join('\n');
}
