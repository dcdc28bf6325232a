import { useEffect, useState } from 'preact/hooks';

/** The app lives under /app/; push notifications link to /app/alerts/<id>, so routes are real paths, not hashes. */
export const BASE = '/app';

export type Route =
  | { page: 'meetings' }
  | { page: 'alert'; id: string }
  | { page: 'connections' }
  | { page: 'rules' }
  | { page: 'account' }
  | { page: 'members' }
  | { page: 'settings' }
  | { page: 'schedules' }
  | { page: 'instances' }
  | { page: 'not-found' };

export function parseRoute(pathname: string): Route {
  const path = pathname.startsWith(BASE) ? pathname.slice(BASE.length) : pathname;
  const parts = path.split('/').filter((part) => part !== '');
  const [first, second] = parts;
  if (first === undefined || first === 'meetings') return { page: 'meetings' };
  if (first === 'alerts' && second !== undefined && parts.length === 2)
    return { page: 'alert', id: decodeURIComponent(second) };
  if (first === 'connections' && parts.length === 1) return { page: 'connections' };
  if (first === 'rules' && parts.length === 1) return { page: 'rules' };
  if (first === 'account' && parts.length === 1) return { page: 'account' };
  if (first === 'admin' && second === 'members') return { page: 'members' };
  if (first === 'settings' && parts.length === 1) return { page: 'settings' };
  if (first === 'admin' && second === 'schedules') return { page: 'schedules' };
  if (first === 'admin' && second === 'instances') return { page: 'instances' };
  return { page: 'not-found' };
}

export function navigate(path: string): void {
  history.pushState(null, '', `${BASE}${path}`);
  dispatchEvent(new PopStateEvent('popstate'));
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.pathname));
  useEffect(() => {
    const update = () => setRoute(parseRoute(location.pathname));
    addEventListener('popstate', update);
    return () => removeEventListener('popstate', update);
  }, []);
  return route;
}

/** In-app links: a normal <a href> (so open-in-new-tab and keyboard work), intercepted for plain clicks. */
export function onLinkClick(event: MouseEvent): void {
  const anchor = event.currentTarget as HTMLAnchorElement;
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey)
    return;
  event.preventDefault();
  navigate(anchor.pathname.slice(BASE.length) || '/');
}
