"""The benchmark's origin-request handler: one header, as the article's function sets it."""


def handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    request["headers"]["custom_header"] = [{"key": "custom_header",
                                            "value": "2026-11-23T00:00:00.000Z"}]
    return request
