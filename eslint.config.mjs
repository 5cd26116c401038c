import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

const barrel = (name) => ({
  name,
  message: `Import ${name} by deep path (${name}/lib/<resource>): the barrel costs seconds and hundreds of MB per process.`,
});

export default tseslint.config(
  { ignores: ['lib/**', 'cdktf.out/**', 'node_modules/**', 'coverage/**', '**/*.d.ts', 'jest.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            barrel('@cdktf/provider-aws'),
            barrel('@cdktf/provider-kubernetes'),
            barrel('@cdktf/provider-helm'),
            barrel('@cdktf/provider-tls'),
            barrel('@cdktf/provider-random'),
            barrel('@cdktf/provider-time'),
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // Tests read synthesized JSON, whose shape is the thing under test.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['src/model/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['cdktf', 'cdktf/*', 'constructs', '@cdktf/*'],
              message: 'src/model is pure TypeScript: no cdktf imports.',
            },
          ],
        },
      ],
    },
  },
);
