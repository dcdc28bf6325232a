import type { Me } from '../types.js';
import { PhoneSection } from './phone-section.js';
import { TokensSection } from './tokens-section.js';

/** The caller's own account: the phone number Nudge calls, and API tokens. */
export function Settings(props: { me: Me; onMeChanged: (me: Me) => void }) {
  return (
    <>
      <PhoneSection me={props.me} onChanged={props.onMeChanged} />
      <TokensSection me={props.me} />
    </>
  );
}
