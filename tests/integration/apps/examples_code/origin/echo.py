"""The examples app's Function URL origin: echoes what it received as JSON; `status` and
`h-NAME=VALUE` query parameters set its status and response headers."""
import json


def handler(event, context):
    query = event.get("queryStringParameters") or {}
    headers = {"Content-Type": "application/json", "Cache-Control": "no-store"}
    headers.update({k[2:]: v for k, v in query.items() if k.startswith("h-")})
    return {"statusCode": int(query.get("status", "200")), "headers": headers,
            "body": json.dumps({"path": event["rawPath"], "query": event["rawQueryString"],
                                "headers": event["headers"]})}
