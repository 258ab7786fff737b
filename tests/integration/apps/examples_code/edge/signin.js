// Viewer request: redirect a viewer without a session cookie to a sign-in page. Like the
// guide's example it calls the callback a second time after letting a signed-in viewer
// through: Lambda keeps the first answer.
'use strict';

exports.handler = (event, context, callback) => {
  const request = event.Records[0].cf.request;
  const cookies = {};
  for (const header of request.headers.cookie || []) {
    for (const part of header.value.split(';')) {
      const [name, value] = part.split('=');
      if (name && value) cookies[name.trim()] = value.trim();
    }
  }
  if (cookies['session-id']) {
    callback(null, request);
  }
  const back = encodeURIComponent(
    `https://${request.headers.host[0].value}${request.uri}?${request.querystring}`);
  callback(null, {status: '302', statusDescription: 'Found', headers: {location: [
    {key: 'Location', value: `https://login.example.com/signin?redirect_url=${back}`}]}});
};
