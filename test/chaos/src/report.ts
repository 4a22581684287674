import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as Prettier from 'prettier';
import { nativeRequire } from '../../../infra/src/util';
import type { Finding } from './reconcile';
import type { SoakReport } from './soak';

const FINDINGS = ['lost', 'missing', 'duplicated', 'unexpected', 'stuck', 'failed', 'attentionOpen'] as const;

/** One line per kind of finding, e.g. `lost 0, missing 0, duplicated 0, …`. */
export function summaryLine(r: SoakReport): string {
  const c = r.reconciliation;
  return (
    `${r.result}: ${r.journeys.attempted} journeys (${r.journeys.receptionsAcknowledged} receptions acknowledged), ` +
    `${r.killLog.length} kills; ` +
    FINDINGS.map((k) => `${k} ${c[k].length}`).join(', ')
  );
}

function findings(title: string, list: Finding[]): string[] {
  if (list.length === 0) return [];
  return [
    `### ${title} (${list.length})`,
    '',
    ...list.slice(0, 25).map((f) => `- ${f.prisonNumber} ${f.personId} (${f.via}): ${f.what}`),
    ...(list.length > 25 ? [`- … and ${list.length - 25} more (see the JSON report)`] : []),
    '',
  ];
}

const table = (head: string[], rows: (string | number)[][]) => [
  `| ${head.join(' | ')} |`,
  `| ${head.map(() => '---').join(' | ')} |`,
  ...rows.map((r) => `| ${r.join(' | ')} |`),
];

