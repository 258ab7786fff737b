async function handler(event) {
  const response = event.response;
  response.headers['x-cff'] = { value: 'cloudfront-function' };
  return response;
}
