// Origin response: copy one response header's entry to another name (the guide's
// "Overriding a response header" surface: reusing the {key, value} entry of another header).
'use strict';

exports.handler = (event, context, callback) => {
  const response = event.Records[0].cf.response;
  const source = response.headers['x-amz-meta-last-modified'];
  if (source) {
    response.headers['last-modified'] = [source[0]];
  }
  callback(null, response);
};
