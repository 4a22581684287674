import { itLoadsEveryController } from '@throughcare/testing';

// Issue 10 ("OpenAPI with examples"): every request example is a valid body (checked when its
// controller loads); the int spec checks that every documented request body has examples.
describe('liberation: OpenAPI request examples', () => {
  itLoadsEveryController(__dirname, 10);
});
