/** `bug [project]`: report a bug in a dialog (or a form), filed as a GitHub issue (core/support/bug-dialog.ts). */
import { z } from 'zod';
import { resolveProject, type ProjectTarget } from '../actions/targets.js';
import { replies } from '../messages/reply-builder.js';
import { nameWord } from '../messages/words.js';
import { dialogDeps } from '../pipeline/bug-dialog.middleware.js';
import { startBugDialog } from '../support/bug-dialog.js';
import { defineIntent } from './intent.js';

const USAGE = 'bug [project]';

export const bugIntent = defineIntent({
  name: 'bug',
  summary: 'Report a bug: a few questions, then a GitHub issue',
  usage: USAGE,
  minRole: null,
  schema: z.object({ project: nameWord.optional(), extra: z.undefined({ error: `too many arguments (${USAGE})` }) }),
  toInput: (a) => ({ project: a.positionals[0], extra: a.positionals[1] }),
  resolve: (input, { catalog, chatProjects }) => resolveProject(catalog, chatProjects, input.project, undefined, USAGE),
  // Any configured person may report a bug of a project this chat can address (resolve checks that).
  requires: () => null,
  async handle(ctx) {
    const deps = dialogDeps(ctx.services);
    if (!deps) return replies.error('Bug reports are not set up here.');
    const { event } = ctx;
    if (event.kind !== 'command') throw new Error('bug is a command');
    const started = await startBugDialog(deps, event, ctx.person, (ctx.args as ProjectTarget).project.name);
    return started.reply;
  },
});
