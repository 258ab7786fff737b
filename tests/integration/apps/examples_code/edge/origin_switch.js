// Origin request: change the origin by the query string or the country (the guide's
// content-based routing examples): to an S3 origin, to another custom origin, or the custom
// origin's domain name; the Host header follows the new origin.
'use strict';
const querystring = require('querystring');

exports.handler = (event, context, callback) => {
  const request = event.Records[0].cf.request;
  const params = querystring.parse(request.querystring);
  if (params.to === 's3') {
    const domainName = 'examples-bucket.s3.amazonaws.com';
    request.origin = {s3: {domainName, region: '', authMethod: 'none', path: '',
                           customHeaders: {}}};
    request.headers['host'] = [{key: 'host', value: domainName}];
  } else if (params.to === 'custom') {
    request.origin = {custom: {domainName: 'www.example.com', port: 443, protocol: 'https',
                               path: '', sslProtocols: ['TLSv1', 'TLSv1.1'], readTimeout: 5,
                               keepaliveTimeout: 5, customHeaders: {}}};
    request.headers['host'] = [{key: 'host', value: 'www.example.com'}];
  } else if ((request.headers['cloudfront-viewer-country'] || [{}])[0].value === 'DE') {
    request.origin.custom.domainName = 'eu.example.com';
    request.headers['host'] = [{key: 'host', value: 'eu.example.com'}];
  }
  callback(null, request);
};
