// A passing run is quiet and a failing test shows its own logs: the JSON log lines of the apps,
// relays, consumers and workers a test file runs in-process go to a file of that test file's
// (THROUGHCARE_LOG_FILE, read when the file's first logger is made), not to the run's output.
// `./throughcare test` sets THROUGHCARE_TEST_LOG_DIR and prints the file of each test file that
// failed. Without it (a bare `npx jest`), lines go to standard output as in production.
import * as fs from 'node:fs';
import { testLogFile } from './paths';

const dir = process.env['THROUGHCARE_TEST_LOG_DIR'];
if (dir) {
  const file = testLogFile(dir, expect.getState().testPath!);
  fs.rmSync(file, { force: true });
  process.env['THROUGHCARE_LOG_FILE'] = file;
}
