#!/usr/bin/env python3
"""A small OAuth 2.0 Protected Resource Metadata client (RFC 9728), as an MCP client uses it.

    scripts/rfc9728-client.py URL [--token TOKEN]

1. GET URL without a token; expect 401 with a `WWW-Authenticate: Bearer` challenge that has a
   `resource_metadata` parameter (RFC 9728 §5.1), parsed per RFC 9110 §11.6.1 (auth-params,
   quoted-strings).
2. Form the resource identifier from the metadata URL by taking the well-known suffix out again
   (the inverse of RFC 9728 §3.1), check that URL sits under it (the client would send it its
   token), GET the metadata URL, expect 200 `application/json`, and check that its `resource` is
   exactly the identifier formed (RFC 9728 §3.3) and that `authorization_servers` is a non-empty list.
3. With --token: check the token's `iss` (read, not verified: the resource server verifies) is one
   of the listed authorization servers, then GET URL with it and expect 200.

Prints one JSON object (what it found) on stdout and exits 0; on any failure, one line on stderr
and exit 1. Standard library only; http and https.
"""
import base64
import http.client
import json
import sys
import urllib.parse

WELL_KNOWN = "/.well-known/oauth-protected-resource"
TCHAR = set("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


class Failure(Exception):
    pass


def parse_challenges(value):
    """[(scheme, {param: value})] of one WWW-Authenticate field value (RFC 9110 §11.6.1)."""
    challenges = []
    i, n = 0, len(value)

    def skip(chars):
        nonlocal i
        while i < n and value[i] in chars:
            i += 1

    def token():
        nonlocal i
        start = i
        while i < n and value[i] in TCHAR:
            i += 1
        return value[start:i]

    while True:
        skip(" \t,")
        if i >= n:
            return challenges
        scheme = token()
        if not scheme:
            raise Failure("WWW-Authenticate: expected an auth-scheme at %d in %r" % (i, value))
        params = {}
        challenges.append((scheme, params))
        while True:
            skip(" \t")
            mark = i
            name = token()
            skip(" \t")
            if not name or i >= n or value[i] != "=":
                i = mark  # the next challenge's scheme (or the end)
                break
            i += 1
            skip(" \t")
            if i < n and value[i] == '"':
                i += 1
                text = []
                while True:
                    if i >= n:
                        raise Failure("WWW-Authenticate: unterminated quoted-string in %r" % value)
                    c = value[i]
                    if c == "\\" and i + 1 < n:
                        text.append(value[i + 1])
                        i += 2
                    elif c == '"':
                        i += 1
                        break
                    else:
                        text.append(c)
                        i += 1
                param = "".join(text)
            else:
                param = token()
            if name.lower() in params:
                raise Failure("WWW-Authenticate: parameter %s appears twice" % name)
            params[name.lower()] = param
            skip(" \t")
            if i < n and value[i] == ",":
                i += 1
                continue
            break


def get(url, token=None):
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Failure("not an absolute http(s) URL: %r" % url)
    connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = connection_class(parts.hostname, parts.port, timeout=10)
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = "Bearer " + token
    target = (parts.path or "/") + ("?" + parts.query if parts.query else "")
    connection.request("GET", target, headers=headers)
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, response.headers, body


def resource_from_metadata_url(url):
    """The resource identifier whose metadata URL (RFC 9728 §3.1) is `url`."""
    parts = urllib.parse.urlsplit(url)
    if parts.query or parts.fragment:
        raise Failure("resource_metadata %r has a query or fragment" % url)
    if parts.path != WELL_KNOWN and not parts.path.startswith(WELL_KNOWN + "/"):
        raise Failure("resource_metadata %r is not under %s" % (url, WELL_KNOWN))
    return "%s://%s%s" % (parts.scheme, parts.netloc, parts.path[len(WELL_KNOWN):])


def covers(resource, url):
    """Whether `url` is `resource` or below it on a path-segment boundary."""
    if url == resource:
        return True
    base = resource if resource.endswith("/") else resource + "/"
    return url.startswith(base)


def token_issuer(token):
    try:
        payload = token.split(".")[1]
        payload += "=" * (-len(payload) % 4)
        return json.loads(base64.urlsafe_b64decode(payload)).get("iss")
    except Exception as error:  # noqa: BLE001 - any unreadable token is one failure
        raise Failure("the token's payload cannot be read: %s" % error)


def run(url, token):
    status, headers, _ = get(url)
    if status != 401:
        raise Failure("GET %s without a token: expected 401, got %d" % (url, status))
    fields = headers.get_all("WWW-Authenticate") or []
    bearer = [params for field in fields for scheme, params in parse_challenges(field) if scheme.lower() == "bearer"]
    if len(bearer) != 1:
        raise Failure("expected one Bearer challenge, got %r" % fields)
    metadata_url = bearer[0].get("resource_metadata")
    if not metadata_url:
        raise Failure("the Bearer challenge has no resource_metadata: %r" % fields)
    resource = resource_from_metadata_url(metadata_url)
    if not covers(resource, url):
        raise Failure("resource %r (from %r) does not cover the URL requested, %r" % (resource, metadata_url, url))

    status, headers, body = get(metadata_url)
    if status != 200:
        raise Failure("GET %s: expected 200, got %d" % (metadata_url, status))
    if (headers.get("Content-Type") or "").split(";")[0].strip().lower() != "application/json":
        raise Failure("GET %s: Content-Type %r" % (metadata_url, headers.get("Content-Type")))
    metadata = json.loads(body)
    if metadata.get("resource") != resource:
        raise Failure("metadata resource %r is not %r, the identifier its URL was formed from (RFC 9728 §3.3)"
                      % (metadata.get("resource"), resource))
    servers = metadata.get("authorization_servers")
    if not isinstance(servers, list) or not servers or not all(isinstance(s, str) for s in servers):
        raise Failure("authorization_servers is not a non-empty list of strings: %r" % servers)
    found = {
        "challenge": bearer[0],
        "metadata_url": metadata_url,
        "resource": resource,
        "metadata": metadata,
        "cors": headers.get("Access-Control-Allow-Origin"),
    }
    if token:
        issuer = token_issuer(token)
        if issuer not in servers:
            raise Failure("the token's issuer %r is not in authorization_servers %r" % (issuer, servers))
        status, _, _ = get(url, token)
        if status != 200:
            raise Failure("GET %s with a token from %s: expected 200, got %d" % (url, issuer, status))
        found["issuer"] = issuer
        found["allowed_status"] = status
    return found


def main(argv):
    args = argv[1:]
    token = None
    if len(args) == 3 and args[1] == "--token":
        token = args[2]
        args = args[:1]
    if len(args) != 1:
        sys.stderr.write("usage: rfc9728-client.py URL [--token TOKEN]\n")
        return 2
    try:
        found = run(args[0], token)
    except (Failure, OSError, ValueError, http.client.HTTPException) as error:
        sys.stderr.write("rfc9728-client: %s\n" % error)
        return 1
    print(json.dumps(found, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
