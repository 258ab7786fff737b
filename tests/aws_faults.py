"""Make a boto3 client's next calls fail as AWS would, before moto sees them."""
import json

import botocore.awsrequest
from moto.core.botocore_stubber import MockRawResponse


def fail_first(client, event_name, code, message, times, status=400):
    """The first `times` calls matching `event_name` (e.g. 'before-send.lambda.DeleteFunction')
    get an AWS JSON error; later ones reach moto. Returns a dict counting the calls."""
    calls = {"n": 0}

    def handler(request, **_):
        calls["n"] += 1
        if calls["n"] <= times:
            body = json.dumps({"__type": code, "message": message, "Message": message}).encode()
            return botocore.awsrequest.AWSResponse(request.url, status,
                                                   {"x-amzn-errortype": code},
                                                   MockRawResponse(body))
        return None

    client.meta.events.register_first(event_name, handler)
    return calls
