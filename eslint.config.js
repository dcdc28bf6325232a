// ESLint for the whole monorepo: typescript-eslint with type information, plus the rules that
// encode Nudge's boundaries (roles never import each other, the domain does no I/O, production
// code never imports the testkit). `pnpm lint` runs it; .ci/run runs `pnpm lint`.
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// Tests and their helpers (src/testing/ of a role, the web package's browser harness): they may
// use the testkit and start other roles; none of them is built into an image.
const TEST_FILES = ['**/*.test.ts', '**/*.test.tsx', '**/src/testing/**', 'packages/web/src/browser/**'];
const ROLES = ['@nudge/api', '@nudge/calls', '@nudge/worker'];

/** `no-restricted-imports` patterns that forbid importing the given packages (and their subpaths). */
function forbid(names, message) {
  return names.map((name) => ({ group: [name, `${name}/*`], message }));
}

const ROLE_BOUNDARY = (self) =>
  forbid(
    ROLES.filter((role) => role !== self),
    'Roles never import each other: move what both need into a package.',
  );
const NO_TESTKIT = forbid(['@nudge/testkit'], 'Production code never imports the testkit.');

/** The restricted-import rule for one area's production files: no testkit, plus `extra`. */
function boundaries(files, extra = []) {
  return [
    {
      files,
      ignores: TEST_FILES,
      rules: { 'no-restricted-imports': ['error', { patterns: [...NO_TESTKIT, ...extra] }] },
    },
  ];
}

const IO_MODULES = [
  'node:fs',
  'node:fs/promises',
  'node:net',
  'node:http',
  'node:https',
  'node:http2',
  'node:dgram',
  'node:dns',
  'node:child_process',
  'node:worker_threads',
  'node:cluster',
  'node:tls',
  'fs',
  'net',
  'http',
  'https',
  'dns',
  'child_process',
  'postgres',
  'ioredis',
  'bullmq',
  'googleapis',
  '@googleapis/*',
  'google-auth-library',
  'twilio',
  'web-push',
  'fastify',
  'undici',
  'pino',
  'nodemailer',
  '@nudge/db',
  '@nudge/config',
  '@nudge/logger',
  '@nudge/service',
  '@nudge/alerts',
  '@nudge/calendar',
  '@nudge/testkit',
  ...ROLES,
];

export default tseslint.config(
  {
    ignores: ['**/dist/**', '**/node_modules/**', 'test-artifacts/**', '**/*.d.ts', '**/*.generated.ts'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unnecessary-condition': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    // A test's afterAll closes what beforeAll may not have got to open, and reads JSON it checks.
    files: TEST_FILES,
    rules: {
      '@typescript-eslint/no-unnecessary-condition': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { globals: globals.node },
  },
  // --- boundaries ------------------------------------------------------------------------
  ...boundaries(['services/api/**/*.ts'], ROLE_BOUNDARY('@nudge/api')),
  ...boundaries(['services/calls/**/*.ts'], ROLE_BOUNDARY('@nudge/calls')),
  ...boundaries(['services/worker/**/*.ts'], ROLE_BOUNDARY('@nudge/worker')),
  ...boundaries(
    ['packages/{alerts,calendar,config,db,logger,service,web}/**/*.ts'],
    forbid(ROLES, 'Shared packages never import a role.'),
  ),
  {
    files: ['packages/domain/**/*.ts'],
    ignores: TEST_FILES,
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: forbid(IO_MODULES, 'The domain is pure logic: no I/O, no clients, no other Nudge package.') },
      ],
    },
  },
  {
    files: ['packages/web/app/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': ['error', { patterns: NO_TESTKIT }],
    },
  },
);
