// cloudfront-js-1.0, viewer request: an HMAC-SHA256 token in the query string, checked with
// require('crypto') and Buffer as AWS's verify-jwt sample does; 401 when it is missing,
// altered or expired, and the token taken out of the query string when it is good.
var crypto = require('crypto');
var KEY = 'edge-test-secret';

function verify(token) {
  var parts = token.split('.');
  if (parts.length !== 3) throw new Error('not three segments');
  var expected = crypto.createHmac('sha256', KEY).update(parts[0] + '.' + parts[1])
    .digest('base64url');
  if (expected !== parts[2]) throw new Error('bad signature');
  var claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString());
  if (claims.exp && Date.now() > claims.exp * 1000) throw new Error('expired');
}

function handler(event) {
  var request = event.request;
  if (!request.querystring.jwt) {
    return {statusCode: 401, statusDescription: 'Unauthorized'};
  }
  try {
    verify(request.querystring.jwt.value);
  } catch (e) {
    console.log(e);
    return {statusCode: 401, statusDescription: 'Unauthorized'};
  }
  delete request.querystring.jwt;
  return request;
}
