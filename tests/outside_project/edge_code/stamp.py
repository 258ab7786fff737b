"""origin-response: every answer from the bucket gets X-Stamp."""


def handler(event, context):
    response = event["Records"][0]["cf"]["response"]
    print("stamping", response["status"])
    response["headers"]["x-stamp"] = [{"key": "X-Stamp", "value": "python"}]
    return response
