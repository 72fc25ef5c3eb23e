// ESLint (flat config): the recommended JavaScript and typescript-eslint rules, with formatting left to
// Prettier (eslint-config-prettier turns off the rules it would fight). `npm run lint` runs it in CI.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import { defineConfig, globalIgnores } from 'eslint/config';

export default defineConfig([
  // what .gitignore lists (outputs of builds and tests), and assembly/: AssemblyScript (decorators on
  // functions, v128 types), which TypeScript's parser rejects
  globalIgnores([
    'dist/',
    'build/',
    'out/',
    'docs/api/',
    '.cache/',
    'coverage/',
    'src/backend/wasm/binaries.ts',
    'assembly/',
  ]),
  js.configs.recommended,
  tseslint.configs.recommended,
  prettier,
  {
    languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: { ...globals.node } },
    rules: {
      // `any` marks the untyped boundaries on purpose: dynamic Node imports, parsed JSON, bad-input tests
      '@typescript-eslint/no-explicit-any': 'off',
      // a leading underscore names a parameter or binding that is deliberately unused
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      // comments and code stay within 120 columns (Prettier wraps code; long strings and URLs are exempt)
      'max-len': [
        'error',
        { code: 120, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true, ignoreUrls: true },
      ],
    },
  },
  // pages loaded by a browser in the tests
  {
    files: ['test/browser/**/*.js', 'test/bundlers/app/**/*.js', 'examples/web/**/*.js'],
    languageOptions: { globals: { ...globals.browser } },
  },
]);
