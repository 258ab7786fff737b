// The Function URL origin, in Node.js: echoes the headers it received.
export const handler = async (event) => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
  body: JSON.stringify({ path: event.rawPath, headers: event.headers }),
});
