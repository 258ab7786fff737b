"""The HTTP front end: the HTTP/1.1 server and origin client, HTTPS beside HTTP on the same
port with a certificate made at start (tls.py), and HttpRequest/HttpResponse, the messages
every tier passes to the next.

Imports nothing from the rest of the emulator: every other subpackage imports it.
"""
