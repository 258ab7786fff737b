// Viewer request with Node's querystring: move `auth` to a header, then lowercase and sort
// the rest (the guide's two query string examples' surface).
'use strict';
const querystring = require('querystring');

exports.handler = (event, context, callback) => {
  const request = event.Records[0].cf.request;
  const params = querystring.parse(request.querystring.toLowerCase());
  if (params.auth) {
    request.headers['auth-header'] = [{key: 'Auth-Header', value: params.auth}];
    delete params.auth;
  }
  const sorted = {};
  Object.keys(params).sort().forEach((key) => { sorted[key] = params[key]; });
  request.querystring = querystring.stringify(sorted);
  callback(null, request);
};
