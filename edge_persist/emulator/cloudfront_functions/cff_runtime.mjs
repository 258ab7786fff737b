// One CloudFront Function, run by node:vm; JSON lines on stdin and stdout.
//
// The code gets what cloudfront-js runs on ("JavaScript runtime 1.0 features", "... 2.0
// features"): the ECMAScript built-ins, console.log, the built-in modules and globals of
// cff_builtins.js (crypto, querystring, Buffer, ...) by require() or, in 2.0, import, and in
// 2.0 `import cf from 'cloudfront'` with kvs(), the origin helpers and edgeLocation. No
// timers, no network, no file system: the context is a fresh V8 realm with none of Node's
// globals, and eval / new Function are off.
//
// `--check RUNTIME` compiles the code on stdin and says what is wrong with it, if anything.
// Messages in:  {"op": "load", "code", "runtime", "kvsId"}  -> {"ok": true} | {"error"}
//               {"op": "kvs", "data", "meta"}                (no answer)
//               {"op": "run", "event", "edge", "raw"}        -> {"result", "origins", "logs",
//                                                               "ms"} | {"error", ...}
import {createHash, createHmac} from 'node:crypto';
import fs from 'node:fs';
import readline from 'node:readline';
import vm from 'node:vm';

// Top-level code gets a timeout here; a run does not: vm's timeout starts a watchdog per
// call (~100 us, more than the run), so the emulator kills a worker that stops answering.
const LOAD_TIMEOUT_MS = 1000;
const LOG_LIMIT = 10 * 1024;   // function logs are cut at 10 KB

const host = {
  logs: [], logBytes: 0, origins: [], edge: {}, raw: undefined, kvs: {}, meta: {},
  kvsId: null, start: Date.now(),
};
const BUILTINS = new vm.Script(
  fs.readFileSync(new URL('./cff_builtins.js', import.meta.url), 'utf8'),
  {filename: 'cloudfront-runtime.js'});
const IMPORTABLE = ['cloudfront', 'crypto', 'querystring', 'buffer'];  // 2.0 only

// md5, sha1 or sha256 (cff_builtins.js checked), of bytes given and answered as latin1: only
// strings cross between the realms.
function digest(algorithm, key, data) {
  const hash = key === null ? createHash(algorithm)
    : createHmac(algorithm, Buffer.from(key, 'latin1'));
  return hash.update(Buffer.from(data, 'latin1')).digest('latin1');
}

// One argument as the log line shows it: text as it is, an error as `Name: message`, other
// values as JSON.
function shown(value) {
  if (typeof value === 'string') return value;
  try {
    if (value && typeof value === 'object' && typeof value.message === 'string' &&
        typeof value.name === 'string') return `${value.name}: ${value.message}`;
    const json = JSON.stringify(value);
    return json === undefined ? String(value) : json;
  } catch (e) {
    return String(e && e.message);
  }
}

function log(...args) {
  const line = args.map(shown).join(' ');
  if (host.logBytes + line.length <= LOG_LIMIT) host.logs.push(line);
  host.logBytes += line.length;
}

// The `cloudfront` module is built inside the context, so its promises and objects belong
// to the function's realm (and its microtask queue); it calls back here only for data.
const BOOTSTRAP = `
(function (host) {
  function utf8(text) {
    const bytes = unescape(encodeURIComponent(text));
    const out = new Uint8Array(bytes.length);
    for (let i = 0; i < bytes.length; i++) out[i] = bytes.charCodeAt(i);
    return out;
  }
  // A function has at most one store, so the id that cf.kvs() may be given is not checked:
  // AWS's own samples pass a placeholder ("KVS_ID") and call replacing it optional.
  function handle() {
    if (!host.kvsId()) throw new Error('No key value store is associated with this function');
    return {
      get(key, options) {
        return new Promise((resolve, reject) => {
          const value = host.kvsGet(String(key));
          // CloudFront's own message: functions compare err.toString() to it
          if (value === undefined) return reject(new Error('KeyNotFound'));
          const format = (options && options.format) || 'string';
          if (format === 'string') return resolve(value);
          if (format === 'json') return resolve(JSON.parse(value));
          if (format === 'bytes') return resolve(utf8(value));
          reject(new Error('Unknown format ' + format));
        });
      },
      exists(key) { return Promise.resolve(host.kvsGet(String(key)) !== undefined); },
      meta() { return Promise.resolve(JSON.parse(host.kvsMeta())); },
    };
  }
  const cf = {
    kvs: handle,
    updateRequestOrigin(params) { host.origin('update', JSON.stringify(params)); },
    selectRequestOriginById(id) { host.origin('select', JSON.stringify(id)); },
    createRequestOriginGroup(params) { host.origin('group', JSON.stringify(params)); },
  };
  Object.defineProperty(cf, 'edgeLocation', {get() { return JSON.parse(host.edge()); }});
  globalThis.__modules = Object.assign({cloudfront: cf}, host.modules);
  globalThis.__run = function (eventJson) {
    const event = JSON.parse(eventJson);
    if (event.request) event.request.rawQueryString = () => host.raw();
    const out = globalThis.__out = {done: false};
    let result;
    try {
      result = handler(event);
    } catch (e) {
      out.done = true; out.error = e; return;
    }
    Promise.resolve(result).then(
      (value) => {
        out.done = true;
        try { out.value = JSON.stringify(value); } catch (e) { out.error = e; }  // cycles, BigInt
      },
      (e) => { out.done = true; out.error = e; });
  };
})`;

