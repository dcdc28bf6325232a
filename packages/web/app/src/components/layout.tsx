import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import type { Route } from '../router.js';
import type { Me } from '../types.js';
import { Link } from './link.js';

const memberPages = [
  { to: '/meetings', page: 'meetings', label: 'Meetings' },
  { to: '/connections', page: 'connections', label: 'Calendar & devices' },
  { to: '/rules', page: 'rules', label: 'Alert rules' },
  { to: '/account', page: 'account', label: 'Sessions' },
  { to: '/settings', page: 'settings', label: 'Settings' },
] as const;

const adminPages = [{ to: '/admin/members', page: 'members', label: 'Members' }] as const;

const operatorPages = [
  { to: '/admin/schedules', page: 'schedules', label: 'Schedules' },
  { to: '/admin/instances', page: 'instances', label: 'Instances' },
] as const;

export function Layout(props: {
  me: Me;
  route: Route;
  title: string;
  onSignOut: () => void;
  children: ComponentChildren;
}) {
  const heading = useRef<HTMLHeadingElement>(null);
  // A page change moves focus to its heading, as a full page load would for screen readers.
  useEffect(() => {
    document.title = `${props.title} · Nudge`;
    heading.current?.focus();
  }, [props.title]);
  const pages = [
    ...memberPages,
    ...(props.me.role === 'admin' ? adminPages : []),
    ...(props.me.is_operator ? operatorPages : []),
  ];
  return (
    <>
      <header class="top">
        <span class="brand">Nudge</span>
        <nav aria-label="Main">
          <ul>
            {pages.map((p) => (
              <li key={p.page}>
                <Link to={p.to} current={props.route.page === p.page}>
                  {p.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <span class="who">
          {props.me.name}{' '}
          <button type="button" class="link-button" onClick={props.onSignOut}>
            Sign out
          </button>
        </span>
      </header>
      {props.me.phone_verified_at === null && (
        <div class="banner" role="region" aria-label="Phone escalation paused">
          {props.me.phone_e164 === null
            ? 'Nudge cannot phone you about missed alerts: you have no phone number. '
            : 'Nudge will not phone you about missed alerts until you verify your phone number. '}
          {props.route.page !== 'settings' && (
            <Link to="/settings">{props.me.phone_e164 === null ? 'Add your number' : 'Verify it now'}</Link>
          )}
        </div>
      )}
      <main id="main">
        <h1 tabIndex={-1} ref={heading}>
          {props.title}
        </h1>
        {props.children}
      </main>
    </>
  );
}
