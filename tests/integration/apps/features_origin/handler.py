"""The feature app's Function URL origin: echoes what it received, with the status and
Cache-Control the query asks for."""
import json


def handler(event, context):
    query = event.get("queryStringParameters") or {}
    return {"statusCode": int(query.get("status", "200")),
            "headers": {"Content-Type": "application/json",
                        "Cache-Control": query.get("cc", "no-store")},
            "body": json.dumps({"path": event["rawPath"], "query": event["rawQueryString"],
                                "headers": event["headers"],
                                "method": event["requestContext"]["http"]["method"]})}
