/** Why a Google callback stored nothing; each becomes a 400 naming the code. */
export type CallbackProblem =
  | 'invalid_state'
  | 'state_not_bound'
  | 'state_expired'
  | 'state_used'
  | 'access_denied'
  | 'oauth_error'
  | 'missing_code'
  | 'token_exchange_failed'
  | 'missing_refresh_token'
  | 'scope_not_granted';

export class CallbackError extends Error {
  constructor(
    readonly code: CallbackProblem,
    message: string,
  ) {
    super(message);
  }
}
