// Stryker runs each mutant against the tests that covered it in the first run; a fixed fast-check
// seed makes the property tests draw the same inputs in every run, so a kill is reproducible, and
// a failure ends the property at once (no shrinking: a kill needs no smallest counterexample).
// (`./throughcare test` keeps fast-check's random seed: each run explores new inputs.)
const fc = require('fast-check');

fc.configureGlobal({ seed: 20_231_108, endOnFailure: true });
