// A callback-style viewer-request handler: the header is set after a timer, and the callback
// reports the context the runtime gave it.
'use strict';

exports.handler = (event, context, callback) => {
  const request = event.Records[0].cf.request;
  setTimeout(() => {
    request.headers['x-node-context'] = [{ key: 'x-node-context', value: JSON.stringify({
      functionName: context.functionName, functionVersion: context.functionVersion,
      memoryLimitInMB: context.memoryLimitInMB, logGroupName: context.logGroupName,
      logStreamName: context.logStreamName, invokedFunctionArn: context.invokedFunctionArn,
      remaining: context.getRemainingTimeInMillis(),
      waits: context.callbackWaitsForEmptyEventLoop }) }];
    console.warn('callback style');
    callback(null, request);
  }, 5);
};
