// viewer-request: /old is served as /index.html; /boom throws.
exports.handler = async (event) => {
  const request = event.Records[0].cf.request;
  console.log('rewriting', request.uri);
  if (request.uri === '/boom') throw new Error('kaboom');
  if (request.uri === '/old') request.uri = '/index.html';
  return request;
};
