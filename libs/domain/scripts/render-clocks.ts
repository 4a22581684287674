// `npm run docs:clocks`: writes docs/clocks.md from the clock register and the seed policies.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { renderClockRegister } from '../src/policy/clock-register';
import { SLA_POLICIES } from '../src/policy/seed-policies';

const target = join(__dirname, '..', '..', '..', 'docs', 'clocks.md');
writeFileSync(target, renderClockRegister(SLA_POLICIES));
process.stdout.write(`wrote ${target}\n`);
