// One Node.js execution environment: loads the handler once and serves invokes, as the
// Lambda Node.js runtime does. A thin adapter: CloudFront's rules live in the emulator.
//
// Protocol, the Python worker's (python_worker.py), one JSON object per line: the emulator
// writes {"event", "request_id", "deadline_ms"} to stdin; the worker answers {"ok", "result"
// | "error", "logs", "duration_ms", "max_memory_mb"} on stdout. Its first line says whether
// init worked: {"ready", "error", "logs", "init_ms", "error_logged"}.
//
// The runtime contract followed here (Lambda guide, "Define Lambda function handler in
// Node.js", "Lambda context object in Node.js", "Log and monitor Node.js Lambda functions"):
// - a handler string is `path/file.export` (the export may be nested: `file.a.b`); the file is
//   file.js, file.mjs or file.cjs, an ES module for .mjs or for .js under a package.json with
//   "type": "module", CommonJS otherwise;
// - async and Promise-returning handlers, callback handlers (event, context, callback) with
//   context.callbackWaitsForEmptyEventLoop, and a synchronous throw;
// - console.log/info/warn/error/debug/trace write `<ISO time>\t<request id>\t<LEVEL>\t<text>`;
// - init failures are Runtime.ImportModuleError, Runtime.HandlerNotFound,
//   Runtime.MalformedHandlerName, Runtime.UserCodeSyntaxError, or the error thrown at load.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { format } from 'node:util';

const [codeDir, handlerSpec] = process.argv.slice(2);
// The protocol's descriptor, written synchronously (the handler's stdout is captured). Node
// makes the pipe non-blocking: a full pipe (a large result the emulator is still reading)
// is waited on, a millisecond at a time.
const pause = new Int32Array(new SharedArrayBuffer(4));
function protocolWrite(text) {
  let data = Buffer.from(text);
  while (data.length) {
    try {
      data = data.subarray(fs.writeSync(1, data));
    } catch (err) {
      if (err.code !== 'EAGAIN') throw err;
      Atomics.wait(pause, 0, 0, 1);
    }
  }
}
let requestId = 'undefined';  // what the runtime prints before the first invoke
let captured = [];

// Everything the function prints is captured per invoke, as Lambda ships it to CloudWatch.
function capture(level) {
  return (...args) => {
    captured.push(`${new Date().toISOString()}\t${requestId}\t${level}\t${format(...args)}\n`);
  };
}
console.log = console.info = capture('INFO');
console.warn = capture('WARN');
console.error = capture('ERROR');
console.debug = capture('DEBUG');
console.trace = capture('TRACE');
process.stdout.write = process.stderr.write = (chunk) => { captured.push(String(chunk)); return true; };

function send(message) {
  protocolWrite(JSON.stringify(message) + '\n');
}

function takeLogs() {
  const text = captured.join('');
  captured = [];
  return text;
}

function errorOf(err) {
  const error = err instanceof Error ? err : new Error(String(err));
  return { errorType: error.name || 'Error', errorMessage: error.message, stack: String(error.stack || '').split('\n') };
}

// Lambda's own line for a failure: `<time>\t<id>\tERROR\t<what> \t<the error as JSON>`.
function logError(what, error) {
  captured.push(`${new Date().toISOString()}\t${requestId}\tERROR\t${what} \t${JSON.stringify(error)}\n`);
}

class InitError extends Error {
  constructor(type, message, cause) {
    super(message);
    this.type = type;
    this.cause = cause;
  }
}

function splitHandler(spec) {
  const slash = spec.lastIndexOf('/');
  const dot = spec.indexOf('.', slash + 1);
  if (dot < 0 || spec.includes('..')) {
    throw new InitError('Runtime.MalformedHandlerName', `Bad handler ${spec}`);
  }
  return [spec.slice(0, dot), spec.slice(dot + 1)];
}

function isModule(file) {
  if (file.endsWith('.mjs')) return true;
  if (file.endsWith('.cjs')) return false;
  // The nearest package.json up to the code's root decides, as Node itself does.
  for (let dir = path.dirname(file); dir.startsWith(codeDir); dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest)) {
      try {
        return JSON.parse(fs.readFileSync(manifest, 'utf8')).type === 'module';
      } catch {
        return false;
      }
    }
    if (dir === path.dirname(dir)) break;
  }
  return false;
}

async function loadModule(base) {
  const found = ['.js', '.mjs', '.cjs'].map((ext) => path.resolve(codeDir, base + ext))
    .find((candidate) => fs.existsSync(candidate));
  if (!found) {
    const err = new Error(`Cannot find module '${base}'\nRequire stack:\n- ${codeDir}`);
    err.code = 'MODULE_NOT_FOUND';
    throw new InitError('Runtime.ImportModuleError', `Error: ${err.message}`, err);
  }
  try {
    if (isModule(found)) return await import(pathToFileURL(found).href);
    return createRequire(found)(found);
  } catch (err) {
    if (err instanceof SyntaxError) throw new InitError('Runtime.UserCodeSyntaxError', `${err.name}: ${err.message}`, err);
    if (err && err.code === 'ERR_MODULE_NOT_FOUND' || err && err.code === 'MODULE_NOT_FOUND') {
      throw new InitError('Runtime.ImportModuleError', `Error: ${err.message}`, err);
    }
    throw err;  // thrown by the module's own code at load time: its own type
  }
}

