// Deliberately broken: a workflow file that reaches for a Node built-in. The bundle test
// proves the bundler rejects it, so a real workflow doing this fails CI.
import { readFileSync } from 'node:fs';

export async function readsTheDisk(): Promise<string> {
  return readFileSync('/etc/hostname', 'utf8');
}
