import type { HttpApp } from '@nudge/service';
import { restrictTo } from '../audience.js';
import { memberRoutes, type MemberRouteOptions } from '../members/index.js';
import { userAdminRoutes } from '../users/index.js';

/** Organisation administration: users, members and invitations of the caller's organisation, for its admins. */
export async function orgAdminRoutes(app: HttpApp, options: MemberRouteOptions): Promise<void> {
  restrictTo(app, 'admins');
  await app.register(userAdminRoutes, options);
  await app.register(memberRoutes, options);
}
