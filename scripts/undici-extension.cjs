// The entry of the extension's dist/undici.js: the part of undici the core uses (src/core/http: `request`, `Agent`,
// `EnvHttpProxyAgent`, and the Dispatcher API behind them), not the whole package's index, which also brings fetch,
// WebSocket, the cache stores, the mocks and the interceptors (~200 KB of the bundle). The objects are undici's own,
// put together as its index.js does; the CLI and the tests load the package itself. The names exported here are
// checked against what src/ uses by test/unit/project/undiciBundle.test.ts; the build is scripts/undici-bundle.mjs.
'use strict';

const Dispatcher = require('undici/lib/dispatcher/dispatcher');
const Agent = require('undici/lib/dispatcher/agent');
const EnvHttpProxyAgent = require('undici/lib/dispatcher/env-http-proxy-agent');
const errors = require('undici/lib/core/errors');
const util = require('undici/lib/core/util');
const api = require('undici/lib/api');
const { getGlobalDispatcher, setGlobalDispatcher } = require('undici/lib/global');

const { InvalidArgumentError } = errors;

Object.assign(Dispatcher.prototype, api);

/** undici's index.js `makeDispatcher`: the top-level `request(url, opts)` on `opts.dispatcher`. */
function makeDispatcher(fn) {
  return (url, opts, handler) => {
    if (typeof opts === 'function') {
      handler = opts;
      opts = null;
    }
    if (!url || (typeof url !== 'string' && typeof url !== 'object' && !(url instanceof URL))) {
      throw new InvalidArgumentError('invalid url');
    }
    if (opts != null && typeof opts !== 'object') {
      throw new InvalidArgumentError('invalid opts');
    }
    if (opts && opts.path != null) {
      if (typeof opts.path !== 'string') {
        throw new InvalidArgumentError('invalid opts.path');
      }
      let path = opts.path;
      if (!opts.path.startsWith('/')) {
        path = `/${path}`;
      }
      url = new URL(util.parseOrigin(url).origin + path);
    } else {
      if (!opts) {
        opts = typeof url === 'object' ? url : {};
      }
      url = util.parseURL(url);
    }
    const { agent, dispatcher = getGlobalDispatcher() } = opts;
    if (agent) {
      throw new InvalidArgumentError('unsupported opts.agent. Did you mean opts.client?');
    }
    return fn.call(
      dispatcher,
      {
        ...opts,
        origin: url.origin,
        path: url.search ? `${url.pathname}${url.search}` : url.pathname,
        method: opts.method || (opts.body ? 'PUT' : 'GET'),
      },
      handler,
    );
  };
}

module.exports = {
  Dispatcher,
  Agent,
  EnvHttpProxyAgent,
  errors,
  getGlobalDispatcher,
  setGlobalDispatcher,
  request: makeDispatcher(api.request),
  stream: makeDispatcher(api.stream),
  pipeline: makeDispatcher(api.pipeline),
};
