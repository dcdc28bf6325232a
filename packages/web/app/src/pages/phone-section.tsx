import { useState } from 'preact/hooks';
import { api, ApiError } from '../api.js';
import { ErrorMessage, Notice } from '../components/status.js';
import { TextField } from '../components/text-field.js';
import type { Me, PhoneVerification } from '../types.js';
import { useAction } from '../use-action.js';
import { formatDateTime, formatTime } from '../format.js';

const E164 = /^\+[1-9][0-9]{6,14}$/;

/**
 * The caller's phone number and its verification: Nudge calls (or texts) the number with a
 * 6-digit code, which the person types here. Only a verified number is called for escalation.
 */
export function PhoneSection(props: { me: Me; onChanged: (me: Me) => void }) {
  const { me } = props;
  const [number, setNumber] = useState(me.phone_e164 ?? '');
  const [pending, setPending] = useState<PhoneVerification>();
  const [code, setCode] = useState('');
  const [message, setMessage] = useState<string>();
  const save = useAction();
  const send = useAction();
  const confirm = useAction();

  const saveNumber = (event: Event) => {
    event.preventDefault();
    const trimmed = number.trim();
    void save.run(async () => {
      if (trimmed !== '' && !E164.test(trimmed))
        throw new Error(
          'Enter the number in international format, starting with + and the country code, e.g. +4915112345678.',
        );
      const updated = await api<Me>('/v1/me', {
        method: 'PATCH',
        body: { phone_e164: trimmed === '' ? null : trimmed },
      });
      setPending(undefined);
      setMessage(
        updated.phone_verified_at === null && updated.phone_e164 !== null
          ? 'Number saved. Verify it so Nudge can call it.'
          : 'Number saved.',
      );
      props.onChanged(updated);
    });
  };

  const sendCode = () =>
    send.run(async () => {
      setMessage(undefined);
      try {
        const started = await api<PhoneVerification>('/v1/me/phone/verifications', { method: 'POST' });
        setPending(started);
        setCode('');
      } catch (err) {
        if (err instanceof ApiError && err.status === 404)
          throw new Error('Phone calls are off on this deployment, so there is nothing to verify.', { cause: err });
        throw err;
      }
    });

  const confirmCode = (event: Event) => {
    event.preventDefault();
    void confirm.run(async () => {
      const updated = await api<Me>('/v1/me/phone/verifications/confirm', { method: 'POST', body: { code } });
      setPending(undefined);
      setMessage('Your phone number is verified. Nudge will call it when you miss an alert.');
      props.onChanged(updated);
    });
  };

  const verified = me.phone_e164 !== null && me.phone_verified_at !== null;
  return (
    <section aria-labelledby="phone-heading">
      <h2 id="phone-heading">Phone number</h2>
      <form onSubmit={saveNumber} class="settings">
        <TextField
          id="phone"
          label="Phone number for escalation calls (international format)"
          type="tel"
          autocomplete="tel"
          value={number}
          placeholder="+4915112345678"
          onValue={setNumber}
          beside={
            <button type="submit" disabled={save.busy || number.trim() === (me.phone_e164 ?? '')}>
              Save number
            </button>
          }
        />
      </form>
      {save.error !== undefined && <ErrorMessage error={save.error} />}
      <p data-testid="phone-status">
        {me.phone_e164 === null
          ? 'No phone number: Nudge cannot call you.'
          : verified
            ? `${me.phone_e164} is verified (since ${formatDateTime(me.phone_verified_at)}).`
            : `${me.phone_e164} is not verified: Nudge will not call it until you enter the code it sends.`}
      </p>
      {me.phone_e164 !== null && !verified && (
        <button type="button" class="primary" onClick={() => void sendCode()} disabled={send.busy}>
          {pending === undefined ? 'Send me a code' : 'Send a new code'}
        </button>
      )}
      {send.error !== undefined && <ErrorMessage error={send.error} />}
      {pending !== undefined && (
        <form onSubmit={confirmCode} class="settings">
          <p>
            {pending.channel === 'sms'
              ? `We texted a code to ${pending.phone_e164}.`
              : `Nudge is calling ${pending.phone_e164} and will read out a 6-digit code.`}{' '}
            Enter it by {formatTime(pending.expires_at)}.
          </p>
          <TextField
            id="code"
            label="Verification code"
            type="text"
            inputMode="numeric"
            autocomplete="one-time-code"
            pattern="[0-9 \-]{6,9}"
            maxLength={9}
            required
            value={code}
            onValue={setCode}
            beside={
              <button type="submit" class="primary" disabled={confirm.busy}>
                Verify
              </button>
            }
          />
        </form>
      )}
      {confirm.error !== undefined && <ErrorMessage error={confirm.error} />}
      {message !== undefined && <Notice>{message}</Notice>}
    </section>
  );
}
