import { useEffect, useState } from 'preact/hooks';
import { ErrorMessage, Notice } from '../components/status.js';
import { useAction } from '../use-action.js';
import { currentSubscription, enablePushOnThisDevice, pushSupport } from '../push/device-push.js';

const permissionText: Record<NotificationPermission, string> = {
  default: 'not asked yet',
  granted: 'allowed',
  denied: 'blocked — allow notifications for this site in the browser settings, then try again',
};

export function DeviceSection() {
  const support = pushSupport();
  const [permission, setPermission] = useState<NotificationPermission | undefined>(
    support === 'supported' ? Notification.permission : undefined,
  );
  const [subscribed, setSubscribed] = useState<boolean>();
  const action = useAction();

  useEffect(() => {
    if (support === 'supported')
      void currentSubscription().then(
        (s) => setSubscribed(s !== null),
        () => setSubscribed(false),
      );
  }, [support]);

  const enable = () =>
    action.run(async () => {
      const result = await enablePushOnThisDevice();
      setPermission(result);
      setSubscribed(result === 'granted');
    });

  return (
    <section aria-labelledby="device-heading">
      <h2 id="device-heading">Notifications on this device</h2>
      {support !== 'supported' ? (
        <p>
          This browser cannot receive push notifications
          {support === 'no-service-worker' ? ' (no service workers here; use HTTPS or localhost)' : ''}.
        </p>
      ) : (
        <>
          <p>
            Browser permission: <strong data-testid="permission">{permissionText[permission ?? 'default']}</strong>
          </p>
          <p>This device {subscribed === true ? 'receives' : 'does not receive'} alerts.</p>
          <button
            type="button"
            class="primary"
            onClick={() => void enable()}
            disabled={action.busy || permission === 'denied'}
          >
            {subscribed === true ? 'Renew notifications on this device' : 'Enable notifications on this device'}
          </button>
          {action.busy && <p role="status">Registering this device with the browser’s push service…</p>}
          {subscribed === true && (
            <Notice>Notifications are on. Each one has an “I’m on it” button that checks you in.</Notice>
          )}
        </>
      )}
      {action.error !== undefined && <ErrorMessage error={action.error} />}
    </section>
  );
}