async function loadHandler() {
  const [base, exportPath] = splitHandler(handlerSpec);
  const loaded = await loadModule(base);
  let handler = loaded;
  for (const key of exportPath.split('.')) {
    handler = handler == null ? undefined : handler[key];
  }
  // An ES module's CommonJS-style default export is accepted too, as the runtime does.
  if (typeof handler !== 'function' && loaded && loaded.default) {
    handler = exportPath.split('.').reduce((obj, key) => (obj == null ? undefined : obj[key]), loaded.default);
  }
  if (typeof handler !== 'function') {
    throw new InitError('Runtime.HandlerNotFound', `${handlerSpec} is undefined or not exported`);
  }
  return handler;
}

function context(id, deadlineMs) {
  const name = process.env.AWS_LAMBDA_FUNCTION_NAME || '';
  const region = process.env.AWS_REGION || 'us-east-1';
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: name,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION || '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:123456789012:function:${name}`,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE || '128',
    awsRequestId: id,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME || '',
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME || '',
    getRemainingTimeInMillis: () => Math.max(0, Math.round(deadlineMs - Date.now())),
  };
}

// Work the handler left behind (timers, pending I/O); the worker's own stdin pipe aside.
function pendingWork() {
  return process.getActiveResourcesInfo().filter((kind) => !['PipeWrap', 'TTYWrap', 'FSEventWrap'].includes(kind)).length;
}

// Resolves once the handler's own work is done; never, when it outlasts the timeout: Lambda
// then ends the invoke as timed out, whatever the callback said (the emulator's timeout fires).
async function emptyEventLoop(deadlineMs) {
  while (pendingWork() > 0) {
    if (Date.now() >= deadlineMs) return new Promise(() => {});
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

// The handler's outcome: a Promise it returns, or what it passes to the callback.
function run(handler, event, ctx, deadlineMs) {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (error, result) => {
      if (settled) return;
      settled = true;
      resolve({ error, result });
    };
    const callback = (error, result) => {
      const done = () => settle(error == null ? null : errorOf(error), result);
      if (ctx.callbackWaitsForEmptyEventLoop) emptyEventLoop(deadlineMs).then(done);
      else done();
    };
    let returned;
    try {
      returned = handler(event, ctx, callback);
    } catch (err) {
      settle(errorOf(err));
      return;
    }
    if (returned && typeof returned.then === 'function') {
      returned.then((result) => settle(null, result), (err) => settle(errorOf(err)));
    } else if (handler.length < 3) {
      settle(null, returned);  // a synchronous handler without a callback returns its result
    }
  });
}

async function main() {
  const started = performance.now();
  let handler;
  try {
    handler = await loadHandler();
  } catch (err) {
    const error = err instanceof InitError
      ? { errorType: err.type, errorMessage: err.message, stack: String((err.cause || err).stack || '').split('\n') }
      : errorOf(err);
    logError('Uncaught Exception', error);
    send({ ready: false, error, logs: takeLogs(), init_ms: performance.now() - started, error_logged: true });
    process.exit(1);
  }
  send({ ready: true, error: null, logs: takeLogs(), init_ms: performance.now() - started });
  serve(handler);
}

// Invokes arrive one JSON line each on stdin; each answer is written before the next is read.
// Plain 'data' events and a synchronous write, not readline's stream of promises: a worker
// wakes for every request it gets, and this is the cheapest path through node's loop.
function serve(handler) {
  const waiting = [];
  let pending = '';
  let busy = false;
  async function answerAll() {
    busy = true;
    while (waiting.length) protocolWrite(await answer(handler, JSON.parse(waiting.shift())));
    busy = false;
  }
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk) => {
    pending += chunk;
    for (let end = pending.indexOf('\n'); end >= 0; end = pending.indexOf('\n')) {
      waiting.push(pending.slice(0, end));
      pending = pending.slice(end + 1);
    }
    if (!busy && waiting.length) answerAll();
  });
  process.stdin.on('end', () => process.exit(0));  // the emulator is gone: so is this worker
}

async function answer(handler, request) {
  requestId = request.request_id;
  const begun = performance.now();
  const ctx = context(requestId, request.deadline_ms);
  const { error, result } = await run(handler, request.event, ctx, request.deadline_ms);
  if (error) logError('Invoke Error', error);
  let reply = {
    ok: !error, result: error ? null : (result === undefined ? null : result), error,
    logs: takeLogs(), duration_ms: performance.now() - begun,
    max_memory_mb: Math.round(process.resourceUsage().maxRSS / 1024), error_logged: true,
  };
  try {
    return JSON.stringify(reply) + '\n';
  } catch (err) {
    reply = { ...reply, ok: false, result: null, error: { errorType: 'Runtime.MarshalError', errorMessage: String(err.message) } };
    return JSON.stringify(reply) + '\n';
  }
}

main();
