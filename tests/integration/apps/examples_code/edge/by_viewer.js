// Origin request: pick by the CloudFront headers a cache policy adds (the guide's country
// redirect and device examples): a redirect for two countries, else a path by device type.
'use strict';

exports.handler = (event, context, callback) => {
  const request = event.Records[0].cf.request;
  const headers = request.headers;
  const country = headers['cloudfront-viewer-country'];
  const places = {TW: 'https://tw.example.com/', US: 'https://us.example.com/'};
  if (country && places[country[0].value]) {
    callback(null, {status: '302', statusDescription: 'Found', headers: {
      location: [{key: 'Location', value: places[country[0].value]}]}});
    return;
  }
  for (const device of ['desktop', 'mobile', 'tablet', 'smarttv']) {
    const header = headers[`cloudfront-is-${device}-viewer`];
    if (header && header[0].value === 'true') {
      request.uri = `/viewer/${device}${request.uri}`;
      break;
    }
  }
  callback(null, request);
};
