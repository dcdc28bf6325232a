import { describe, expect, it } from '@jest/globals';
import { decideAlert, isWithinQuietHours, localMinutes, type MeetingFacts, type RuleSpec } from './rule-matching.js';

const rule: RuleSpec = { enabled: true, onlyAccepted: true, minAttendees: 0, titleKeywords: [], quietHours: null };
const meeting: MeetingFacts = {
  title: 'Weekly Sync',
  startsAt: new Date('2026-11-23T14:00:00Z'),
  status: 'confirmed',
  selfResponse: 'accepted',
  attendeeCount: 3,
};

describe('rule matching', () => {
  it('alerts for an accepted, confirmed meeting under the default rule', () => {
    expect(decideAlert(rule, meeting, 'UTC')).toEqual({ alert: true });
  });

  it.each([
    ['a disabled rule', { ...rule, enabled: false }, meeting, 'the rule is disabled'],
    ['a cancelled meeting', rule, { ...meeting, status: 'cancelled' as const }, 'the meeting was cancelled'],
    [
      'a declined invitation, even when not only accepted',
      { ...rule, onlyAccepted: false },
      { ...meeting, selfResponse: 'declined' as const },
      'the invitation was declined',
    ],
    [
      'a tentative answer under only-accepted',
      rule,
      { ...meeting, selfResponse: 'tentative' as const },
      'the invitation is tentative, not accepted',
    ],
    [
      'an unanswered invitation under only-accepted',
      rule,
      { ...meeting, selfResponse: 'needsAction' as const },
      'the invitation is needsAction, not accepted',
    ],
    ['too few attendees', { ...rule, minAttendees: 4 }, meeting, '3 attendees, fewer than 4'],
    [
      'a title without the keywords',
      { ...rule, titleKeywords: ['standup', 'review'] },
      meeting,
      'the title has none of the keywords',
    ],
  ])('does not alert for %s', (_name, r, m, reason) => {
    expect(decideAlert(r, m, 'UTC')).toEqual({ alert: false, reason });
  });

  it("treats the user's own event (no attendees) as accepted", () => {
    expect(decideAlert(rule, { ...meeting, selfResponse: null, attendeeCount: 0 }, 'UTC')).toEqual({ alert: true });
  });

  it('alerts for a tentative answer when the rule does not need acceptance', () => {
    expect(decideAlert({ ...rule, onlyAccepted: false }, { ...meeting, selfResponse: 'tentative' }, 'UTC')).toEqual({
      alert: true,
    });
  });

  it('matches keywords without regard to case', () => {
    expect(decideAlert({ ...rule, titleKeywords: ['SYNC'] }, meeting, 'UTC')).toEqual({ alert: true });
  });

  describe("quiet hours, in the user's time zone", () => {
    const night = { start: '22:00', end: '07:00', allow_accepted: false };
    // 05:30 UTC is 06:30 in Berlin (winter) and 00:30 in New York.
    const early = { ...meeting, startsAt: new Date('2026-11-23T05:30:00Z') };

    it("reads the meeting start in the user's zone", () => {
      expect(localMinutes(early.startsAt, 'Europe/Berlin')).toBe(6 * 60 + 30);
      expect(localMinutes(early.startsAt, 'America/New_York')).toBe(30);
    });

    it('wraps past midnight', () => {
      expect(isWithinQuietHours(early.startsAt, night, 'Europe/Berlin')).toBe(true);
      expect(isWithinQuietHours(early.startsAt, night, 'America/New_York')).toBe(true);
      expect(isWithinQuietHours(early.startsAt, night, 'Asia/Tokyo')).toBe(false); // 14:30
      expect(isWithinQuietHours(early.startsAt, { ...night, start: '07:00', end: '07:00' }, 'UTC')).toBe(false);
    });

    it('silences a meeting inside quiet hours', () => {
      expect(decideAlert({ ...rule, quietHours: night }, early, 'Europe/Berlin')).toEqual({
        alert: false,
        reason: 'the meeting starts in quiet hours',
      });
    });

    it('still alerts for an accepted meeting inside quiet hours only if the rule says so', () => {
      const allow = { ...rule, onlyAccepted: false, quietHours: { ...night, allow_accepted: true } };
      expect(decideAlert(allow, early, 'Europe/Berlin')).toEqual({ alert: true });
      expect(decideAlert(allow, { ...early, selfResponse: 'tentative' }, 'Europe/Berlin')).toEqual({
        alert: false,
        reason: 'the meeting starts in quiet hours',
      });
    });

    it('lets a meeting outside quiet hours through', () => {
      expect(decideAlert({ ...rule, quietHours: night }, meeting, 'Europe/Berlin')).toEqual({ alert: true }); // 15:00
    });
  });
});
