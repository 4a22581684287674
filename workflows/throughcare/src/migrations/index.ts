import { createPlatformTablesMigration } from '@throughcare/platform-persistence';
import { THROUGHCARE_SCHEMA } from '../config';
import { CreateSla1700000000100 } from './1700000000100-create-sla';
import { SlaBreachNote1700000000200 } from './1700000000200-sla-breach-note';
import { CreateAttention1700000000300 } from './1700000000300-create-attention';
import { CreateDeadLetterActions1700000000400 } from './1700000000400-create-dead-letter-actions';
import { CreateJourneyRepair1700000000500 } from './1700000000500-create-journey-repair';
import { CreateSlaLedger1700000000600 } from './1700000000600-create-sla-ledger';
import { CreateAttritionFunnel1700000000700 } from './1700000000700-create-attrition-funnel';
import { CreateOutcomes1700000000800 } from './1700000000800-create-outcomes';

/** In order. The platform tables (outbox, idempotency keys) come first. */
export const throughcareMigrations = [
  createPlatformTablesMigration(THROUGHCARE_SCHEMA),
  CreateSla1700000000100,
  SlaBreachNote1700000000200,
  CreateAttention1700000000300,
  CreateDeadLetterActions1700000000400,
  CreateJourneyRepair1700000000500,
  CreateSlaLedger1700000000600,
  CreateAttritionFunnel1700000000700,
  CreateOutcomes1700000000800,
];
