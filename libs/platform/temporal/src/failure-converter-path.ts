/** The module exporting the platform's `failureConverter` (see failure-converter.ts). */
export const ENCRYPTED_FAILURE_CONVERTER_PATH = require.resolve('./failure-converter');
