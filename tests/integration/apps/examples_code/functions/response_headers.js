// cloudfront-js-1.0, viewer response: the response headers AWS's samples add (cache control,
// a CORS header when the request has an Origin and the answer has none, security headers).
function handler(event) {
  var response = event.response;
  var headers = response.headers;
  headers['cache-control'] = {value: 'public, max-age=63072000'};
  if (event.request.headers['origin'] && !headers['access-control-allow-origin']) {
    headers['access-control-allow-origin'] = {value: event.request.headers['origin'].value};
  }
  headers['strict-transport-security'] = {value: 'max-age=63072000; includeSubdomains'};
  headers['x-content-type-options'] = {value: 'nosniff'};
  headers['x-frame-options'] = {value: 'DENY'};
  return response;
}
