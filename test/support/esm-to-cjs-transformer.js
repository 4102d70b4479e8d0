/**
 * Jest on Node 20 cannot load NestJS 12's ES modules, so they are compiled to CommonJS with SWC (which turns
 * `import.meta.url` into the file's URL). Some of them (@nestjs/swagger, @nestjs/mapped-types) declare
 * `const require = createRequire(import.meta.url)`; compiled to CommonJS, that line shadows the module's own
 * `require` and is used before it is defined. A CommonJS module already has `require`, so the line is dropped
 * before SWC sees it.
 */
const { createTransformer } = require('@swc/jest');

const OWN_REQUIRE = /^const require = createRequire\(import\.meta\.url\);$/gm;
const swc = createTransformer({
  jsc: { parser: { syntax: 'ecmascript' }, target: 'es2023' },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
});

module.exports = {
  ...swc,
  process(source, filename, options) {
    return swc.process(source.replace(OWN_REQUIRE, ''), filename, options);
  },
  getCacheKey(source, filename, ...rest) {
    return swc.getCacheKey(source.replace(OWN_REQUIRE, ''), filename, ...rest);
  },
};
