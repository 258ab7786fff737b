// A CloudFront Function (viewer request and viewer response) that answers what the request's
// x-hostile header asks: the same language as hostile.py, without $:native and $:undefined.
function decoded(value) {
  if (Array.isArray(value)) return value.map(decoded);
  if (value !== null && typeof value === 'object') {
    var out = {};
    Object.keys(value).forEach(function (k) { out[k] = decoded(value[k]); });
    return out;
  }
  if (typeof value !== 'string' || value.indexOf('$:') !== 0) return value;
  var word = value.slice(2);
  if (word.indexOf('deep:') === 0) {
    var nested = [];
    for (var i = 0; i < Number(word.slice(5)); i++) nested = [nested];
    return nested;
  }
  if (word === 'cycle') {
    var cycle = {};
    cycle.self = cycle;
    return cycle;
  }
  var words = {nan: NaN, inf: Infinity, '-inf': -Infinity};
  return word in words ? words[word] : value;
}

function put(target, path, value) {
  for (var i = 0; i < path.length - 1; i++) {
    var child = target[path[i]];
    if (child === null || typeof child !== 'object') {
      child = {};
      target[path[i]] = child;
    }
    target = child;
  }
  if (value === '$:delete') delete target[path[path.length - 1]];
  else target[path[path.length - 1]] = decoded(value);
}

function handler(event) {
  var spec = event.request.headers['x-hostile'];
  var step = {};
  try {
    step = JSON.parse(decodeURIComponent(spec ? spec.value : '{}'))[event.context.eventType] || {};
  } catch (e) {
    step = {};
  }
  if ('replace' in step) return decoded(step.replace);
  var unchanged = event.context.eventType === 'viewer-response' ? event.response : event.request;
  (step.set || []).forEach(function (edit) { put(unchanged, edit[0], edit[1]); });
  return unchanged;
}
