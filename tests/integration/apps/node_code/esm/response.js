// An ES module (package.json "type": "module") on origin-response.
export const handler = async (event) => {
  const response = event.Records[0].cf.response;
  response.headers['x-node-esm'] = [{ key: 'X-Node-Esm', value: 'origin-response' }];
  console.error('esm ran');
  return response;
};
