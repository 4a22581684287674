// The dashboard page's charts (served as /dashboard/assets/dashboard.js; plain browser JavaScript,
// no build step). It asks GET /dashboard/data with the page's own query (the filters) and draws
// each chart with Chart.js (window.Chart, /dashboard/assets/chart.umd.min.js). A bar is a link to
// the cases behind it (/dashboard/cases); the tables under the charts carry the same figures and
// links for keyboards and screen readers. Each figure's data-state says pending, drawn or failed.
(function () {
  'use strict';
  var FILTERS = ['from', 'to', 'establishment', 'localAuthority', 'pathway', 'releaseType'];
  var page = new URLSearchParams(window.location.search);

  /** /dashboard/cases with the page's filters and `extra`. */
  function casesHref(extra) {
    var params = new URLSearchParams();
    FILTERS.forEach(function (key) {
      var value = page.get(key);
      if (value) params.set(key, value);
    });
    Object.keys(extra).forEach(function (key) {
      params.set(key, extra[key]);
    });
    return '/dashboard/cases?' + params.toString();
  }

  /** The days of a month within the page's period (dashboard-page.ts monthRange). */
  function monthRange(month) {
    var parts = month.split('-').map(Number);
    var last = new Date(Date.UTC(parts[0], parts[1], 0)).getUTCDate();
    var from = month + '-01';
    var to = month + '-' + String(last).padStart(2, '0');
    var periodFrom = page.get('from');
    var periodTo = page.get('to');
    return {
      from: periodFrom && periodFrom > from ? periodFrom : from,
      to: periodTo && periodTo < to ? periodTo : to,
    };
  }

  function human(step) {
    return step.charAt(0) + step.slice(1).toLowerCase().split('_').join(' ');
  }

  function figure(id) {
    return document.querySelector('[data-chart="' + id + '"]');
  }

  function settle(id, state, text) {
    var f = figure(id);
    if (!f) return;
    f.setAttribute('data-state', state);
    f.querySelector('.chart-status').textContent = text;
  }

  // Colours from the GOV.UK palette (dark blue, orange), told apart by lightness too; the legend
  // names each series and the table under the chart has every figure, so colour is not needed to read it.
  var SERIES = [
    { backgroundColor: '#1d70b8', borderColor: '#0b0c0c', borderWidth: 1 },
    { backgroundColor: '#f47738', borderColor: '#0b0c0c', borderWidth: 2 },
  ];

  /** A bar chart whose bars open `hrefOf(datasetIndex, index)` when clicked. */
  function bars(id, labels, datasets, hrefOf, options) {
    var canvas = document.getElementById(id);
    if (!canvas) return;
    var chart = new window.Chart(canvas, {
      type: 'bar',
      data: {
        labels: labels,
        datasets: datasets.map(function (d, i) {
          return Object.assign({ label: d.label, data: d.data }, SERIES[i % SERIES.length]);
        }),
      },
      options: Object.assign(
        {
          responsive: true,
          maintainAspectRatio: false,
          animation: false,
          scales: {
            x: { stacked: !!(options && options.stacked) },
            y: { beginAtZero: true, stacked: !!(options && options.stacked) },
          },
          onHover: function (event, elements) {
            event.native.target.style.cursor = hrefOf && elements.length ? 'pointer' : 'default';
          },
          onClick: function (_event, elements) {
            if (!hrefOf || !elements.length) return;
            var href = hrefOf(elements[0].datasetIndex, elements[0].index);
            if (href) window.location.assign(href);
          },
        },
        options && options.indexAxis ? { indexAxis: options.indexAxis } : {},
      ),
    });
    var points = datasets.reduce(function (n, d) {
      return n + d.data.length;
    }, 0);
    figure(id).setAttribute('data-points', String(points));
    settle(id, 'drawn', labels.length ? '' : 'Nothing to chart for these filters.');
    return chart;
  }

  function draw(view) {
    var agencies = view.ledger.byAgency;
    bars(
      'breaches-by-agency',
      agencies.map(function (r) {
        return r.group;
      }),
      [
        {
          label: 'Still breached',
          data: agencies.map(function (r) {
            return r.breached;
          }),
        },
        {
          label: 'Met late',
          data: agencies.map(function (r) {
            return r.metLate;
          }),
        },
      ],
      function (_d, i) {
        return casesHref({ view: 'clocks', status: 'BREACHED,MET_LATE', agencyId: agencies[i].group });
      },
      { stacked: true, indexAxis: 'y' },
    );
    var months = view.ledger.byMonth;
    bars(
      'breaches-over-time',
      months.map(function (r) {
        return r.group;
      }),
      [
        {
          label: 'Still breached',
          data: months.map(function (r) {
            return r.breached;
          }),
        },
        {
          label: 'Met late',
          data: months.map(function (r) {
            return r.metLate;
          }),
        },
      ],
      function (_d, i) {
        var range = monthRange(months[i].group);
        return casesHref({ view: 'clocks', status: 'BREACHED,MET_LATE', from: range.from, to: range.to });
      },
      { stacked: true },
    );
    var steps = view.funnel;
    bars(
      'attrition-funnel',
      steps.map(function (s) {
        return human(s.step);
      }),
      [
        {
          label: 'Reached',
          data: steps.map(function (s) {
            return s.reached;
          }),
        },
        {
          label: 'Dropped out here',
          data: steps.map(function (s) {
            return s.dropped;
          }),
        },
      ],
      function (d, i) {
        return casesHref({ view: 'journeys', step: steps[i].step, state: d === 0 ? 'reached' : 'dropped' });
      },
      { indexAxis: 'y' },
    );
    var spans = view.timeToStep;
    bars(
      'time-to-step',
      spans.map(function (s) {
        return human(s.from) + ' → ' + human(s.to).toLowerCase();
      }),
      [
        {
          label: 'Median days',
          data: spans.map(function (s) {
            return s.p50Days;
          }),
        },
        {
          label: '90th percentile days',
          data: spans.map(function (s) {
            return s.p90Days;
          }),
        },
      ],
      null,
      { indexAxis: 'y' },
    );
    // A group of fewer than 5 releases shows no rate (its table row says so).
    var outcomes = view.outcomes.filter(function (o) {
      return o.released > 0 && !o.suppressed;
    });
    bars(
      'reconviction-by-agency',
      outcomes.map(function (o) {
        return o.group === null ? 'No agency service received' : o.group;
      }),
      [
        {
          label: 'Reconvicted within two years (%)',
          data: outcomes.map(function (o) {
            return o.rate === null ? null : Math.round(o.rate * 1000) / 10;
          }),
        },
      ],
      null,
      { indexAxis: 'y' },
    );
  }

  var ids = [
    'breaches-by-agency',
    'breaches-over-time',
    'attrition-funnel',
    'time-to-step',
    'reconviction-by-agency',
  ];
  if (typeof window.Chart !== 'function') {
    ids.forEach(function (id) {
      settle(id, 'failed', 'The charting library did not load: the table below has the figures.');
    });
    return;
  }
  fetch('/dashboard/data' + window.location.search, {
    credentials: 'same-origin',
    headers: { accept: 'application/json' },
  })
    .then(function (res) {
      if (!res.ok) throw new Error('the figures were answered ' + res.status);
      return res.json();
    })
    .then(draw)
    .catch(function (e) {
      ids.forEach(function (id) {
        settle(
          id,
          'failed',
          'The chart could not be drawn (' + e.message + '): the table below has the figures.',
        );
      });
    });
})();
