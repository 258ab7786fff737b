// Origin response: an origin error becomes a 200 with a body, or a 302 to a fallback path
// that keeps the query string (the guide's two "Updating error statuses" examples).
'use strict';

exports.handler = (event, context, callback) => {
  const {request, response} = event.Records[0].cf;
  if (response.status >= 400 && response.status <= 599) {
    if (request.uri.includes('/fallback')) {
      response.status = 302;
      response.statusDescription = 'Found';
      response.body = '';
      response.headers['location'] = [{key: 'Location',
                                       value: `/plan-b/path?${request.querystring}`}];
    } else {
      response.status = 200;
      response.statusDescription = 'OK';
      response.body = 'Body generation example';
    }
  }
  callback(null, response);
};
