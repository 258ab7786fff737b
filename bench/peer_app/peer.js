// serverless-offline-edge-lambda run standalone: its plugin class, without the Serverless CLI,
// logging off, its simulated cache off (every request reaches the handler, as in ours).
// argv: plugin module path, handler folder, port, origin URL.
const [pluginPath, handlerDir, port, origin] = process.argv.slice(2);
const Plugin = require(pluginPath);
const serverless = {
  service: {
    custom: { offlineEdgeLambda: { path: handlerDir,
                                   originMap: [{ pathPattern: '*', target: origin }] } },
    functions: { edge: { handler: 'handler.handler',
                         lambdaAtEdge: { eventType: 'origin-request', pathPattern: '*' } } },
    resources: { Resources: {} },
  },
  cli: { log: () => {} },
};
const plugin = new Plugin(serverless, { port: Number(port), disableCache: true });
plugin.hooks['offline:start:init']();
