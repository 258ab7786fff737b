// cloudfront-js-2.0, viewer request: the request rewrites of AWS's samples: the viewer's IP in
// a header, a redirect to the canonical domain that keeps the query string (multiValue
// joined), index.html for folders and for extensionless single-page-app paths.
const CANONICAL = 'www.example.test';

function queryText(querystring) {
  const parts = [];
  for (const name in querystring) {
    const entry = querystring[name];
    if (entry.multiValue) parts.push(name + '=' + entry.multiValue.map((m) => m.value).join(','));
    else if (entry.value === '') parts.push(name);
    else parts.push(name + '=' + entry.value);
  }
  return parts.join('&');
}

function handler(event) {
  const request = event.request;
  const host = request.headers.host.value;
  if (request.uri.startsWith('/cf/canonical')) {
    if (host !== CANONICAL) {
      const query = queryText(request.querystring);
      return {statusCode: 301, statusDescription: 'Moved Permanently', headers: {
        location: {value: `https://${CANONICAL}${request.uri}${query ? '?' + query : ''}`}}};
    }
    return request;
  }
  request.headers['true-client-ip'] = {value: event.viewer.ip};
  if (request.uri.endsWith('/')) {
    request.uri += 'index.html';
  } else if (!request.uri.split('/').pop().includes('.')) {
    request.uri = '/cf/index.html';
  }
  return request;
}
