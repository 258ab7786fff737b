"""A custom origin on loopback for the emulator's `--origin` mapping: one fixed answer to
every GET, and the headers of each request it was sent."""
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer


class FixedOrigin:
    def __init__(self, status, body=b""):
        seen = self.seen = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                seen.append(dict(self.headers.items()))
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass
        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
