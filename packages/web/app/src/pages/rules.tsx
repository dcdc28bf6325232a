import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { ErrorMessage, Loaded, Notice } from '../components/status.js';
import type { Rule, RuleSettings } from '../types.js';
import { useAction } from '../use-action.js';
import { useResource } from '../use-resource.js';
import { NumberField } from '../components/number-field.js';
import { TextField } from '../components/text-field.js';

/** The caller's alert rule; saving re-plans upcoming meetings on the server. */
export function Rules() {
  const rule = useResource(() => api<Rule>('/v1/rules'), 'rules');
  return (
    <Loaded resource={rule} what="your rule">
      {(loaded) => <RuleForm initial={settingsOf(loaded)} />}
    </Loaded>
  );
}

/** What PUT takes back: the rule as GET shows it, without the stored row's id and time. */
function settingsOf(rule: Rule): RuleSettings {
  const { id: _id, updated_at: _updatedAt, ...settings } = rule;
  return settings;
}

/** The rule's whole-number settings as the form shows them: input id, label and the api's range. */
const COUNT_FIELDS = {
  min_attendees: { id: 'min-attendees', label: 'Only meetings with at least this many attendees', min: 0, max: 10000 },
  escalate_after_seconds: {
    id: 'escalate-after',
    label: 'Call me when not acknowledged this many seconds after the push',
    min: 30,
    max: 86400,
  },
  max_call_attempts: { id: 'max-calls', label: 'Call attempts (0: never call)', min: 0, max: 10 },
  call_retry_seconds: { id: 'call-retry', label: 'Seconds between call attempts', min: 30, max: 3600 },
} as const;
type CountSetting = keyof typeof COUNT_FIELDS;

function RuleForm(props: { initial: RuleSettings }) {
  const [form, setForm] = useState(props.initial);
  const [keywords, setKeywords] = useState(props.initial.title_keywords.join(', '));
  const [saved, setSaved] = useState(false);
  const save = useAction();
  useEffect(() => setSaved(false), [form, keywords]);
  const set = <K extends keyof RuleSettings>(key: K, value: RuleSettings[K]) =>
    setForm((f) => ({ ...f, [key]: value }));
  const quiet = form.quiet_hours;
  /** One end of the quiet hours (HH:MM), e.g. `quiet-start`. */
  const quietTime = (end: 'start' | 'end', label: string) =>
    quiet !== null && (
      <TextField
        id={`quiet-${end}`}
        label={label}
        type="time"
        required
        value={quiet[end]}
        onValue={(value) => set('quiet_hours', { ...quiet, [end]: value })}
      />
    );
  /** A whole-number setting, shown and stored as it is. */
  const countField = (key: CountSetting) => (
    <NumberField {...COUNT_FIELDS[key]} value={form[key]} onChange={(v) => set(key, v)} />
  );

  const submit = (event: Event) => {
    event.preventDefault();
    void save.run(async () => {
      const title_keywords = keywords
        .split(',')
        .map((k) => k.trim())
        .filter((k) => k !== '');
      await api('/v1/rules', { method: 'PUT', body: { ...form, title_keywords } });
      setSaved(true);
    });
  };

  return (
    <form onSubmit={submit} class="settings">
      <fieldset>
        <legend>When to alert</legend>
        <label class="check">
          <input type="checkbox" checked={form.enabled} onChange={(e) => set('enabled', e.currentTarget.checked)} />{' '}
          Alerts are on
        </label>
        <NumberField
          id="lead"
          label="Alert this many minutes before a meeting"
          value={form.lead_seconds / 60}
          min={1}
          max={1440}
          onChange={(v) => set('lead_seconds', v * 60)}
        />
        <label class="check">
          <input
            type="checkbox"
            checked={form.only_accepted}
            onChange={(e) => set('only_accepted', e.currentTarget.checked)}
          />{' '}
          Only meetings I accepted
        </label>
        {countField('min_attendees')}
        <TextField
          id="keywords"
          label="Only meetings whose title contains one of (comma-separated; empty means all)"
          type="text"
          value={keywords}
          onValue={setKeywords}
        />
      </fieldset>
      <fieldset>
        <legend>Phone escalation</legend>
        {countField('escalate_after_seconds')}
        {countField('max_call_attempts')}
        {countField('call_retry_seconds')}
      </fieldset>
      <fieldset>
        <legend>Quiet hours</legend>
        <label class="check">
          <input
            type="checkbox"
            checked={quiet !== null}
            onChange={(e) =>
              set(
                'quiet_hours',
                e.currentTarget.checked ? { start: '22:00', end: '07:00', allow_accepted: false } : null,
              )
            }
          />{' '}
          No alerts during quiet hours
        </label>
        {quiet !== null && (
          <div class="row">
            {quietTime('start', 'From')}
            {quietTime('end', 'to')}
            <label class="check">
              <input
                type="checkbox"
                checked={quiet.allow_accepted}
                onChange={(e) => set('quiet_hours', { ...quiet, allow_accepted: e.currentTarget.checked })}
              />{' '}
              except meetings I accepted
            </label>
          </div>
        )}
      </fieldset>
      <button type="submit" class="primary" disabled={save.busy}>
        {save.busy ? 'Saving…' : 'Save rule'}
      </button>
      {saved && <Notice>Saved. Upcoming meetings were re-planned with the new rule.</Notice>}
      {save.error !== undefined && <ErrorMessage error={save.error} />}
    </form>
  );
}
