import { calendarIntent } from './calendar.intent.js';
import { costIntent } from './cost.intent.js';
import { bugIntent } from './bug.intent.js';
import { bugsIntent } from './bugs.intent.js';
import { deployIntent } from './deploy.intent.js';
import { deploysIntent } from './deploys.intent.js';
import { doraIntent } from './dora.intent.js';
import { envIntent } from './env.intent.js';
import { faqIntent } from './faq.intent.js';
import { freezeIntent } from './freeze.intent.js';
import { healthIntent } from './health.intent.js';
import { helpIntent } from './help.intent.js';
import { incidentIntent } from './incident.intent.js';
import type { AnyIntent } from './intent.js';
import { lockIntent, unlockIntent } from './lock.intent.js';
import { logsIntent } from './logs.intent.js';
import { morningIntent } from './morning.intent.js';
import { oncallIntent } from './oncall.intent.js';
import { promoteIntent } from './promote.intent.js';
import { restartIntent } from './restart.intent.js';
import { rollbackIntent } from './rollback.intent.js';
import { sloIntent } from './slo.intent.js';
import { statusIntent } from './status.intent.js';
import { whoamiIntent } from './whoami.intent.js';

/** Every intent, in the order `help` lists them. */
export const allIntents: readonly AnyIntent[] = [
  helpIntent,
  statusIntent,
  logsIntent,
  envIntent,
  restartIntent,
  deployIntent,
  rollbackIntent,
  promoteIntent,
  deploysIntent,
  calendarIntent,
  doraIntent,
  costIntent,
  sloIntent,
  healthIntent,
  lockIntent,
  unlockIntent,
  freezeIntent,
  oncallIntent,
  incidentIntent,
  morningIntent,
  faqIntent,
  bugIntent,
  bugsIntent,
  whoamiIntent,
];
