import type { MeetingFacts } from '@nudge/domain';

/**
 * A meetings row. The worker's calendar sync is the only writer of the table; the type lives
 * here, in the package every role shares, because the planner, the api, the calls role and the
 * dispatcher all read meetings.
 */
export interface MeetingRow {
  id: string;
  user_id: string;
  provider: 'google';
  calendar_id: string;
  external_id: string;
  title: string;
  starts_at: Date;
  ends_at: Date;
  status: MeetingFacts['status'];
  self_response: MeetingFacts['selfResponse'];
  attendee_count: number;
  conference_url: string | null;
  provider_updated_at: Date | null;
  created_at: Date;
  updated_at: Date;
}
