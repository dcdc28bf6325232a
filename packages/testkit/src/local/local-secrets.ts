import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { vapidKeyPair } from '../role-env.js';

/** Keys generated on the first run and kept, so that stored credentials and subscriptions stay valid. */
export interface LocalSecrets {
  vapidPublicKey: string;
  vapidPrivateKey: string;
  credentialsKey: string;
  /** The demo user's token, for the database it was created in. */
  demo?: { databaseUrl: string; token: string; userId: string; email: string };
}

export class LocalSecretsFile {
  private constructor(
    private readonly path: string,
    readonly secrets: LocalSecrets,
  ) {}

  static async open(localDir: string): Promise<LocalSecretsFile> {
    const path = `${localDir}/dev-secrets.json`;
    if (existsSync(path)) return new LocalSecretsFile(path, JSON.parse(await readFile(path, 'utf8')) as LocalSecrets);
    const vapid = vapidKeyPair();
    const file = new LocalSecretsFile(path, {
      vapidPublicKey: vapid.publicKey,
      vapidPrivateKey: vapid.privateKey,
      credentialsKey: randomBytes(32).toString('base64'),
    });
    await mkdir(localDir, { recursive: true });
    await file.save();
    return file;
  }

  async save(): Promise<void> {
    await writeFile(this.path, JSON.stringify(this.secrets, null, 2), { mode: 0o600 });
  }
}
