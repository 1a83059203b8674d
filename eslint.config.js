// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

// The data-plane packages must stay free of Kubernetes types (ARCHITECTURE.md, house rule 1):
// only src/kube, src/file and src/controller may talk to the API server's client.
const kubeFree = ['src/routing/**', 'src/balancer/**', 'src/proxy/**', 'src/health/**'];

export default tseslint.config(
  { ignores: ['node_modules/**', 'coverage/**', 'dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression[callee.property.name='only']", message: 'Focused tests hide failures.' },
        { selector: "CallExpression[callee.property.name='skip']", message: 'Skipped tests hide failures.' },
      ],
    },
  },
  {
    files: kubeFree,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@kubernetes/client-node', '@kubernetes/client-node/*'],
              message: 'routing, balancer, proxy and health must not depend on Kubernetes types (ARCHITECTURE.md rule 1).',
            },
            { group: ['**/kube/**', '**/controller/**'], message: 'the data plane must not reach into the Kubernetes edge.' },
          ],
        },
      ],
    },
  },
);
