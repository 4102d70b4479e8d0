/**
 * Jest on Node 20 cannot load NestJS 12's ES modules, so they are compiled to CommonJS with babel. Some of them
 * (@nestjs/swagger, @nestjs/mapped-types) declare `const require = createRequire(import.meta.url)`; compiled to
 * CommonJS, that line shadows the module's own `require` and is used before it is defined. A CommonJS module
 * already has `require`, so the line is dropped before babel sees it.
 */
const babelJest = require('babel-jest').default;

const OWN_REQUIRE = /^const require = createRequire\(import\.meta\.url\);$/gm;
const babel = babelJest.createTransformer({
  plugins: ['babel-plugin-transform-import-meta', '@babel/plugin-transform-modules-commonjs'],
  babelrc: false,
  configFile: false,
});

module.exports = {
  ...babel,
  process(source, filename, options) {
    return babel.process(source.replace(OWN_REQUIRE, ''), filename, options);
  },
  getCacheKey(source, filename, options) {
    return babel.getCacheKey(source.replace(OWN_REQUIRE, ''), filename, options);
  },
};
