"""Writes a store as the platform's other tools do, with boto3: the two
tables exactly as DESIGN.md gives them, items with times in the forms
Python and people write, ids and account types coop does not create, and
objects with a hand-written .source-metadata.json full of what other
writers put there. Prints a JSON manifest of the objects (path -> size,
sha256 hex) for the Go test.

Environment: INTEROP_DYNAMO, INTEROP_S3 (endpoint URLs), INTEROP_BUCKET,
INTEROP_ACCOUNTS, INTEROP_REPOSITORIES, and the usual AWS_* credentials.
"""

import datetime
import hashlib
import json
import os
from decimal import Decimal

import boto3
from botocore.config import Config

env = os.environ
ddb = boto3.resource("dynamodb", endpoint_url=env["INTEROP_DYNAMO"])
s3 = boto3.client("s3", endpoint_url=env["INTEROP_S3"], config=Config(s3={"addressing_style": "path"}))
bucket = env["INTEROP_BUCKET"]


def key(name, kind):
    return {"AttributeName": name, "KeyType": kind}


def attr(name):
    return {"AttributeName": name, "AttributeType": "S"}


def index(name, hash_, range_):
    return {"IndexName": name, "KeySchema": [key(hash_, "HASH"), key(range_, "RANGE")],
            "Projection": {"ProjectionType": "ALL"}}


accounts = ddb.create_table(
    TableName=env["INTEROP_ACCOUNTS"], BillingMode="PAY_PER_REQUEST",
    AttributeDefinitions=[attr("account_id"), attr("type"), attr("email")],
    KeySchema=[key("account_id", "HASH"), key("type", "RANGE")],
    GlobalSecondaryIndexes=[index("GSI1", "type", "account_id"), index("GSI2", "email", "account_id")])
repositories = ddb.create_table(
    TableName=env["INTEROP_REPOSITORIES"], BillingMode="PAY_PER_REQUEST",
    AttributeDefinitions=[attr("repository_id"), attr("account_id"), attr("created_at")],
    KeySchema=[key("repository_id", "HASH"), key("account_id", "RANGE")],
    GlobalSecondaryIndexes=[index("GSI1", "account_id", "created_at")])
accounts.wait_until_exists()
repositories.wait_until_exists()

# What datetime.utcnow().isoformat() writes: no zone, microseconds.
naive = datetime.datetime(2024, 1, 15, 10, 0, 0, 123456).isoformat()

for item in [
    {"account_id": "NASA_Earth", "type": "organization", "name": "NASA Earth", "email": "earth@nasa.example",
     "created_at": naive, "updated_at": "2024-01-15",
     "metadata_public": {"website": "https://earth.example", "big": Decimal("12345678901234567890")},
     "website": "https://earth.example"},  # an attribute coop does not know
    {"account_id": "alice", "type": "user", "name": "Alice", "email": "alice@example.org",
     "created_at": Decimal(1705312800), "updated_at": Decimal(1705312800123)},  # epoch s and ms
    {"account_id": "io", "type": "bot", "name": "Robot", "created_at": "2024-01-15T10:00:00+01:00"},
    {"account_id": "garbled", "type": "user", "name": "Garbled", "created_at": "yesterday",
     "metadata_public": "not a map"},
]:
    accounts.put_item(Item=item)

for item in [
    {"repository_id": "v2.0", "account_id": "NASA_Earth", "title": "Version two", "visibility": "public",
     "description": "A long description written by the web app.", "created_at": naive,
     "updated_at": naive, "metadata": {"doi": "10.1234/x"}},
    {"repository_id": "my_dataset", "account_id": "NASA_Earth", "title": "Mine", "visibility": "public",
     "created_at": "2024-02-01"},
    {"repository_id": "stuff", "account_id": "io", "title": "Stuff", "visibility": "public",
     "created_at": "2024-03-01T00:00:00Z"},
]:
    repositories.put_item(Item=item)

manifest = {}


def put(path, body):
    body = body.encode()
    s3.put_object(Bucket=bucket, Key=path, Body=body)
    manifest[path] = {"size": len(body), "sha256": hashlib.sha256(body).hexdigest()}


put("NASA_Earth/v2.0/data/a.csv", "station,value\nst-42,7\n")
put("NASA_Earth/v2.0/data/b.csv", "station,value\nst-43,9\n")
put("NASA_Earth/v2.0/readme.md", "# Version two\n")
put("NASA_Earth/v2.0/replaced.txt", "a different and longer content\n")
put("NASA_Earth/v2.0/odd//double.txt", "double slash\n")
put("NASA_Earth/v2.0/odd/./dot.txt", "dot segment\n")
put("NASA_Earth/v2.0/odd/trailing.txt ", "trailing space\n")
for i in range(8):
    put(f"NASA_Earth/my_dataset/part-{i}.csv", f"n,v\n{i},{i * i}\n")
put("io/stuff/hello.txt", "hello\n")

m = lambda p: manifest["NASA_Earth/v2.0/" + p]  # noqa: E731
now = datetime.datetime.now(datetime.timezone.utc).isoformat()
document = {
    "repository_id": "v2.0", "account_id": "NASA_Earth", "last_updated": naive,
    "generator": {"name": "boto3 script", "version": 3},  # a field coop does not know
    "objects": {
        "data": {"id": "legacy-dir", "type": "directory", "size": 0, "mime_type": "", "created_at": naive,
                 "updated_at": naive, "checksum": "", "metadata": {}},
        # The SHA-256 as bare upper-case hex, times in other forms.
        "data/a.csv": {"id": "legacy-a", "type": "file", "size": m("data/a.csv")["size"], "mime_type": "text/csv",
                       "created_at": naive, "updated_at": now, "checksum": m("data/a.csv")["sha256"].upper(),
                       "metadata": {"station": "st-42", "precise": 12345678901234567890123},
                       "origin": "boto3"},  # a field coop does not know
        # Another algorithm: not checkable by coop.
        "data/b.csv": {"id": "legacy-b", "type": "file", "size": m("data/b.csv")["size"], "mime_type": "text/csv",
                       "created_at": 1705312800, "updated_at": now,
                       "checksum": "md5:" + hashlib.md5(b"station,value\nst-43,9\n").hexdigest(), "metadata": None},
        "readme.md": {"id": "legacy-readme", "type": "file", "size": m("readme.md")["size"],
                      "mime_type": "text/markdown", "created_at": "2024-01-15", "updated_at": now,
                      "checksum": "sha256:" + m("readme.md")["sha256"], "metadata": {}},
        # Recorded, but the object was deleted behind the document's back.
        "ghost.txt": {"id": "legacy-ghost", "type": "file", "size": 5, "mime_type": "text/plain",
                      "created_at": naive, "updated_at": now, "checksum": "sha256:" + "0" * 64, "metadata": {}},
        # Recorded with the size of the object it replaced.
        "replaced.txt": {"id": "legacy-replaced", "type": "file", "size": 3, "mime_type": "text/plain",
                         "created_at": naive, "updated_at": now, "checksum": "sha256:" + "1" * 64, "metadata": {}},
    },
}
s3.put_object(Bucket=bucket, Key="NASA_Earth/v2.0/.source-metadata.json", Body=json.dumps(document, indent=2).encode())
print(json.dumps(manifest))
