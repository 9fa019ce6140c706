// ESLint with typescript-eslint's type-checked rules, and the layering of
// src/: each folder imports only the folders below it (STYLE.md; the brief).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Bottom to top. The composition root (app.ts, main.ts, prepare.ts) sits above all of them.
// vetting sits between profiles and matching: it reads sponsor profiles, and the matching engine reads its decisions.
const LAYERS = ['lib', 'db', 'jobs', 'access', 'http', 'mail', 'programs', 'audit', 'auth', 'profiles', 'vetting', 'matching', 'matches', 'checkins', 'members'];
const ROOT = ['app', 'main', 'worker', 'prepare', 'background', 'boot'];

const layering = LAYERS.map((layer, i) => {
  const above = LAYERS.slice(i + 1);
  return {
    files: [`src/${layer}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...(above.length
              ? [{ regex: `^\\.\\./(${above.join('|')})/`, message: `src/${layer}/ imports only the folders below it (${LAYERS.slice(0, i).join(', ') || 'none'}): move the code instead.` }]
              : []),
            { regex: `^\\.\\./(${ROOT.join('|')})\\.ts$`, message: 'Only the composition root wires features together.' },
          ],
        },
      ],
    },
  };
});

export default tseslint.config(
  { ignores: ['node_modules/', '.data/', '.cache/', 'test/support/reporter.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['eslint.config.js', 'src/matching/*.mjs'] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      // Unused names that start with _ are deliberate (destructuring a field away).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
    },
  },
  ...layering,
  {
    // supertest's res.body and JSON read back from the database are `any` by
    // design; the tests assert on their shape, which is the point of them.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // chai's property assertions (expect(x).to.be.NaN) are expressions by design.
      '@typescript-eslint/no-unused-expressions': 'off',
    },
  },
  {
    files: ['eslint.config.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
);
