import type { MailConfig } from '@nudge/config';
import { createTransport, type Transporter } from 'nodemailer';

export interface InvitationMail {
  to: string;
  orgName: string;
  invitedBy: string;
  url: string;
  expiresAt: Date;
}

/** Sends invitation emails through SMTP_URL with nodemailer. */
export class InvitationMailer {
  private readonly transport: Transporter;

  constructor(private readonly config: MailConfig) {
    this.transport = createTransport(config.smtpUrl);
  }

  async send(mail: InvitationMail): Promise<void> {
    await this.transport.sendMail({
      from: this.config.from,
      to: mail.to,
      subject: `${mail.invitedBy} invited you to ${mail.orgName} on Nudge`,
      text: [
        `${mail.invitedBy} invited you to join ${mail.orgName} on Nudge, which makes sure you do not miss your meetings.`,
        '',
        `Accept by signing in with Google as ${mail.to}:`,
        mail.url,
        '',
        `The link works once and until ${mail.expiresAt.toUTCString()}.`,
      ].join('\n'),
    });
  }

  close(): void {
    this.transport.close();
  }
}
