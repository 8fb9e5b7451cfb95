#!/usr/bin/env python3
"""An Amazon Cognito user pool on 127.0.0.1 (moto's emulator), signed in, for ScopeGate's tests.

Usage: scripts/idp/cognito-emulator.py

Starts moto's server in this process on 127.0.0.1 with a port the OS picks, and sets up, with
boto3 against it (dummy credentials, region eu-west-1: nothing reaches AWS):

- a user pool with a resource server `https://api.example.test` and its scopes
  `read:appointments` and `write:appointments`;
- app client `scopegate-web`, allowed those scopes, and a second app client `scopegate-other`;
- user `alice` with a permanent password, signed in through each client (USER_PASSWORD_AUTH).

Then prints ONE JSON line on stdout and serves until its standard input is closed:

  {"issuer": "https://cognito-idp.eu-west-1.amazonaws.com/<pool id>",
   "jwks_url": "http://127.0.0.1:<port>/<pool id>/.well-known/jwks.json",
   "endpoint": "http://127.0.0.1:<port>", "region": "eu-west-1", "user_pool_id": "...",
   "client_id": "...", "other_client_id": "...", "username": "alice",
   "access_token": "...", "id_token": "...", "other_access_token": "...",
   "access_token_scope": "aws.cognito.signin.user.admin"}

`access_token` and `id_token` come from `client_id`'s sign-in, `other_access_token` from
`other_client_id`'s. What moto issues (as real Cognito does for a user signing in with a
password; resource-server scopes only come from the OAuth2 /oauth2/token endpoint, which
moto does not serve):

- every token's header: {"typ": "JWT", "kid": "dummy", "alg": "RS256"}; every pool of moto
  signs with that one RSA key, published at `/<pool id>/.well-known/jwks.json`;
- access token: iss, sub, client_id, token_use "access", iat, auth_time, exp (iat + 3600), jti,
  username, origin_jti, scope "aws.cognito.signin.user.admin"; no `aud`;
- ID token: iss, sub, aud (the client id), token_use "id", iat, auth_time, exp, jti,
  cognito:username, origin_jti (plus the attributes the app client may read: none here).

Exit status: 0 after stdin closed; 3 when moto, boto3 or joserfc is missing (the message says
how to install them); 1 when the emulator did not answer as expected (the message says what).
"""
import base64
import json
import logging
import os
import sys
import urllib.request

REGION = "eu-west-1"
RESOURCE_SERVER = "https://api.example.test"
SCOPES = ["read:appointments", "write:appointments"]
USERNAME = "alice"
PASSWORD = "Correct-Horse-9-Battery"


# Exit statuses: 1 the emulator did not answer as expected; 3 moto, boto3 or joserfc is missing.
MISSING_DEPENDENCIES = 3


def fail(message, status=1):
    print(f"cognito-emulator: {message}", file=sys.stderr, flush=True)
    sys.exit(status)


def segment(token, index):
    """The decoded JSON of a compact JWS's header (0) or payload (1)."""
    part = token.split(".")[index]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def main():
    # Dummy credentials and no proxy for loopback: nothing here may reach AWS or use real keys.
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        os.environ.pop(name, None)
    os.environ.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_DEFAULT_REGION": REGION, "AWS_CONFIG_FILE": os.devnull,
                       "AWS_SHARED_CREDENTIALS_FILE": os.devnull})
    os.environ["NO_PROXY"] = ",".join(filter(None, [os.environ.get("NO_PROXY"), "127.0.0.1"]))
    try:
        import boto3
        from moto.server import ThreadedMotoServer
        import joserfc  # noqa: F401 (moto's Cognito signs with it: the `cognitoidp` extra)
    except ImportError as error:
        fail(f"{error}; install with: python3 -m pip install 'moto[server,cognitoidp]>=5.1,<6'", MISSING_DEPENDENCIES)

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        print(json.dumps(set_up(boto3, endpoint)), flush=True)
        sys.stdin.read()  # until the test (or a user) closes stdin
    finally:
        server.stop()


def set_up(boto3, endpoint):
    idp = boto3.client("cognito-idp", region_name=REGION, endpoint_url=endpoint)
    pool_id = idp.create_user_pool(PoolName="scopegate-test")["UserPool"]["Id"]
    idp.create_resource_server(UserPoolId=pool_id, Identifier=RESOURCE_SERVER, Name="appointments API",
                               Scopes=[{"ScopeName": s, "ScopeDescription": s} for s in SCOPES])

    def client(name):
        return idp.create_user_pool_client(
            UserPoolId=pool_id, ClientName=name, GenerateSecret=False,
            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
            AllowedOAuthFlowsUserPoolClient=True, AllowedOAuthFlows=["code"],
            AllowedOAuthScopes=["openid"] + [f"{RESOURCE_SERVER}/{s}" for s in SCOPES],
            CallbackURLs=["https://app.example.test/callback"], SupportedIdentityProviders=["COGNITO"],
        )["UserPoolClient"]["ClientId"]

    client_id, other_client_id = client("scopegate-web"), client("scopegate-other")
    idp.admin_create_user(UserPoolId=pool_id, Username=USERNAME, MessageAction="SUPPRESS",
                          UserAttributes=[{"Name": "email", "Value": "alice@example.test"},
                                          {"Name": "email_verified", "Value": "true"}])
    idp.admin_set_user_password(UserPoolId=pool_id, Username=USERNAME, Password=PASSWORD, Permanent=True)

    def sign_in(client_id):
        result = idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                                   AuthParameters={"USERNAME": USERNAME, "PASSWORD": PASSWORD})
        if "AuthenticationResult" not in result:
            fail(f"sign-in through {client_id} gave no tokens: {result}")
        return result["AuthenticationResult"]

    signed_in, other = sign_in(client_id), sign_in(other_client_id)
    access_token, id_token = signed_in["AccessToken"], signed_in["IdToken"]
    issuer = segment(access_token, 1)["iss"]

    # The pool's JWKS is served by the same server; the tokens' kid must be in it.
    jwks_url = f"{endpoint}/{pool_id}/.well-known/jwks.json"
    with urllib.request.urlopen(jwks_url, timeout=10) as response:
        jwks = json.load(response)
    kids = [key.get("kid") for key in jwks.get("keys", [])]
    if segment(access_token, 0).get("kid") not in kids:
        fail(f"the access token's kid {segment(access_token, 0).get('kid')!r} is not in {jwks_url} (kids {kids})")

    return {"issuer": issuer, "jwks_url": jwks_url, "endpoint": endpoint, "region": REGION,
            "user_pool_id": pool_id, "client_id": client_id, "other_client_id": other_client_id,
            "username": USERNAME, "access_token": access_token, "id_token": id_token,
            "other_access_token": other["AccessToken"],
            "access_token_scope": segment(access_token, 1).get("scope")}


if __name__ == "__main__":
    main()
