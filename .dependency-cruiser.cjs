/**
 * The layer rules of the code, checked by `npm run lint` (dependency-cruiser). docs/layers.md
 * explains the map; README's Layout names the folders. Tests are not checked (they may reach
 * any layer). A cycle between two folders needs an import that goes up, which a layer rule
 * refuses; runtime cycles inside a folder are refused by 'no-runtime-cycle'. Nothing is exempted.
 */

/**
 * Server code the console (renderer) runs too: the Responses protocol, the recording format and
 * the saved-request format. No Node built-ins, nothing stateful.
 */
const ISOMORPHIC = '^src-server/shared/';

/** src-server folders from the bottom up; a folder imports only folders before it (and itself). */
const LAYERS = [
  ['shared', 'logging', 'tenancy', 'config', 'exchange', 'cancel', 'ids'],
  ['limits', 'summaries', 'backends', 'store'],
  ['crypto'],
  ['engine'],
  ['recording', 'compaction', 'cluster'],
  ['sessions'],
  ['state'],
  ['observability', 'console'],
  ['responses'],
  ['http'],
  ['websocket'],
  ['cli'],
];

const folders = (group) => `^src-server/(${group.join('|')})/`;

/** One rule per layer: nothing below it may import it. */
const layerRules = LAYERS.slice(1).map((group, i) => ({
  name: `layer-${group.join('-')}`,
  comment: `${group.join(', ')} sit above ${LAYERS.slice(0, i + 1)
    .flat()
    .join(', ')}: those may not import them (docs/layers.md).`,
  severity: 'error',
  from: { path: folders(LAYERS.slice(0, i + 1).flat()) },
  to: { path: folders(group) },
}));

module.exports = {
  forbidden: [
    {
      name: 'no-runtime-cycle',
      comment: 'A cycle of runtime imports: modules initialise in an order that depends on who is imported first.',
      severity: 'error',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'renderer-imports-isomorphic-server-code-only',
      comment: 'The console runs in a browser: of the server it may import only isomorphic code.',
      severity: 'error',
      from: { path: '^src-renderer/' },
      to: { path: '^src-server/', pathNot: ISOMORPHIC },
    },
    {
      name: 'isomorphic-stays-isomorphic',
      comment: 'Isomorphic server code runs in the console too: no Node built-ins, no runtime server code.',
      severity: 'error',
      from: { path: ISOMORPHIC },
      to: {
        dependencyTypesNot: ['type-only'],
        pathNot: [ISOMORPHIC, '^node_modules/'],
      },
    },
    {
      name: 'server-does-not-import-apps',
      comment: 'The gateway is a library of the shell and the console, never the other way round.',
      severity: 'error',
      from: { path: '^src-server/' },
      to: { path: '^(src-main|src-renderer)/' },
    },
    {
      name: 'gateway-entry-is-top',
      comment: 'src-server/gateway.ts composes everything; only the CLI and the shell import it.',
      severity: 'error',
      from: { path: '^src-server/(?!cli/)' },
      to: { path: '^src-server/gateway\\.ts$' },
    },
    ...layerRules,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['\\.test\\.tsx?$', '\\.case\\.ts$', '/testing/'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.tsx', '.js', '.mjs'] },
  },
};
