import twilio from 'twilio';

export interface CallScript {
  title: string;
  startsAt: Date;
  timezone: string;
  gatherUrl: string;
}

/** "10:00 AM" in the user's timezone, as it is spoken. */
export function spokenTime(at: Date, timezone: string): string {
  return new Intl.DateTimeFormat('en-US', { timeZone: timezone, hour: 'numeric', minute: '2-digit' }).format(at);
}

function reminder(script: CallScript): string {
  const title = script.title.trim() === '' ? 'your meeting' : `your meeting ${script.title}`;
  return `This is Nudge. ${title} starts at ${spokenTime(script.startsAt, script.timezone)}.`;
}

/** The prompt: `<Gather numDigits="1">` asking for 1, said `times` times, then goodbye. */
export function promptTwiml(script: CallScript, options: { lead?: string; times: number }): string {
  const response = new twilio.twiml.VoiceResponse();
  if (options.lead !== undefined) response.say(options.lead);
  for (let i = 0; i < options.times; i += 1) {
    const gather = response.gather({ numDigits: 1, action: script.gatherUrl, method: 'POST', timeout: 6 });
    gather.say(`${i === 0 ? '' : 'Again. '}${reminder(script)} Press 1 to acknowledge.`);
  }
  response.say('We did not get your answer. Goodbye.');
  response.hangup();
  return response.toString();
}

/** A sentence and the end of the call. */
export function sayAndHangUp(text: string): string {
  const response = new twilio.twiml.VoiceResponse();
  response.say(text);
  response.hangup();
  return response.toString();
}