let context = null;

// The error's first line and the function's own frames: the emulator's are noise.
function describe(e) {
  const head = e instanceof Error || (e && e.name && e.message) ? `${e.name}: ${e.message}`
                                                                 : `Uncaught ${String(e)}`;
  const frames = String(e && e.stack || '').split('\n').filter((l) => l.includes('function.js'));
  return [head, ...frames.map((l) => l.trim())].join('\n');
}


// `import cf from 'cloudfront'` (or `{ Buffer }`, or `* as qs`) becomes a plain binding: a
// vm.Script is not a module.
function script(source, runtime) {
  const imports = /^\s*import\s+(\w+|\*\s+as\s+\w+|\{[^}]*\})\s+from\s+['"]([\w-]+)['"]\s*;?/gm;
  let bad = null;
  const code = source.replace(imports, (_, clause, module) => {
    if (!IMPORTABLE.includes(module) || runtime !== 'cloudfront-js-2.0') bad = module;
    const binding = clause.startsWith('{') ? clause.replace(/\s+as\s+/g, ': ')
      : clause.replace(/^\*\s+as\s+/, '');
    return `const ${binding} = __modules[${JSON.stringify(module)}];`;
  });
  if (bad) throw new SyntaxError(`cannot import '${bad}' in ${runtime}`);
  return new vm.Script(code, {filename: 'function.js'});
}

function load(msg) {
  let compiled;
  try {
    compiled = script(msg.code, msg.runtime);
  } catch (e) {
    return {error: describe(e)};
  }
  host.kvsId = msg.kvsId || null;
  context = vm.createContext({console: {log, info: log, warn: log, error: log}}, {
    codeGeneration: {strings: false, wasm: false}, microtaskMode: 'afterEvaluate',
  });
  const modules = BUILTINS.runInContext(context)({digest, now: () => host.start},
                                                 msg.runtime);
  vm.runInContext(BOOTSTRAP, context)({
    modules,
    kvsId: () => host.kvsId,
    kvsGet: (key) => (Object.prototype.hasOwnProperty.call(host.kvs, key) ? host.kvs[key]
                                                                           : undefined),
    kvsMeta: () => JSON.stringify(host.meta),
    origin: (kind, params) => { host.origins.push({kind, params: JSON.parse(params)}); },
    edge: () => JSON.stringify(host.edge),
    raw: () => host.raw,
  });
  try {
    compiled.runInContext(context, {timeout: LOAD_TIMEOUT_MS});
  } catch (e) {
    return {error: describe(e)};
  }
  if (vm.runInContext('typeof handler', context) !== 'function') {
    return {error: 'ReferenceError: the code defines no function named handler'};
  }
  return {ok: true};
}

const RUN = new vm.Script('__run(__eventJson)');

function run(msg) {
  host.logs = []; host.logBytes = 0; host.origins = [];
  host.edge = msg.edge || {}; host.raw = msg.raw === null ? undefined : msg.raw;
  host.start = Date.now();  // what Date answers for the whole run
  context.__eventJson = JSON.stringify(msg.event);
  const start = process.hrtime.bigint();
  let error = null;
  try {
    RUN.runInContext(context);
  } catch (e) {
    error = describe(e);
  }
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const out = context.__out || {};
  if (!error && !out.done) error = 'the function did not finish: it awaits a promise that never settles';
  if (!error && out.done && 'error' in out) error = describe(out.error);
  const answer = {logs: host.logs, ms, origins: host.origins,
                  truncated: host.logBytes > LOG_LIMIT};
  if (error) answer.error = error;
  else answer.result = out.value === undefined ? null : JSON.parse(out.value);
  return answer;
}

// `node cff_runtime.mjs --check RUNTIME < code`: compile only, for the linter.
if (process.argv[2] === '--check') {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  try {
    script(Buffer.concat(chunks).toString('utf8'), process.argv[3]);
  } catch (e) {
    process.stdout.write(describe(e) + '\n');
    process.exit(1);
  }
  process.exit(0);
}

const lines = readline.createInterface({input: process.stdin});
lines.on('close', () => process.exit(0));  // the emulator is gone: so is this worker
lines.on('line', (line) => {
  const msg = JSON.parse(line);
  if (msg.op === 'kvs') { host.kvs = msg.data; host.meta = msg.meta; return; }
  process.stdout.write(JSON.stringify(msg.op === 'load' ? load(msg) : run(msg)) + '\n');
});
