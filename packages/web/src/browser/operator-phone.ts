import type { Stack } from './stack.js';

/** The phone number the stack's operator signed up with: where Nudge's calls to them go. */
export async function operatorPhone(stack: Stack): Promise<string> {
  const [user] = await stack.db.sql<{ phone_e164: string }[]>`select phone_e164 from users where id = ${stack.userId}`;
  return user!.phone_e164;
}
