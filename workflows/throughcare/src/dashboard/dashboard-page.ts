import { Pathway, Stages } from '@throughcare/contracts';
import { FunnelSteps, ReleaseType, type FunnelCase } from '../oversight/funnel.schemas';
import type { LedgerClock } from '../oversight/ledger.schemas';
import type { DashboardCasesQuery, DashboardQuery, DashboardView } from './dashboard.schemas';

// The managers' dashboard as HTML (issue 11): GOV.UK-like conventions (a filter form whose state
// is the URL, tables as the accessible form of every chart, plain links to drill down, visible
// focus, nothing told by colour alone). The charts are drawn in the browser by assets/dashboard.js
// (Chart.js, served by the orchestrator) from GET /dashboard/data; this file renders the rest.

export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
/** The inverse of escapeHtml (its numeric references only). */
export const unescapeHtml = (s: string) =>
  s.replace(/&#(\d+);/g, (_m, code: string) => String.fromCharCode(Number(code)));

const FILTER_KEYS = ['from', 'to', 'establishment', 'localAuthority', 'pathway', 'releaseType'] as const;

/** A dashboard URL: these filters, plus `extra`. */
export function dashboardHref(
  path: string,
  filters: DashboardQuery,
  extra: Record<string, string> = {},
): string {
  const params = new URLSearchParams();
  for (const key of FILTER_KEYS) {
    const value = filters[key];
    if (value) params.set(key, value);
  }
  for (const [k, v] of Object.entries(extra)) params.set(k, v);
  const query = params.toString();
  return query ? `${path}?${query}` : path;
}

/**
 * The days of a `YYYY-MM` month within the page's period (a month's figure counts only those: its
 * drill-down must list the same).
 */
export function monthRange(
  month: string,
  period: { from?: string; to?: string } = {},
): { from: string; to: string } {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  const from = `${month}-01`;
  const to = `${month}-${String(last).padStart(2, '0')}`;
  return {
    from: period.from && period.from > from ? period.from : from,
    to: period.to && period.to < to ? period.to : to,
  };
}

const humanStep = (step: string) => step.charAt(0) + step.slice(1).toLowerCase().replaceAll('_', ' ');
const percent = (v: number | null) => (v === null ? '–' : `${Math.round(v * 1000) / 10}%`);

const STYLE = `
body{font-family:Arial,Helvetica,sans-serif;margin:0;color:#0b0c0c;line-height:1.4}
header{background:#0b0c0c;color:#fff;padding:.8rem 2rem}header a{color:#fff}
main{padding:1rem 2rem;max-width:72rem}
h1{font-size:2rem;margin:.5rem 0}h2{font-size:1.5rem;margin:2rem 0 .5rem;border-top:2px solid #b1b4b6;padding-top:1rem}
a{color:#1d70b8}a:visited{color:#4c2c92}
a:focus,button:focus,select:focus,input:focus{outline:3px solid #ffdd00;outline-offset:0;background:#ffdd00;color:#0b0c0c;box-shadow:0 4px #0b0c0c}
form.filters{display:flex;flex-wrap:wrap;gap:1rem;align-items:flex-end;background:#f3f2f1;padding:1rem}
form.filters label{display:block;font-weight:bold;margin-bottom:.2rem}
form.filters input,form.filters select{font-size:1rem;padding:.3rem;border:2px solid #0b0c0c;min-width:9rem}
button{font-size:1rem;padding:.5rem 1rem;background:#00703c;color:#fff;border:0;box-shadow:0 2px #002d18;cursor:pointer}
table{border-collapse:collapse;margin:.5rem 0 1.5rem;min-width:30rem}
caption{text-align:left;font-weight:bold;padding:.3rem 0}
td,th{border-bottom:1px solid #b1b4b6;padding:.4rem .8rem .4rem 0;text-align:left;vertical-align:top}
td.n,th.n{text-align:right}
figure{margin:0 0 1rem}.chart{position:relative;height:320px;max-width:60rem}
.chart-status{color:#505a5f;font-size:.9rem}
.hint{color:#505a5f}
.skip-link{position:absolute;left:-9999px}.skip-link:focus{left:1rem;top:.5rem;z-index:10}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
.error-summary{border:5px solid #d4351c;padding:1rem;margin:1rem 0}.error-summary h2{border:0;margin:0 0 .5rem;padding:0}
.error-summary a{color:#d4351c;font-weight:bold}.has-error{border-left:5px solid #d4351c;padding-left:.6rem}
.error-message{color:#d4351c;font-weight:bold;margin:.2rem 0}`;

function layout(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} – Throughcare</title><style>${STYLE}</style></head>
<body><a class="skip-link" href="#main">Skip to main content</a><header><strong>Throughcare</strong> · <a href="/dashboard">Dashboard</a> · <a href="/dashboard/sign-out">Sign out</a></header>
<main id="main">${body}</main></body></html>`;
}

/** A field's error message (GOV.UK: above the control, prefixed for screen readers, linked by aria-describedby). */
function fieldError(name: string, error: string | undefined): { html: string; describedBy: string } {
  return error
    ? {
        html: `<p id="${name}-error" class="error-message"><span class="visually-hidden">Error:</span> ${escapeHtml(error)}</p>`,
        describedBy: ` aria-describedby="${name}-error"`,
      }
    : { html: '', describedBy: '' };
}
function select(
  name: string,
  label: string,
  values: readonly string[],
  current: string | undefined,
  error?: string,
): string {
  const options = ['', ...values]
    .map(
      (v) =>
        `<option value="${escapeHtml(v)}"${v === (current ?? '') ? ' selected' : ''}>${v ? escapeHtml(v) : 'All'}</option>`,
    )
    .join('');
  const e = fieldError(name, error);
  return `<div${error ? ' class="has-error"' : ''}><label for="${name}">${label}</label>${e.html}<select id="${name}" name="${name}"${e.describedBy}>${options}</select></div>`;
}
function input(
  name: string,
  label: string,
  current: string | undefined,
  attrs: string,
  error?: string,
): string {
  const e = fieldError(name, error);
  return `<div${error ? ' class="has-error"' : ''}><label for="${name}">${label}</label>${e.html}<input id="${name}" name="${name}" value="${escapeHtml(current ?? '')}" ${attrs}${e.describedBy}></div>`;
}

/**
 * The filter form (GET: its state is the URL). `novalidate`: the server checks, and a mistake comes
 * back as an error summary with the values kept, not as a browser bubble.
 */
function filterForm(
  values: Partial<Record<string, string>>,
  errors: Partial<Record<string, string>> = {},
): string {
  return `<form id="filters" class="filters" method="get" action="/dashboard" aria-label="Filters" novalidate>
${input('from', 'From (YYYY-MM-DD)', values['from'], 'autocomplete="off" spellcheck="false"', errors['from'])}
${input('to', 'To (YYYY-MM-DD)', values['to'], 'autocomplete="off" spellcheck="false"', errors['to'])}
${input('establishment', 'Establishment (e.g. BAR)', values['establishment'], 'autocomplete="off" spellcheck="false"', errors['establishment'])}
${input('localAuthority', 'Local authority (GSS code)', values['localAuthority'], 'autocomplete="off" spellcheck="false"', errors['localAuthority'])}
${select('pathway', 'Pathway', Pathway.options, values['pathway'], errors['pathway'])}
${select('releaseType', 'Release type', ReleaseType.options, values['releaseType'], errors['releaseType'])}
<div><button type="submit">Apply filters</button></div>
</form>`;
}

const FIELD_LABELS: Record<string, string> = {
  from: 'From',
  to: 'To',
  establishment: 'Establishment',
  localAuthority: 'Local authority',
  pathway: 'Pathway',
  releaseType: 'Release type',
};
/** A filter's problem in words for the error summary (GOV.UK: say what to do). */
export function dashboardMessage(issue: {
  path: readonly PropertyKey[];
  message: string;
  code?: string;
}): string {
  const field = String(issue.path[0] ?? '');
  const label = FIELD_LABELS[field];
  if (!label) return `Remove ${field || 'the unknown filter'}: the dashboard has no such filter`;
  if (field === 'from' && /after/.test(issue.message)) return 'From must be the same as or before To';
  if (field === 'from' || field === 'to')
    return `${label} must be a real date written as YYYY-MM-DD, for example 2026-12-01`;
  if (field === 'establishment') return 'Establishment must be a three-letter code, for example BAR';
  if (field === 'localAuthority') return 'Local authority must be a GSS code, for example S12000036';
  return `Select a ${label.toLowerCase()} from the list`;
}

/**
 * The page when the filters are not valid (400): the GOV.UK error summary, each message linking to
 * its field, the form with what was typed, and no figures.
 */
export function renderDashboardErrors(
  values: Partial<Record<string, string>>,
  errors: { field: string; message: string }[],
): string {
  const byField = Object.fromEntries(errors.map((e) => [e.field, e.message]));
  const summary = errors
    .map((e) => `<li><a href="#${escapeHtml(e.field)}">${escapeHtml(e.message)}</a></li>`)
    .join('');
  return layout(
    'Error: dashboard',
    `<div class="error-summary" role="alert" tabindex="-1" autofocus><h2>There is a problem</h2><ul>${summary}</ul></div>
<h1>Throughcare dashboard</h1>
${filterForm(values, byField)}`,
  );
}

/** A chart's figure: the canvas (drawn by dashboard.js), what it shows in words, its status line. */
function chart(id: string, caption: string): string {
  return `<figure data-chart="${id}" data-state="pending"><div class="chart"><canvas id="${id}" role="img" aria-label="${escapeHtml(caption)}: the table below has the same figures"></canvas></div>
<figcaption>${escapeHtml(caption)}</figcaption><p class="chart-status" role="status">Drawing the chart…</p></figure>`;
}

export function renderDashboard(view: DashboardView): string {
  const f = view.filters;
  const breachedLink = (extra: Record<string, string>, text: string) =>
    `<a href="${escapeHtml(dashboardHref('/dashboard/cases', f, { view: 'clocks', status: 'BREACHED,MET_LATE', ...extra }))}">${text}</a>`;
  const agencyRows =
    view.ledger.byAgency
      .map(
        (r) =>
          `<tr><th scope="row">${escapeHtml(r.group ?? '')}</th><td class="n">${breachedLink({ agencyId: r.group ?? '' }, String(r.breached + r.metLate))}</td><td class="n">${r.breached}</td><td class="n">${r.metLate}</td><td class="n">${r.met}</td><td class="n">${r.open}</td><td class="n">${percent(r.breachRate)}</td></tr>`,
      )
      .join('') || '<tr><td colspan="7">No clock owed by an agency in this period</td></tr>';
  const monthRows =
    view.ledger.byMonth
      .map(
        (r) =>
          `<tr><th scope="row">${escapeHtml(r.group ?? '')}</th><td class="n">${breachedLink(r.group ? monthRange(r.group, f) : {}, String(r.breached + r.metLate))}</td><td class="n">${r.total}</td><td class="n">${percent(r.breachRate)}</td></tr>`,
      )
      .join('') || '<tr><td colspan="4">No clock due in this period</td></tr>';
  const journeysLink = (step: string, state: string, n: number) =>
    n === 0
      ? '0'
      : `<a href="${escapeHtml(dashboardHref('/dashboard/cases', f, { view: 'journeys', step, state }))}">${n}</a>`;
  const funnelRows = view.funnel
    .map(
      (s) =>
        `<tr><th scope="row">${humanStep(s.step)}</th><td class="n">${journeysLink(s.step, 'reached', s.reached)}</td><td class="n">${percent(s.conversion)}</td><td class="n">${journeysLink(s.step, 'stillOpen', s.stillOpen)}</td><td class="n">${journeysLink(s.step, 'dropped', s.dropped)}</td><td class="n">${journeysLink(s.step, 'closedOtherwise', s.closedOtherwise)}</td></tr>`,
    )
    .join('');
  const spanRows = view.timeToStep
    .map(
      (i) =>
        `<tr><th scope="row">${humanStep(i.from)} → ${humanStep(i.to).toLowerCase()}</th><td class="n">${i.count}</td><td class="n">${i.p50Days ?? '–'}</td><td class="n">${i.p90Days ?? '–'}</td></tr>`,
    )
    .join('');
  const outcomeRows =
    view.outcomes
      .filter((o) => o.released > 0)
      .map((o) => {
        const agency = `<th scope="row">${escapeHtml(o.group ?? 'No agency service received')}</th><td class="n">${o.released}</td>`;
        if (o.suppressed) return `<tr>${agency}<td colspan="6">Fewer than 5 releases: not shown</td></tr>`;
        return `<tr>${agency}<td class="n">${o.reconvicted}</td><td class="n">${percent(o.rate)}</td><td class="n">${o.convictionsPer100 ?? '–'}</td><td class="n">${o.medianDaysToFirstOffence ?? '–'}</td><td class="n">${o.meanSeriousness ?? '–'}</td><td class="n">${o.excludedOffencesBeforeRelease}</td></tr>`;
      })
      .join('') ||
    '<tr><td colspan="8">Nobody released in this period has been out two years and six months yet</td></tr>';
  const attentionRows =
    view.attention
      .map(
        (a) =>
          `<tr><td>${escapeHtml(a.mustAct)}</td><td class="n">${a.open}</td><td>${escapeHtml(a.oldestSince)}</td></tr>`,
      )
      .join('') || '<tr><td colspan="3">Nothing waits on an operator</td></tr>';
  const stageRows = Stages.map(
    (s) => `<tr><th scope="row">${s}</th><td class="n">${view.journeysByStage[s]}</td></tr>`,
  ).join('');
  const body = `<h1>Throughcare dashboard</h1>
<p class="hint">Figures from the SLA ledger and the attrition funnel, built from the bus. People are shown by pseudonym only.</p>
${filterForm(f)}
<p class="hint">The period selects clocks due in it and people received in it. This view's address can be shared: the filters are in it.</p>

<section aria-labelledby="breaches-by-agency-heading"><h2 id="breaches-by-agency-heading">SLA breaches by agency</h2>
${chart('breaches-by-agency', 'Clocks breached or met late, per agency, most first')}
<table data-section="breaches-by-agency"><caption>Clocks owed by each agency</caption>
<tr><th scope="col">Agency</th><th class="n" scope="col">Breached or met late</th><th class="n" scope="col">Still breached</th><th class="n" scope="col">Met late</th><th class="n" scope="col">Met</th><th class="n" scope="col">Open</th><th class="n" scope="col">Breach rate</th></tr>${agencyRows}</table></section>

<section aria-labelledby="breaches-over-time-heading"><h2 id="breaches-over-time-heading">SLA breaches over time</h2>
${chart('breaches-over-time', 'Clocks breached or met late, by the month they were due')}
<table data-section="breaches-over-time"><caption>Clocks by the month they were due</caption>
<tr><th scope="col">Month</th><th class="n" scope="col">Breached or met late</th><th class="n" scope="col">Clocks</th><th class="n" scope="col">Breach rate</th></tr>${monthRows}</table></section>

<section aria-labelledby="funnel-heading"><h2 id="funnel-heading">Where people drop out</h2>
${
  view.funnelCompleteSince
    ? `<p class="not-built">The funnel holds only the episodes whose facts are on the bus since ${escapeHtml(view.funnelCompleteSince.slice(0, 10))}: it was rebuilt when the bus (which keeps 30 days) no longer held older ones.</p>`
    : ''
}
${chart('attrition-funnel', 'Journeys reaching each step, and those that dropped out there')}
<table data-section="funnel"><caption>Journeys of people received in the period, step by step</caption>
<tr><th scope="col">Step</th><th class="n" scope="col">Reached</th><th class="n" scope="col">Of the step before</th><th class="n" scope="col">Not yet (still possible)</th><th class="n" scope="col">Dropped out here</th><th class="n" scope="col">Closed otherwise (died, deported, moved away, back in custody)</th></tr>${funnelRows}</table></section>

<section aria-labelledby="time-to-step-heading"><h2 id="time-to-step-heading">Time to each step</h2>
${chart('time-to-step', 'Median and 90th percentile days between steps')}
<table data-section="time-to-step"><caption>Days between steps</caption>
<tr><th scope="col">From → to</th><th class="n" scope="col">Journeys</th><th class="n" scope="col">Median days</th><th class="n" scope="col">90th percentile days</th></tr>${spanRows}</table></section>

<section aria-labelledby="outcomes-heading"><h2 id="outcomes-heading">Reconviction within two years of release</h2>
${chart('reconviction-by-agency', 'Share of people reconvicted within two years of release, by the agency they received a service from')}
<table data-section="outcomes"><caption>People released in the period whose two years have passed, by agency received (an offence committed before release is not counted)</caption>
<tr><th scope="col">Agency received</th><th class="n" scope="col">Released</th><th class="n" scope="col">Reconvicted</th><th class="n" scope="col">Rate</th><th class="n" scope="col">Convictions per 100</th><th class="n" scope="col">Median days to first offence</th><th class="n" scope="col">Mean seriousness (1–4)</th><th class="n" scope="col">Not counted: offence before release</th></tr>${outcomeRows}</table>
<p class="hint">Not like for like: the groups are not matched by age or previous convictions (not yet recorded), so a difference between agencies is not their effect.</p></section>

<h2>Journeys by stage (running now)</h2>
<table><caption>Running journeys per stage, from Temporal</caption><tr><th scope="col">Stage</th><th class="n" scope="col">Journeys</th></tr>${stageRows}</table>
<h2>Needs attention</h2><p>${view.journeysNeedingAttention} journeys hold an open attention item (Temporal UI: <code>NeedsAttention = true</code>). The list: <a href="/attention">/attention</a></p>
<table><caption>Open attention items by who must act</caption><tr><th scope="col">Who must act</th><th class="n" scope="col">Open items</th><th scope="col">Oldest since</th></tr>${attentionRows}</table>
<h2>SLA breaches by clock (all time)</h2>
<table><caption>Breaches recorded per clock</caption><tr><th scope="col">Clock</th><th class="n" scope="col">Breached</th><th class="n" scope="col">Still open</th><th class="n" scope="col">Met late</th><th class="n" scope="col">Mean lateness (min)</th></tr>${
    view.breaches
      .map(
        (b) =>
          `<tr><td>${escapeHtml(b.clock)}</td><td class="n">${b.breached}</td><td class="n">${b.open}</td><td class="n">${b.metLate}</td><td class="n">${b.meanLatenessMinutes ?? '–'}</td></tr>`,
      )
      .join('') || '<tr><td colspan="5">No breaches recorded</td></tr>'
  }</table>
<p>API: <a href="/docs">/docs</a></p>
<script src="/dashboard/assets/chart.umd.min.js"></script><script src="/dashboard/assets/dashboard.js"></script>`;
  return layout('Dashboard', body);
}

/** The cases behind a figure: a table of pseudonymous clocks or journeys, with the next page's link. */
export function renderCases(
  query: DashboardCasesQuery,
  page: { clocks?: LedgerClock[]; journeys?: FunnelCase[]; nextCursor: string | null },
): string {
  const back = `<p><a href="${escapeHtml(dashboardHref('/dashboard', query))}">Back to the dashboard</a></p>`;
  const what =
    query.view === 'clocks'
      ? `Clocks${query.status ? ` ${query.status.join(' or ').toLowerCase().replaceAll('_', ' ')}` : ''}${query.agencyId ? ` owed by ${query.agencyId}` : ''}`
      : `Journeys that ${
          query.state === 'dropped'
            ? 'dropped out before'
            : query.state === 'stillOpen'
              ? 'have not yet reached'
              : query.state === 'closedOtherwise'
                ? 'closed otherwise (died, deported, moved away, back in custody) before'
                : 'reached'
        } ${humanStep(query.step ?? FunnelSteps[0]).toLowerCase()}`;
  const where = [
    query.from || query.to ? `${query.from ?? '…'} to ${query.to ?? '…'}` : '',
    query.establishment ? `at ${query.establishment}` : '',
    query.localAuthority ? `home area ${query.localAuthority}` : '',
    query.pathway ? `pathway ${query.pathway}` : '',
    query.releaseType ? `release ${query.releaseType}` : '',
  ].filter(Boolean);
  const period = where.length ? ` (${where.join(', ')})` : '';
  const person = (id: string) => `<td data-person="${escapeHtml(id)}"><code>${escapeHtml(id)}</code></td>`;
  const rows =
    query.view === 'clocks'
      ? (page.clocks ?? [])
          .map(
            (c) =>
              `<tr>${person(c.personId)}<td class="n">${c.episode}</td><td>${escapeHtml(c.clock)}</td><td>${escapeHtml(c.owedBy)}</td><td>${escapeHtml(c.establishmentCode)}</td><td>${escapeHtml(c.dueAt.slice(0, 10))}</td><td>${escapeHtml(c.status)}</td><td class="n">${c.latenessMinutes === null ? '–' : Math.round(c.latenessMinutes / 60 / 24)}</td></tr>`,
          )
          .join('')
      : (page.journeys ?? [])
          .map(
            (j) =>
              `<tr>${person(j.personId)}<td class="n">${j.episode}</td><td>${humanStep(j.lastStep)}</td><td>${escapeHtml(j.establishmentCode ?? '')}</td><td>${escapeHtml(j.releaseType)}</td><td>${escapeHtml(j.receivedAt.slice(0, 10))}</td><td>${escapeHtml(j.releasedAt?.slice(0, 10) ?? '–')}</td><td>${escapeHtml(j.closedAt?.slice(0, 10) ?? 'open')}</td></tr>`,
          )
          .join('');
  const head =
    query.view === 'clocks'
      ? '<tr><th scope="col">Person (pseudonym)</th><th class="n" scope="col">Episode</th><th scope="col">Clock</th><th scope="col">Owed by</th><th scope="col">Establishment</th><th scope="col">Due</th><th scope="col">Status</th><th class="n" scope="col">Days late</th></tr>'
      : '<tr><th scope="col">Person (pseudonym)</th><th class="n" scope="col">Episode</th><th scope="col">Last step reached</th><th scope="col">Establishment</th><th scope="col">Release type</th><th scope="col">Received</th><th scope="col">Released</th><th scope="col">Closed</th></tr>';
  const { cursor: _cursor, ...rest } = query;
  const extra = Object.fromEntries(
    Object.entries({ ...rest, status: rest.status?.join(',') }).filter(
      ([k, v]) => typeof v === 'string' && !FILTER_KEYS.includes(k as never),
    ),
  ) as Record<string, string>;
  const next = page.nextCursor
    ? `<p><a href="${escapeHtml(dashboardHref('/dashboard/cases', query, { ...extra, cursor: page.nextCursor }))}">Next page</a></p>`
    : '';
  const count = (page.clocks ?? page.journeys ?? []).length;
  return layout(
    what,
    `${back}<h1>${escapeHtml(what)}${escapeHtml(period)}</h1>
<p class="hint">People are shown by pseudonym only. ${count === 0 ? 'None.' : `${count} on this page.`}</p>
<table><caption>${escapeHtml(what)}</caption>${head}${rows}</table>${next}`,
  );
}
