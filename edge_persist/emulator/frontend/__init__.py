"""The HTTP front end: the HTTP/1.1 server and origin client, and HttpRequest/HttpResponse,
the messages every tier passes to the next.

Imports nothing from the rest of the emulator: every other subpackage imports it.
"""
