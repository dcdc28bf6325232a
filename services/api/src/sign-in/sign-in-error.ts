/** Why a sign-in was refused; each becomes a page that says what happened and what to do. */
export type SignInProblem =
  | 'not_bound'
  | 'access_denied'
  | 'oauth_error'
  | 'missing_code'
  | 'token_exchange_failed'
  | 'invalid_id_token'
  | 'wrong_audience'
  | 'wrong_issuer'
  | 'token_expired'
  | 'nonce_mismatch'
  | 'email_not_verified'
  | 'not_invited'
  | 'wrong_workspace_domain'
  | 'ambiguous_email'
  | 'bound_to_other_account'
  | 'deactivated'
  | 'invitation_unknown'
  | 'invitation_used'
  | 'invitation_expired'
  | 'invitation_other_email';

export class SignInError extends Error {
  constructor(
    readonly code: SignInProblem,
    message: string,
    /** 400: the request itself was wrong; 403: a real Google account Nudge does not admit. */
    readonly status: 400 | 403 = 400,
  ) {
    super(message);
  }
}
