// Every spec of the journey's pure core, loaded as ONE Jest test file for Stryker's planner runs
// (`./throughcare mutation planner`; see jest.planner.config.js). Stryker runs the covering tests
// of each mutant by name; with one file per spec, Jest built a fresh module registry for each of
// eleven files per mutant (planner, domain, contracts loaded eleven times: about 3 s of Jest's
// 3.4 s for one covering test). Loaded together they share one registry (0.5 s); the tests, their
// full names and their order are unchanged (a name shared by two specs would make Stryker's name
// filter run both, never fewer). Stryker runs every covering test of a mutant (it sets
// Jest's bail off), so the order does not change which mutants are killed. The list is static so
// that Jest's --findRelatedTests sees it; journey-core.stryker-tests.spec.ts fails when a spec of
// the folder is missing from it.
import '../../workflows/throughcare/src/workflows/journey/facts.spec';
import '../../workflows/throughcare/src/workflows/journey/journey-state.spec';
import '../../workflows/throughcare/src/workflows/journey/outcomes.spec';
import '../../workflows/throughcare/src/workflows/journey/planner-actions.spec';
import '../../workflows/throughcare/src/workflows/journey/planner-agency-appointments.spec';
import '../../workflows/throughcare/src/workflows/journey/planner-bookings.spec';
import '../../workflows/throughcare/src/workflows/journey/planner-derivations.spec';
import '../../workflows/throughcare/src/workflows/journey/planner-fixes.spec';
import '../../workflows/throughcare/src/workflows/journey/planner-gate.spec';
import '../../workflows/throughcare/src/workflows/journey/planner-corrections.spec';
import '../../workflows/throughcare/src/workflows/journey/planner-lanes.spec';
import '../../workflows/throughcare/src/workflows/journey/planner-need-referrals.spec';
import '../../workflows/throughcare/src/workflows/journey/planner-pathway-outcomes.spec';
import '../../workflows/throughcare/src/workflows/journey/planner-policy-gaps.spec';
import '../../workflows/throughcare/src/workflows/journey/planner-release-day.spec';
import '../../workflows/throughcare/src/workflows/journey/planner-return-reversal.spec';
import '../../workflows/throughcare/src/workflows/journey/planner-risk.spec';
import '../../workflows/throughcare/src/workflows/journey/planner.spec';
import '../../workflows/throughcare/src/workflows/journey/planner-need-referrals.property.spec';
import '../../workflows/throughcare/src/workflows/journey/planner.property.spec';
