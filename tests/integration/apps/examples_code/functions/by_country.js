// cloudfront-js-2.0, viewer request: the viewer's country from CloudFront-Viewer-Country (an
// origin request policy names it): a redirect for Germany, another origin for France
// (cf.updateRequestOrigin), the request as it is otherwise.
import cf from 'cloudfront';

function handler(event) {
  const request = event.request;
  const country = request.headers['cloudfront-viewer-country'];
  if (country && country.value === 'DE') {
    return {statusCode: 302, statusDescription: 'Found',
            headers: {location: {value: 'https://www.example.de/'}}};
  }
  if (country && country.value === 'FR') {
    cf.updateRequestOrigin({domainName: 'fr.example.com'});
  }
  return request;
}
