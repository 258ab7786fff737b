// The same one-header origin-request handler, for the Node.js peer.
exports.handler = async (event) => {
  const request = event.Records[0].cf.request;
  request.headers['custom_header'] = [{ key: 'custom_header', value: '2026-11-23T00:00:00.000Z' }];
  return request;
};
