# SPDX-License-Identifier: MIT
"""The WSGI app of the gunicorn recipe's test: GET /slow?s=N&mark=PATH creates PATH (so the
test knows a worker took the request), then answers after N seconds; any other path answers
at once."""
import time
import urllib.parse


def app(environ, start_response):
    if environ.get("PATH_INFO") == "/slow":
        query = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""))
        if "mark" in query:
            open(query["mark"][0], "w").close()
        time.sleep(float(query.get("s", ["1"])[0]))
    body = b"ok\n"
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
