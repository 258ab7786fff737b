// The trivial origin both emulators forward to: a fixed JSON answer, keep-alive.
const http = require('http');
const body = JSON.stringify({ hello: 'origin' });
http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': body.length });
    res.end(body);
  });
}).listen(Number(process.argv[2]), '127.0.0.1');
