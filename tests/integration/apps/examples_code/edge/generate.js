// Viewer request: generated answers, as the guide's generated-response examples write them:
// a status as a string, headers with keys, a text body with an odd Content-Encoding, a gzip
// body in base64 (zlib), and a redirect.
'use strict';
const zlib = require('zlib');

const PAGE = '<!DOCTYPE html><html><body><p>Hello from the edge</p></body></html>';

exports.handler = (event, context, callback) => {
  const uri = event.Records[0].cf.request.uri;
  if (uri.endsWith('/gzip')) {
    callback(null, {
      status: '200', statusDescription: 'OK', bodyEncoding: 'base64',
      body: zlib.gzipSync(PAGE).toString('base64'),
      headers: {'content-type': [{key: 'Content-Type', value: 'text/html; charset=utf-8'}],
                'content-encoding': [{key: 'Content-Encoding', value: 'gzip'}]},
    });
  } else if (uri.endsWith('/redirect')) {
    callback(null, {status: '302', statusDescription: 'Found', headers: {
      location: [{key: 'Location', value: 'https://docs.example.com/edge'}]}});
  } else {
    callback(null, {
      status: '200', statusDescription: 'OK', body: PAGE,
      headers: {'cache-control': [{key: 'Cache-Control', value: 'max-age=100'}],
                'content-type': [{key: 'Content-Type', value: 'text/html'}],
                'content-encoding': [{key: 'Content-Encoding', value: 'UTF-8'}]},
    });
  }
};
