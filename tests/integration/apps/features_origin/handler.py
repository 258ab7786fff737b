"""The feature app's Function URL origin: echoes what it received, with the status,
Cache-Control, cookie (`setcookie`), header size (`bigheader`) and Vary (`vary`) the query
asks for."""
import json


def handler(event, context):
    query = event.get("queryStringParameters") or {}
    return {"statusCode": int(query.get("status", "200")),
            "cookies": [query["setcookie"]] if "setcookie" in query else [],
            "headers": {"Content-Type": "application/json",
                        "Cache-Control": query.get("cc", "no-store"),
                        **({"X-Big": "b" * int(query["bigheader"])} if "bigheader" in query
                           else {}),
                        **({"Vary": query["vary"]} if "vary" in query else {})},
            "body": json.dumps({"path": event["rawPath"], "query": event["rawQueryString"],
                                "headers": event["headers"], "cookies": event.get("cookies"),
                                "method": event["requestContext"]["http"]["method"]})}
