import { useEffect, useState } from 'preact/hooks';
import { ErrorMessage, Notice } from '../components/status.js';
import { currentSubscription, enablePushOnThisDevice, pushSupport } from '../push/device-push.js';

const permissionText: Record<NotificationPermission, string> = {
  default: 'not asked yet',
  granted: 'allowed',
  denied: 'blocked — allow notifications for this site in the browser settings, then try again',
};

export function DeviceSection() {
  const support = pushSupport();
  const [permission, setPermission] = useState<NotificationPermission | undefined>(support === 'supported' ? Notification.permission : undefined);
  const [subscribed, setSubscribed] = useState<boolean>();
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (support === 'supported') void currentSubscription().then((s) => setSubscribed(s !== null), () => setSubscribed(false));
  }, [support]);

  const enable = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const result = await enablePushOnThisDevice();
      setPermission(result);
      setSubscribed(result === 'granted');
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="device-heading">
      <h2 id="device-heading">Notifications on this device</h2>
      {support !== 'supported' ? (
        <p>This browser cannot receive push notifications{support === 'no-service-worker' ? ' (no service workers here; use HTTPS or localhost)' : ''}.</p>
      ) : (
        <>
          <p>
            Browser permission: <strong data-testid="permission">{permissionText[permission ?? 'default']}</strong>
          </p>
          <p>This device {subscribed === true ? 'receives' : 'does not receive'} alerts.</p>
          <button type="button" class="primary" onClick={enable} disabled={busy || permission === 'denied'}>
            {subscribed === true ? 'Renew notifications on this device' : 'Enable notifications on this device'}
          </button>
          {busy && <p role="status">Registering this device with the browser’s push service…</p>}
          {subscribed === true && <Notice>Notifications are on. Each one has an “I’m on it” button that checks you in.</Notice>}
        </>
      )}
      {error !== undefined && <ErrorMessage error={error} />}
    </section>
  );
}
