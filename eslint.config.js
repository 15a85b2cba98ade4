// ESLint (flat config) for every hand-written JavaScript file: `node_modules/.bin/eslint .`
// (scripts/test.sh runs it). Each folder gets the globals of where its code runs.

import js from '@eslint/js';
import globals from 'globals';

export default [
  {
    // Build output, installed packages and scratch folders; the rest is ours.
    ignores: ['**/node_modules/', 'pkg/', 'target/', '.tmp/', 'artifacts/', '**/dist/', 'www/public/rust-app/pkg/'],
  },
  js.configs.recommended,
  {
    files: ['**/*.{js,mjs}'],
    languageOptions: { ecmaVersion: 'latest', sourceType: 'module' },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { ecmaVersion: 'latest', sourceType: 'commonjs', globals: globals.node },
  },
  {
    // Node: the reference server, the build scripts, the test runners, configuration files.
    files: ['*.{js,mjs}', 'scripts/**', 'www/server/**', 'www/react-app/*.{js,mjs}', 'tests/**'],
    ignores: ['tests/bench/page/**'],
    languageOptions: { globals: globals.node },
  },
  {
    // The package's sources (src/js/, and the shell's JS snippets that wasm-bindgen bundles) run in pages (and are
    // imported during server-side rendering, where they touch no browser global until used); the benchmark
    // pages' scripts run in Chromium only.
    files: ['src/js/**', 'src/shell/**/*.{js,mjs}', 'tests/bench/page/**'],
    ignores: ['src/js/cli.js'],
    languageOptions: { globals: globals.browser },
  },
  {
    // The Next.js test app's pages (tests/e2e/next.test.mjs): JSX, run by Next in Node and the browser.
    files: ['tests/e2e/apps/next/**/*.js'],
    languageOptions: { parserOptions: { ecmaFeatures: { jsx: true } }, globals: { ...globals.browser, process: 'readonly' } },
  },
  {
    // The package's command line (`npx zantara-websocket check`): Node 22+, with its WebSocket and fetch.
    files: ['src/js/cli.js'],
    languageOptions: { globals: globals.node },
  },
  {
    // Node test runners whose callbacks also run inside the page (Playwright's page.evaluate, addInitScript).
    files: ['tests/e2e/**', 'tests/cluster/**', 'tests/bench/*.mjs'],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
];
