// Injected into dist/cli.js: ES module packages bundled into CommonJS (fdir's createRequire(import.meta.url)) get
// the bundle's own file URL for import.meta.url.
export const import_meta_url = require('node:url').pathToFileURL(__filename).href;
