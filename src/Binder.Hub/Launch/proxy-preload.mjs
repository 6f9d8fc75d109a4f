// Loaded by Binder into the configurable-http-proxy it starts (NODE_OPTIONS=--import=...), before the proxy's own
// code. It mends two behaviours of configurable-http-proxy 5.x that Binder's users would otherwise meet:
//  1. When a target dies in the middle of a response (Binder's front end killed during an event stream), the proxy
//     leaves the client's response open forever. Here the client's connection is closed as soon as the upstream
//     response is cut, so an EventSource sees the stream end and can retry.
//  2. A malformed %-escape in a request path makes the proxy fail with 500 "Proxy Error"; it is the client's mistake,
//     so it is answered as 400 (through the error target, the front end shows a page that says so).
//  3. The proxy asks its error target for <code>?url=<the request's URL> and logs that address (at debug): a session
//     link's ?token=... would reach the log. The query is dropped before that; the front end shows only the path.
// The proxy's module is found beside its executable; when it is not there, nothing is changed and a warning is printed.
import { realpathSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";

const main = process.argv[1] ? realpathSync(process.argv[1]) : "";
const lib = join(dirname(main), "..", "lib", "configproxy.js");
if (!existsSync(lib)) {
  console.error(`binder: ${lib} not found; streams cut by their target stay open and bad %-escapes get 500 (Binder's proxy fixes are not applied).`);
} else {
  const { ConfigurableProxy } = await import(pathToFileURL(lib).href);
  const handleProxyError = ConfigurableProxy.prototype.handleProxyError;
  ConfigurableProxy.prototype.handleProxyError = function (code, kind, req, res, e) {
    if (req && typeof req.url === "string" && req.url.includes("?")) {
      req.url = req.url.slice(0, req.url.indexOf("?"));
    }
    if (code === 500 && e instanceof URIError) {
      return handleProxyError.call(this, 400, kind, req, res);
    }
    return handleProxyError.call(this, code, kind, req, res, e);
  };
  const handleProxy = ConfigurableProxy.prototype.handleProxy;
  ConfigurableProxy.prototype.handleProxy = function (...args) {
    if (!this.binderEndsCutResponses) {
      this.binderEndsCutResponses = true;
      this.proxy.on("proxyRes", (proxyRes, req, res) => {
        proxyRes.on("close", () => {
          if (!proxyRes.complete && !res.destroyed) res.destroy();
        });
      });
    }
    return handleProxy.apply(this, args);
  };
}
