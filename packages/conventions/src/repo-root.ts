import { fileURLToPath } from 'node:url';

/** The repository's root folder (this file runs from packages/conventions/dist). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