export function markdown(r: SoakReport): string {
  const c = r.reconciliation;
  const components = Object.keys(r.kills);
  return [
    `# ${r.options.kills === false ? 'Memory soak' : 'Crash soak'}, ${r.startedAt.slice(0, 10)}: ${r.result}`,
    '',
    `${summaryLine(r)}.`,
    '',
    `Run ${r.startedAt} for ${r.durationS} s on ${r.machine.cpus} × ${r.machine.cpuModel}, ${r.machine.memoryGiB} GiB, ` +
      `Node ${r.machine.node}, ${r.machine.platform}. ${r.options.journeys} journeys asked, ${r.options.concurrency} in flight, ` +
      `${r.options.kills === false ? 'no kills (memory soak)' : `a SIGKILL every ${r.options.killMeanMs / 1000} ± ${r.options.killJitterMs / 1000} s`}` +
      `${(r.options.fullEvery ?? 1) > 1 ? `; one journey in ${r.options.fullEvery} driven through the whole script, the others held open at their core screen` : ''}. ` +
      `Phases: platform start ${r.phases.startS} s, ` +
      `driving ${r.phases.driveS} s, quiet period ${r.phases.quietS} s (components healthy after ${r.phases.settleS} s; ` +
      `${r.reconciliations} reconciliation(s), the last took ${r.phases.reconcileS} s).`,
    '',
    `Code: ${r.code.commit}${
      r.code.uncommitted.length
        ? `, with ${r.code.uncommitted.length} uncommitted file(s) under services/, workflows/, libs/ (${r.code.uncommitted
            .slice(0, 8)
            .map((f) => `\`${f.slice(3)}\``)
            .join(', ')}${r.code.uncommitted.length > 8 ? ', …' : ''})`
        : ''
    }.`,
    '',
    '## Journeys and requests',
    '',
    `${r.journeys.attempted} journeys attempted (${r.journeys.byHttp} by HTTP, ${r.journeys.byBus} by the bus), ` +
      `${r.journeys.stalled} not driven to the end of their script before the drive deadline. ` +
      `${r.requests.acknowledged} of ${r.requests.attempted} requests acknowledged (2xx or JetStream publish ack).`,
    '',
    ...table(
      ['step', 'journeys', 'attempts', 'acknowledged'],
      Object.entries(r.requests.byStep).map(([s, v]) => [s, v.journeys, v.attempts, v.acknowledged]),
    ),
    '',
    '## Kills, restarts, peak memory',
    '',
    ...table(
      ['component', 'SIGKILLs', 'restarts', 'peak memory (MiB)'],
      [
        ...components.map((k) => [k, r.kills[k] ?? 0, r.restarts[k] ?? 0, r.peakRssMiB[k] ?? '']),
        ['soak harness', '', '', r.peakRssMiB['soak harness'] ?? ''],
      ],
    ),
    '',
    'Peak memory is sampled every 5 s over each process tree (Postgres: the postmaster and its backends), as ' +
      'the sum of proportional set sizes (Pss), so that memory shared between processes counts once.',
    '',
    '## Reconciliation',
    '',
    ...table(
      ['check', 'count'],
      [
        ['acknowledged requests lost (reception acknowledged, no journey)', c.lost.length],
        ['events or effects missing at a consumer', c.missing.length],
        ['duplicated effects or events', c.duplicated.length],
        ['unexpected effects (breach, booking, notice no fact asked for)', c.unexpected.length],
        ['journeys stuck (stage, waiting-on, still acting)', c.stuck.length],
        ['journeys failed (workflow failed/terminated)', c.failed.length],
        ['attention items open', c.attentionOpen.length],
        ['journeys reset by the journey repair (the SDK defect; not a failure)', c.repairs.reset.length],
        ['journey repairs still under way', c.repairs.underway.length],
        ['journey repairs refused or incomplete', c.repairs.failed.length],
      ],
    ),
    '',
    `Journeys by stage: ${Object.entries(c.stages)
      .map(([s, n]) => `${s} ${n}`)
      .join(', ')}. Events in the stream: ${c.eventsInStream}. Unpublished outbox rows: ${
      Object.entries(c.unpublishedOutbox)
        .map(([s, n]) => `${s} ${n}`)
        .join(', ') || 'none'
    }. Dead letters: ${
      Object.entries(c.deadLetters)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ') || 'none'
    }.`,
    '',
    'Effects counted over all journeys:',
    '',
    ...table(
      ['effect', 'total'],
      Object.entries(c.effectTotals)
        .sort()
        .map(([k, n]) => [`\`${k}\``, n]),
    ),
    '',
    ...findings('Lost', c.lost),
    ...findings('Missing', c.missing),
    ...findings('Duplicated', c.duplicated),
    ...findings('Unexpected', c.unexpected),
    ...findings('Stuck', c.stuck),
    ...findings('Failed', c.failed),
    ...findings('Attention items open', c.attentionOpen),
    ...findings('Reset by the journey repair', c.repairs.reset),
    ...findings('Journey repairs under way', c.repairs.underway),
    ...findings('Journey repairs refused or incomplete', c.repairs.failed),
    ...(r.stalledExamples.length
      ? ['### Journeys not driven to the end (examples)', '', ...r.stalledExamples.map((s) => `- ${s}`), '']
      : []),
    '## Kill log',
    '',
    r.killLog.map((k) => `${k.atS} s ${k.component}`).join('; ') + '.',
    '',
  ].join('\n');
}

/**
 * Writes `<dir>/<name>.json` and `<dir>/<name>.md`, formatted as the repository's Prettier
 * settings want them (a committed report passes `./throughcare lint`); returns their paths.
 */
export async function writeReport(r: SoakReport, dir: string, name: string): Promise<string[]> {
  fs.mkdirSync(dir, { recursive: true });
  const files: [string, string][] = [
    [path.join(dir, `${name}.json`), JSON.stringify(r, null, 2)],
    [path.join(dir, `${name}.md`), markdown(r)],
  ];
  // Node's own require: prettier loads its plugins with import(), which Jest's module registry refuses.
  const prettier = nativeRequire('prettier') as typeof Prettier;
  for (const [file, text] of files) {
    const options = (await prettier.resolveConfig(file)) ?? {};
    fs.writeFileSync(file, await prettier.format(text, { ...options, filepath: file }));
  }
  return files.map(([file]) => file);
}
