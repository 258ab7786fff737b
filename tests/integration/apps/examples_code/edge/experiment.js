// Viewer request, callback style: an A/B test by cookie (the guide's "A/B testing" example's
// surface: headers.cookie as a list of {key, value}, request.uri rewritten, Math.random).
'use strict';

exports.handler = (event, context, callback) => {
  const request = event.Records[0].cf.request;
  if (!request.uri.startsWith('/ab/pixel')) {
    callback(null, request);
    return;
  }
  let group;
  for (const cookie of request.headers.cookie || []) {
    const found = /(?:^|;\s*)Group=([AB])/.exec(cookie.value);
    if (found) {
      group = found[1];
      break;
    }
  }
  group = group || (Math.random() < 0.5 ? 'A' : 'B');
  request.uri = `/ab/group-${group.toLowerCase()}/pixel`;
  console.log(`group ${group}`);
  callback(null, request);
};
