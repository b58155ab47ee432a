// Flat config (https://eslint.org/docs/latest/use/configure/configuration-files) with
// typescript-eslint's recommended rules (https://typescript-eslint.io/getting-started).
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'examples/', 'test/fixtures/', 'test/kernels/'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // The scripts run under Node.
    files: ['**/*.mjs'],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        setInterval: 'readonly',
        clearTimeout: 'readonly',
        clearInterval: 'readonly',
        URL: 'readonly',
      },
    },
  },
  {
    rules: {
      // `_name` marks a parameter or binding that is there on purpose and unused.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
);
