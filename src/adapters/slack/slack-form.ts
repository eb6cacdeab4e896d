/**
 * Forms (Reply.form) as Slack modals: the view `views.open` shows from a slash command's trigger_id, and
 * its `view_submission` back as the core's FormEvent. The view's private_metadata carries the form id and
 * the channel the command came from (Slack returns it untouched, inside the signed request).
 */
import { z } from 'zod';
import type { FormEvent } from '../../core/messages/inbound.js';
import type { FormSpec } from '../../core/messages/reply.js';
import { chatTypeOf } from './slack-event.parser.js';
import { SLACK } from './slack.platform.js';

/** The action id of every element in a form's view: the block id names the field. */
const VALUE = 'value';
const plain = (text: string, max: number) => ({ type: 'plain_text' as const, text: text.length > max ? `${text.slice(0, max - 1)}…` : text });

const metadataSchema = z.object({ f: z.string().min(1).max(200), c: z.string().min(1).max(64) });

export function formView(form: FormSpec, channel: string): Record<string, unknown> {
  return {
    type: 'modal',
    callback_id: form.actionId,
    private_metadata: JSON.stringify({ f: form.id, c: channel }),
    // Slack: title, submit and close at most 24 characters; labels at most 2000.
    title: plain(form.title, 24),
    submit: plain(form.submit, 24),
    close: plain('Cancel', 24),
    blocks: form.fields.map((f) => {
      const base = { type: 'input', block_id: f.id, label: plain(f.label, 2000) };
      switch (f.kind) {
        case 'text':
          return { ...base, optional: f.optional ?? false, element: { type: 'plain_text_input', action_id: VALUE, multiline: f.multiline ?? false, max_length: f.maxLength } };
        case 'choice':
          return { ...base, element: { type: 'static_select', action_id: VALUE, options: f.options.map((o) => ({ text: plain(o.label, 75), value: o.value })) } };
        case 'file':
          return { ...base, optional: true, element: { type: 'file_input', action_id: VALUE, filetypes: f.accept, max_files: 1 } };
      }
    }),
  };
}

const id = z.string().min(1).max(64);
const elementSchema = z.looseObject({
  type: z.string().max(64),
  value: z.string().max(4000).nullable().optional(),
  selected_option: z.object({ value: z.string().max(150) }).nullable().optional(),
  files: z.array(z.looseObject({ id, permalink: z.url().max(2000).optional() })).max(10).optional(),
});

export const viewSubmissionSchema = z.object({
  type: z.literal('view_submission'),
  user: z.object({ id, username: z.string().max(200).optional(), name: z.string().max(200).optional() }),
  trigger_id: z.string().max(200).optional(),
  view: z.object({
    callback_id: z.string().min(1).max(255),
    private_metadata: z.string().max(3000),
    state: z.object({ values: z.record(z.string().max(255), z.record(z.string().max(255), elementSchema)) }),
  }),
});

export type ViewSubmission = z.infer<typeof viewSubmissionSchema>;

/** The submission as a FormEvent; undefined when its metadata is not a form of ours. */
export function formEventFromSubmission(p: ViewSubmission, receivedAt: Date): FormEvent | undefined {
  let meta: z.infer<typeof metadataSchema>;
  try {
    const parsed = metadataSchema.safeParse(JSON.parse(p.view.private_metadata));
    if (!parsed.success) return undefined;
    meta = parsed.data;
  } catch {
    return undefined;
  }
  const values: Record<string, string> = {};
  const files: Record<string, { ref: string; url?: string }[]> = {};
  for (const [block, elements] of Object.entries(p.view.state.values)) {
    const e = elements[VALUE];
    if (!e) continue;
    if (typeof e.value === 'string') values[block] = e.value;
    else if (e.selected_option) values[block] = e.selected_option.value;
    else if (e.files) files[block] = e.files.map((f) => ({ ref: f.id, ...(f.permalink ? { url: f.permalink } : {}) }));
  }
  const event: FormEvent = {
    kind: 'form',
    platform: SLACK,
    platformUserId: p.user.id,
    chatId: meta.c,
    chatType: chatTypeOf(meta.c),
    actionId: p.view.callback_id,
    formId: meta.f,
    values,
    files,
    receivedAt,
  };
  const name = p.user.username ?? p.user.name;
  if (name) event.userName = name;
  if (p.trigger_id) event.eventId = p.trigger_id;
  return event;
}
