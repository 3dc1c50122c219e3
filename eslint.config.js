// ESLint: typescript-eslint's recommended rules plus Nx module boundaries (DESIGN.md §1).
// Formatting is Biome's job (`biome format`), see docs/decisions/0002-lint-and-format.md.
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

/** Which package tags may depend on which (DESIGN.md §1 "Boundaries"). Nothing depends on deploy. */
export const depConstraints = [
  { sourceTag: 'type:core', onlyDependOnLibsWithTags: ['type:core'] },
  { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:testing', 'type:core'] },
  { sourceTag: 'type:job', onlyDependOnLibsWithTags: ['type:core', 'type:testing'] },
  { sourceTag: 'type:service', onlyDependOnLibsWithTags: ['type:service', 'type:job', 'type:core', 'type:testing'] },
  { sourceTag: 'type:bench', onlyDependOnLibsWithTags: ['type:bench', 'type:job', 'type:core', 'type:testing'] },
  { sourceTag: 'type:deploy', onlyDependOnLibsWithTags: [] },
];

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '.nx/**', '**/*.d.ts'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.js', '**/*.mjs'],
    plugins: { '@nx': nx },
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        { enforceBuildableLibDependency: false, allowCircularSelfDependency: false, depConstraints },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        {
          selector: "ThrowStatement > NewExpression[callee.name='Error']",
          message: 'Throw a classified error from errors.ts (STYLE.md 9), not a bare Error.',
        },
      ],
    },
  },
  {
    // Tests import their own package's public entry (STYLE.md 11), which Nx would flag as a self-import.
    files: ['**/*.test.ts', '**/fixtures/**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        { enforceBuildableLibDependency: false, allowCircularSelfDependency: true, depConstraints },
      ],
    },
  },
);
