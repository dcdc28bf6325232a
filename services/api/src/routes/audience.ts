import type { HttpApp } from '@nudge/service';

/** Who may call a plugin's routes: any signed-in caller, the organisation's admins, or the deployment's operators. */
export type Audience = 'callers' | 'admins' | 'operators';

/**
 * Puts every route of this plugin, and of the plugins it registers, behind a credential (401
 * without one) and, for admins or operators, that role (403 for anyone else).
 */
export function restrictTo(app: HttpApp, audience: Audience): void {
  app.addHook('onRequest', app.requireCaller);
  if (audience === 'admins') app.addHook('onRequest', app.requireAdmin);
  if (audience === 'operators') app.addHook('onRequest', app.requireOperator);
}
