"""Reads, with boto3, what coop wrote into a store seed.py made, and checks
it against the platform's schema (DESIGN.md) and against what the other
tools had written: every attribute of an item, times in RFC 3339 UTC,
RFC 9562 ids, sha256 checksums that are the objects', and every field
coop does not know kept. Prints one line per failure and exits 1 if any.

Arguments: the paths coop uploaded into NASA_Earth/v2.0 and
NASA_Earth/my_dataset, as REPO:PATH.
"""

import base64
import json
import os
import re
import sys
import uuid
from datetime import datetime, timezone

import boto3
from botocore.config import Config

env = os.environ
ddb = boto3.client("dynamodb", endpoint_url=env["INTEROP_DYNAMO"])
s3 = boto3.client("s3", endpoint_url=env["INTEROP_S3"], config=Config(s3={"addressing_style": "path"}))
bucket = env["INTEROP_BUCKET"]
failures = []


def fail(msg):
    failures.append(msg)


def rfc3339_utc(value, what):
    """A time coop wrote: RFC 3339, in UTC (a Z), that Python reads."""
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", value):
        fail(f"{what} = {value!r}: not RFC 3339 UTC")
        return None
    # Python before 3.11 reads at most 6 fraction digits and no Z.
    head, _, frac = value[:-1].partition(".")
    return datetime.fromisoformat(head + ("." + (frac + "000000")[:6] if frac else "")).replace(tzinfo=timezone.utc)


def item(table, key):
    out = ddb.get_item(TableName=table, Key={k: {"S": v} for k, v in key.items()}, ConsistentRead=True)
    if "Item" not in out:
        fail(f"{table} {key}: no item")
        return {}
    return out["Item"]


def schema(it, what, strings, maps, optional=()):
    """Every attribute of the schema is there, of its type (S or M)."""
    for name in strings:
        if name in optional and name not in it:
            continue
        if "S" not in it.get(name, {}):
            fail(f"{what}: {name} = {it.get(name)!r}, want a string")
    for name in maps:
        if "M" not in it.get(name, {}):
            fail(f"{what}: {name} = {it.get(name)!r}, want a map (an empty one when empty)")
    for name in ("created_at", "updated_at"):
        if "S" in it.get(name, {}):
            rfc3339_utc(it[name]["S"], f"{what} {name}")


# Items coop created.
acct = item(env["INTEROP_ACCOUNTS"], {"account_id": "newbie", "type": "user"})
schema(acct, "account newbie", ["account_id", "type", "name", "created_at", "updated_at", "email"],
       ["metadata_public", "metadata_private"], optional=["email"])
repo = item(env["INTEROP_REPOSITORIES"], {"repository_id": "fresh-data", "account_id": "NASA_Earth"})
schema(repo, "repository NASA_Earth/fresh-data",
       ["repository_id", "account_id", "title", "description", "created_at", "updated_at", "visibility"], ["metadata"])
if repo.get("visibility", {}).get("S") not in ("public", "private"):
    fail(f"repository NASA_Earth/fresh-data visibility = {repo.get('visibility')!r}")

# An item another tool wrote, updated by coop (a member added): what coop
# does not know is kept, what it could not change is as it was.
nasa = item(env["INTEROP_ACCOUNTS"], {"account_id": "NASA_Earth", "type": "organization"})
if nasa.get("website") != {"S": "https://earth.example"}:
    fail(f"account NASA_Earth lost the attribute coop does not know: website = {nasa.get('website')!r}")
if nasa.get("created_at") != {"S": "2024-01-15T10:00:00.123456"}:
    fail(f"account NASA_Earth created_at rewritten: {nasa.get('created_at')!r}")
if nasa.get("metadata_public", {}).get("M", {}).get("big") != {"N": "12345678901234567890"}:
    fail(f"account NASA_Earth metadata_public changed: {nasa.get('metadata_public')!r}")
members = nasa.get("metadata_private", {}).get("M", {})
if not members:
    fail(f"account NASA_Earth: the member coop added is not in metadata_private: {nasa.get('metadata_private')!r}")
rfc3339_utc(nasa.get("updated_at", {}).get("S"), "account NASA_Earth updated_at")
garbled = item(env["INTEROP_ACCOUNTS"], {"account_id": "garbled", "type": "user"})
if garbled.get("metadata_public") != {"S": "not a map"} or garbled.get("created_at") != {"S": "yesterday"}:
    fail(f"account garbled, which coop could not read, was changed: {garbled!r}")


