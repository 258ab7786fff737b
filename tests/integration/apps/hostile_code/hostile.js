// The Node.js twin of hostile.py (see there). $:native is a BigInt, $:undefined undefined.
'use strict';
const SPEC_HEADER = 'x-hostile';
const DELETE = Symbol('delete');

function decoded(value) {
  if (Array.isArray(value)) return value.map(decoded);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, decoded(v)]));
  }
  if (typeof value !== 'string' || !value.startsWith('$:')) return value;
  const word = value.slice(2);
  if (word.startsWith('deep:')) {
    let nested = [];
    for (let i = 0; i < Number(word.slice(5)); i++) nested = [nested];
    return nested;
  }
  if (word === 'cycle') {
    const cycle = {};
    cycle.self = cycle;
    return cycle;
  }
  const words = {nan: NaN, inf: Infinity, '-inf': -Infinity, native: 10n, undefined,
                 delete: DELETE};
  return word in words ? words[word] : value;
}

function container(value) {
  return value !== null && typeof value === 'object';
}

function put(target, path, value) {
  for (const key of path.slice(0, -1)) {
    let child = target[key];
    if (!container(child)) {
      child = {};
      target[key] = child;
    }
    target = child;
  }
  const last = path[path.length - 1];
  if (value === DELETE) delete target[last];
  else target[last] = value;
}

function answer(unchanged, specText, trigger) {
  let step = {};
  try {
    step = JSON.parse(decodeURIComponent(specText || '{}'))[trigger] || {};
  } catch (e) {
    step = {};
  }
  if ('replace' in step) return decoded(step.replace);
  for (const [path, value] of step.set || []) put(unchanged, path, decoded(value));
  return unchanged;
}

exports.handler = async (event) => {
  const cf = event.Records[0].cf;
  const spec = ((cf.request.headers || {})[SPEC_HEADER] || [{}])[0].value;
  return answer(cf.response || cf.request, spec, cf.config.eventType);
};

exports.origin = async (event) => answer(
  {statusCode: 200, headers: {'content-type': 'text/plain'}, body: 'from the function URL'},
  (event.headers || {})[SPEC_HEADER], 'origin');

// Callback handlers that answer at once and leave a timer behind. Lambda waits for the event
// loop to empty before it returns a callback's answer (callbackWaitsForEmptyEventLoop), so
// the first times out; the second says not to wait.
function lingering(waits) {
  return (event, context, callback) => {
    context.callbackWaitsForEmptyEventLoop = waits;
    setTimeout(() => {}, 60000);
    callback(null, event.Records[0].cf.request);
  };
}
exports.lingering = lingering(true);
exports.leaving = lingering(false);
