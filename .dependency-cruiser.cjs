// The layer rules of lambdas/ (README "Code layout", docs/architecture.md "Layers and the rules the build enforces").
// test/unit/architecture/layer-rules.test.ts runs this config and fails on any violation.

/** Pure libraries the domain may use: no I/O, no clock, no environment. */
const PURE_LIBRARIES = ['zod', 'decimal\\.js', 'luxon', '@types/luxon', 'yaml'];
const pureLibrary = `^node_modules/(${PURE_LIBRARIES.join('|')})/`;

/** Files an adapter may import from application/: the ports and the errors they declare. */
const PORT_CONTRACT = [
  '^lambdas/application/ports[.]ts$',
  '^lambdas/application/[a-z]+/ports[.]ts$',
  '^lambdas/application/errors[.]ts$',
  '^lambdas/application/[a-z]+/[a-z-]+-errors[.]ts$',
];

/**
 * lambdas/shared helpers any layer but the domain may use: no I/O, environment or telemetry.
 * The rest of lambdas/shared (env, middleware, powertools, metric names, SQS batches) is the handlers' kit.
 */
const NEUTRAL_HELPERS = ['^lambdas/shared/map-with-concurrency[.]ts$', '^lambdas/shared/retry-on-conflict[.]ts$'];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Import cycles hide layering mistakes and make load order matter.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'lambdas-not-to-outer-code',
      severity: 'error',
      comment: 'lambdas/ is what ships in the functions: it never imports the CDK app, the local twin, the CLI or tests.',
      from: { path: '^lambdas/' },
      to: { path: '^(lib|bin|test)/' },
    },
    {
      name: 'domain-only-domain-and-pure-libraries',
      severity: 'error',
      comment:
        'lambdas/domain is pure: it imports only domain modules, the pure libraries above and node:crypto (deterministic hashing).',
      from: { path: '^lambdas/domain/' },
      to: {
        pathNot: [`^lambdas/domain/`, pureLibrary, '^crypto$'],
      },
    },
    {
      name: 'application-not-to-outer-layers',
      severity: 'error',
      comment: "Use cases depend on ports they own, never on adapters, handlers, composition or the handlers' kit.",
      from: { path: '^lambdas/application/' },
      to: { path: '^lambdas/(adapters|handlers|composition|shared)/', pathNot: NEUTRAL_HELPERS },
    },
    {
      name: 'application-no-infrastructure-libraries',
      severity: 'error',
      comment: 'Use cases reach AWS, Stripe and the Lambda runtime only through ports.',
      from: { path: '^lambdas/application/' },
      to: {
        dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-no-pkg', 'npm-unknown', 'core'],
        pathNot: ['^node_modules/(zod|luxon|@types/luxon|decimal\\.js)/', '^crypto$'],
      },
    },
    {
      name: 'adapters-only-ports-of-application',
      severity: 'error',
      comment: 'Adapters implement ports: from application/ they import the port files (ports.ts and the errors ports declare), never a use case.',
      from: { path: '^lambdas/adapters/' },
      to: { path: '^lambdas/application/', pathNot: PORT_CONTRACT },
    },
    {
      name: 'adapters-not-to-outer-layers',
      severity: 'error',
      comment: "Adapters are built by composition; they never import it, nor handlers or the handlers' kit.",
      from: { path: '^lambdas/adapters/' },
      to: { path: '^lambdas/(handlers|composition|shared)/', pathNot: NEUTRAL_HELPERS },
    },
    {
      name: 'handlers-not-to-adapters',
      severity: 'error',
      comment: 'Handlers get their dependencies from lambdas/composition/ (one function per service), never build adapters, and never import each other.',
      from: { path: '^lambdas/handlers/' },
      to: { path: '^lambdas/(adapters|handlers)/' },
    },
    {
      name: 'decimal-js-only-in-money',
      severity: 'error',
      comment:
        "One Decimal configuration: every module uses MoneyDecimal from lambdas/domain/money/decimal.ts (a private clone, 40 digits), " +
        "never decimal.js itself, whose global constructor has 20 digits and settings any library can change. " +
        "test/unit/lambdas/domain/money/ may import it to prove the clone ignores the global settings.",
      from: { pathNot: '^(lambdas/domain/money|test/unit/lambdas/domain/money)/' },
      to: { path: '^node_modules/decimal[.]js/' },
    },
    {
      name: 'shared-only-domain',
      severity: 'error',
      comment: 'lambdas/shared is the handlers\' kit (env, middleware, telemetry): it builds on nothing but the domain.',
      from: { path: '^lambdas/shared/' },
      to: { path: '^lambdas/(application|adapters|handlers|composition)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.mts', '.js', '.mjs', '.cjs', '.d.ts', '.json'],
    },
    skipAnalysisNotInRules: false,
  },
};