def document(repo):
    body = s3.get_object(Bucket=bucket, Key=f"NASA_Earth/{repo}/.source-metadata.json")["Body"].read()
    try:
        return json.loads(body)
    except ValueError as e:
        fail(f"NASA_Earth/{repo}/.source-metadata.json is not JSON: {e}")
        return {"objects": {}}


def entry_schema(repo, path, e, coop_made):
    what = f"NASA_Earth/{repo}/{path}"
    if not coop_made:
        return  # another tool's entry: kept as it wrote it (checked above where it matters)
    for name, kind in (("id", str), ("type", str), ("size", int), ("mime_type", str), ("created_at", str),
                       ("updated_at", str), ("checksum", str), ("metadata", dict)):
        if not isinstance(e.get(name), kind):
            fail(f"{what}: {name} = {e.get(name)!r}, want a {kind.__name__}")
    if e.get("type") not in ("file", "directory"):
        fail(f"{what}: type {e.get('type')!r}")
    try:
        u = uuid.UUID(e.get("id", ""))
        if u.variant != uuid.RFC_4122 or u.version not in (4, 7) or str(u) != e["id"]:
            fail(f"{what}: id {e['id']} is not an RFC 9562 UUID of version 4 or 7")
    except ValueError:
        fail(f"{what}: id {e.get('id')!r} is not a UUID")
    for name in ("created_at", "updated_at"):
        rfc3339_utc(e.get(name), f"{what} {name}")
    if e.get("type") == "file":
        if not re.fullmatch(r"sha256:[0-9a-f]{64}", e.get("checksum", "")):
            fail(f"{what}: checksum {e.get('checksum')!r}, want sha256:<64 hex>")
        head = s3.head_object(Bucket=bucket, Key=f"NASA_Earth/{repo}/{path}", ChecksumMode="ENABLED")
        if head["ContentLength"] != e.get("size"):
            fail(f"{what}: size {e.get('size')} recorded, {head['ContentLength']} stored")
        stored = head.get("ChecksumSHA256")
        # Only a full-object checksum is the content's (a multipart upload's
        # composite one is "<digest of the parts' digests>-<parts>").
        whole = stored and "-" not in stored and head.get("ChecksumType", "FULL_OBJECT") == "FULL_OBJECT"
        if whole and base64.b64decode(stored).hex() != e["checksum"][7:]:
            fail(f"{what}: the object's own SHA-256 {base64.b64decode(stored).hex()} is not the recorded {e['checksum']}")


uploaded = [a.split(":", 1) for a in sys.argv[1:]]

v2 = document("v2.0")
if v2.get("generator") != {"name": "boto3 script", "version": 3}:
    fail(f"v2.0: the top-level field coop does not know was not kept: {v2.get('generator')!r}")
rfc3339_utc(v2.get("last_updated"), "v2.0 last_updated")
objs = v2.get("objects", {})
a = objs.get("data/a.csv", {})
if a.get("origin") != "boto3" or a.get("id") != "legacy-a" or a.get("metadata", {}).get("precise") != 12345678901234567890123:
    fail(f"v2.0 data/a.csv lost what coop does not know, its id or a number beyond float64: {a!r}")
if "ghost.txt" in objs:
    fail("v2.0: repair kept the entry of an object that is gone")
for path, e in objs.items():
    entry_schema("v2.0", path, e, not str(e.get("id", "")).startswith("legacy-"))

mine = document("my_dataset")
for path, e in mine.get("objects", {}).items():
    entry_schema("my_dataset", path, e, True)

# Issue 10.3: my_dataset had objects but no document; coop's first upload
# into it wrote a whole document, listing every object, not the new one alone.
prefix = "NASA_Earth/my_dataset/"
for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
    for o in page.get("Contents", []):
        path = o["Key"][len(prefix):]
        if path != ".source-metadata.json" and path not in mine.get("objects", {}):
            fail(f"{prefix}{path}: stored before coop's first upload, but not in the document it wrote")

for repo, path in uploaded:
    doc = v2 if repo == "v2.0" else mine
    if path not in doc.get("objects", {}):
        fail(f"NASA_Earth/{repo}/{path}: uploaded by coop but not recorded")

for f in failures:
    print(f)
sys.exit(1 if failures else 0)
