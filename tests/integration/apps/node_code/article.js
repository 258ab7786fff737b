// The article's origin-request function, in its own language: dataToPersist is set once per
// execution environment and sent to the origin as custom_header.
'use strict';

const { randomUUID } = require('node:crypto');

const environment = randomUUID();  // made once, at init: names this execution environment
let dataToPersist;
let invocations = 0;

exports.handler = async (event, context) => {
  if (!dataToPersist) {
    dataToPersist = new Date().toISOString();
  }
  invocations += 1;
  console.log('dataToPersist', dataToPersist, 'invocation', invocations);
  const request = event.Records[0].cf.request;
  request.headers['custom_header'] = [{ key: 'custom_header', value: dataToPersist }];
  request.headers['x-node-invocation'] = [{ key: 'x-node-invocation', value: String(invocations) }];
  request.headers['x-node-request-id'] = [{ key: 'x-node-request-id', value: context.awsRequestId }];
  request.headers['x-node-env'] = [{ key: 'x-node-env', value: environment }];
  if (request.uri.startsWith('/generated/')) {
    return { status: '200', statusDescription: 'OK',
             headers: { 'content-type': [{ key: 'Content-Type', value: 'text/plain' }] },
             body: `generated at the edge: ${dataToPersist}` };
  }
  if (request.uri.startsWith('/wait/')) {
    await new Promise((resolve) => setTimeout(resolve, 300));  // long enough to overlap
  }
  if (request.uri.startsWith('/slow/')) {
    await new Promise((resolve) => setTimeout(resolve, 3000));  // over the 1 s timeout
  }
  return request;
};
