// `npm test`'s check that the front end has no import cycle (issue 21): dependency-cruiser over www/src,
// type-only imports included (a cycle of types is still two modules that cannot be read apart).
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A module of the front end imports, directly or through others, a module that imports it.',
      from: { path: '^www/src' },
      to: { circular: true },
    },
  ],
  options: {
    includeOnly: '^www/src',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
