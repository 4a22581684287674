"""Schemathesis hooks for Throughcare's HTTP fuzzing (loaded with SCHEMATHESIS_HOOKS).

- Authentication: a real OAuth2 client-credentials token from the identity provider the apps
  trust, for the app's own resource, refreshed before it expires. The client holds every role,
  so requests pass the guard and reach validation: the fuzzing is of the input, not of access
  (the authorisation matrix covers access).
- One extra check: every 4xx is RFC 9457 problem+json with our `code`, and a validation failure
  names the offending field(s).
"""

import base64
import json
import os
import urllib.parse
import urllib.request

import schemathesis

ISSUER = os.environ["FUZZ_ISSUER"].rstrip("/")
CLIENT_ID = os.environ["FUZZ_CLIENT_ID"]
CLIENT_SECRET = os.environ["FUZZ_CLIENT_SECRET"]
RESOURCE = os.environ["FUZZ_RESOURCE"]


@schemathesis.auth(refresh_interval=120)
class ClientCredentials:
    def get(self, case, ctx):
        basic = base64.b64encode(
            f"{urllib.parse.quote(CLIENT_ID)}:{urllib.parse.quote(CLIENT_SECRET)}".encode()
        ).decode()
        body = urllib.parse.urlencode({"grant_type": "client_credentials", "resource": RESOURCE}).encode()
        request = urllib.request.Request(
            f"{ISSUER}/token",
            data=body,
            headers={
                "authorization": f"Basic {basic}",
                "content-type": "application/x-www-form-urlencoded",
            },
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)["access_token"]

    def set(self, case, data, ctx):
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {data}"


@schemathesis.check
def problem_details_for_client_errors(ctx, response, case):
    """A 4xx is application/problem+json with status and code; a 400 VALIDATION_FAILED names fields."""
    if not 400 <= response.status_code < 500:
        return None
    content_type = ";".join(response.headers.get("content-type", []))
    if "application/problem+json" not in content_type:
        raise AssertionError(f"{response.status_code} answered with content-type {content_type!r}, not problem+json")
    try:
        problem = json.loads(response.content)
    except ValueError as error:
        raise AssertionError(f"{response.status_code} problem+json body is not JSON: {error}") from error
    if problem.get("status") != response.status_code or not problem.get("code"):
        raise AssertionError(f"problem+json without matching status and a code: {problem!r}")
    if problem.get("code") == "VALIDATION_FAILED":
        errors = problem.get("errors") or []
        if not errors or not all(isinstance(e, dict) and isinstance(e.get("field"), str) and e.get("field") for e in errors):
            raise AssertionError(f"validation failure that names no field: {problem!r}")
    return None


@schemathesis.serializer("text/csv")
def csv_body(ctx, value):
    """The directory's CSV import takes text/csv: the generated string is sent as the file's text
    (anything else the schema does not allow, as its JSON text, for the negative cases)."""
    if isinstance(value, bytes):
        return {"data": value}
    text = value if isinstance(value, str) else json.dumps(value)
    return {"data": text.encode("utf8", "surrogatepass")}
