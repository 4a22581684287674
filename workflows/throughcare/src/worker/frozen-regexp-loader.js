// A webpack loader for zod's modules in the journey workflow bundle (worker/journey-bundle.ts).
//
// The bundle preloads zod (with the contracts and the domain) so every journey shares one copy,
// and the SDK deep-freezes what it preloads: the schemas' RegExp objects too. Before each test
// zod resets a pattern with `pattern.lastIndex = 0`; on a frozen RegExp that assignment throws in
// strict code ("Cannot assign to read only property 'lastIndex'"). A frozen RegExp's lastIndex
// can only be 0 (nothing could move it), and a non-global, non-sticky pattern (all of ours and
// zod's) never moves it, so the reset is written only when it would change something.
// journey-bundle.spec.ts checks that every reset in zod is rewritten and that parsing works.
'use strict';

const RESET = /([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)\.lastIndex = 0;/g;

module.exports = function frozenRegExpLoader(source) {
  // An expression statement, like the assignment it replaces (an `if` would capture a later `else`).
  return source.replace(RESET, '$1.lastIndex !== 0 && ($1.lastIndex = 0);');
};
module.exports.RESET = RESET;
