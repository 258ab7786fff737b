"""make cleanup on moto: what the stack named goes, nothing else, and replicas are explained."""
import io
import json
import zipfile

import boto3
import botocore.awsrequest
import pytest
from moto import mock_aws

from edge_persist import cleanup, contract
from edge_persist.aws import Aws
from tests.aws_faults import fail_first

FN, DIST = "EdgePersistStack-edge", "E2EXAMPLE123"
REGIONS = ("us-east-1", "eu-west-3", "ap-northeast-1")


@pytest.fixture
def aws(monkeypatch):
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        yield


def zipped():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def handler(e, c):\n    return e\n")
    return buffer.getvalue()


def deploy_leftovers(tags=None):
    """What cdk destroy leaves: the retained function with two versions, logs in 3 regions."""
    iam = boto3.client("iam")
    role = iam.create_role(RoleName="edge", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    lam = boto3.client("lambda", region_name="us-east-1")
    for name in (FN, "SomeoneElses-edge"):
        lam.create_function(FunctionName=name, Runtime="python3.13", Role=role,
                            Handler="handler.handler", Code={"ZipFile": zipped()},
                            Tags=tags or {})
        lam.publish_version(FunctionName=name)
        lam.update_function_code(FunctionName=name, ZipFile=zipped() + b"")
        lam.publish_version(FunctionName=name)
    for region in REGIONS:
        logs = boto3.client("logs", region_name=region)
        logs.create_log_group(logGroupName=contract.edge_log_group(FN))
        logs.create_log_group(logGroupName=contract.edge_log_group(FN) + "-other")
        logs.create_log_group(logGroupName=contract.cloudfront_edge_error_log_group(DIST))
        logs.create_log_group(logGroupName="/aws/lambda/unrelated")


def outputs(tmp_path):
    path = tmp_path / "cdk-outputs.json"
    path.write_text(json.dumps({"EdgePersistStack": {"EdgeFunctionName": FN,
                                                     "DistributionId": DIST}}))
    return path


def groups(region):
    return sorted(g["logGroupName"] for g in
                  boto3.client("logs", region_name=region).describe_log_groups()["logGroups"])


def functions():
    return sorted(f["FunctionName"] for f in
                  boto3.client("lambda", region_name="us-east-1").list_functions()["Functions"])


def run(tmp_path, *extra):
    lines = []
    args = cleanup.build_parser().parse_args(["--outputs-file", str(outputs(tmp_path)),
                                              "--regions", ",".join(REGIONS), *extra])
    return cleanup.run(args, say=lines.append), lines


def test_without_yes_it_only_lists(aws, tmp_path):
    deploy_leftovers()
    code, lines = run(tmp_path)
    assert code == 0 and "nothing deleted" in lines[-1]
    assert any(f"would delete function {FN}" in line and "1, 2" in line for line in lines)
    assert sum("would delete log group" in line for line in lines) == 2 * len(REGIONS)
    assert FN in functions() and contract.edge_log_group(FN) in groups("eu-west-3")


def test_yes_deletes_only_what_the_stack_named(aws, tmp_path):
    deploy_leftovers()
    code, _ = run(tmp_path, "--yes")
    assert code == 0
    assert functions() == ["SomeoneElses-edge"]
    for region in REGIONS:
        assert groups(region) == ["/aws/lambda/unrelated", contract.edge_log_group(FN) + "-other"]


def test_a_replicated_function_is_explained_and_kept(aws, tmp_path, monkeypatch):
    deploy_leftovers()
    real_client, faulted = Aws.client, []

    def client(self, service, region):
        made = real_client(self, service, region)
        if service == "lambda" and not faulted:  # only the first run meets the replicas
            faulted.append(made)
            fail_first(made, "before-send.lambda.DeleteFunction", "InvalidParameterValueException",
                       f"Lambda was unable to delete {FN}:1 because it is a replicated "
                       "function. Please see our documentation for Deleting Lambda@Edge "
                       "Functions and Replicas.", times=1)
        return made
    monkeypatch.setattr(Aws, "client", client)
    code, lines = run(tmp_path, "--yes")
    assert code == cleanup.EXIT_PENDING
    assert any("still replicated" in line and "make cleanup" in line for line in lines)
    assert FN in functions()
    code, lines = run(tmp_path, "--yes")  # later, CloudFront has let go
    assert code == 0 and FN not in functions()


def test_finds_the_function_by_its_stack_tags_when_outputs_are_gone(aws, tmp_path):
    deploy_leftovers(tags={"aws:cloudformation:stack-name": "EdgePersistStack",
                           "aws:cloudformation:logical-id": "EdgeFunction71EFB7B6"})
    args = cleanup.build_parser().parse_args(["--outputs-file", str(tmp_path / "none.json"),
                                              "--regions", "eu-west-3", "--yes"])
    assert cleanup.run(args, say=lambda _: None) == 0
    assert FN not in functions()


def test_refuses_while_the_stack_still_exists(aws, tmp_path, capsys):
    deploy_leftovers()
    boto3.client("cloudformation", region_name="us-east-1").create_stack(
        StackName="EdgePersistStack", TemplateBody=json.dumps({"Resources": {"Q": {
            "Type": "AWS::SQS::Queue"}}}))
    assert cleanup.main(["--outputs-file", str(outputs(tmp_path)), "--yes",
                         "--regions", "us-east-1"]) == 2
    assert "still exists" in capsys.readouterr().err
    assert FN in functions()


def test_no_credentials_is_one_line_and_exit_2(no_aws_credentials, tmp_path, capsys):
    assert cleanup.main(["--outputs-file", str(outputs(tmp_path))]) == 2
    err = capsys.readouterr().err.strip()
    assert "no AWS credentials" in err and len(err.splitlines()) == 1


def leave_viewer_side(associate=True):
    """A failed deletion's leftovers: the viewer function and its store, and someone else's."""
    cf = boto3.client("cloudfront", region_name="us-east-1")
    stores = {}
    for name in ("EdgePersistStack-kvs", "Other-kvs"):
        stores[name] = cf.create_key_value_store(Name=name)["KeyValueStore"]["ARN"]
    for name in ("EdgePersistStack-viewer", "Other-viewer"):
        config = {"Comment": "c", "Runtime": "cloudfront-js-2.0"}
        if associate:
            config["KeyValueStoreAssociations"] = {"Quantity": 1, "Items": [
                {"KeyValueStoreARN": stores[name.replace("viewer", "kvs")]}]}
        cf.create_function(Name=name, FunctionConfig=config,
                           FunctionCode=b"function handler(e) { return e.request }")
    return cf


def viewer_side(cf):
    return (sorted(f["Name"] for f in cf.list_functions()["FunctionList"].get("Items") or []),
            sorted(k["Name"] for k in
                   cf.list_key_value_stores()["KeyValueStoreList"].get("Items") or []))


def test_the_viewer_function_and_its_store_are_listed_then_deleted_in_order(aws, tmp_path):
    deploy_leftovers()
    cf = leave_viewer_side()
    code, lines = run(tmp_path)
    assert code == 0
    assert "would delete CloudFront function EdgePersistStack-viewer" in lines
    assert "would delete key value store EdgePersistStack-kvs" in lines
    assert viewer_side(cf) == (["EdgePersistStack-viewer", "Other-viewer"],
                               ["EdgePersistStack-kvs", "Other-kvs"])
    code, lines = run(tmp_path, "--yes")
    assert code == 0
    # the function first: a store cannot go while a function is associated with it
    assert lines.index("deleted CloudFront function EdgePersistStack-viewer") < \
        lines.index("deleted key value store EdgePersistStack-kvs")
    assert viewer_side(cf) == (["Other-viewer"], ["Other-kvs"])


def test_a_store_still_in_use_is_explained_and_kept(aws, tmp_path, monkeypatch):
    deploy_leftovers()
    cf = leave_viewer_side(associate=False)
    real_client, refused = Aws.client, []

    def in_use(**_):  # before-call: CloudFront answers without moto seeing the call
        refused.append(1)
        return (botocore.awsrequest.AWSResponse(None, 409, {}, None),
                {"Error": {"Code": "CannotDeleteEntityWhileInUse", "Message": "in use"},
                 "ResponseMetadata": {"HTTPStatusCode": 409}})

    def client(self, service, region):
        made = real_client(self, service, region)
        if service == "cloudfront" and not getattr(made, "_refuses", False):
            made._refuses = True
            made.meta.events.register_first("before-call.cloudfront.DeleteKeyValueStore",
                                            in_use)
        return made
    monkeypatch.setattr(Aws, "client", client)
    code, lines = run(tmp_path, "--yes")
    assert code == cleanup.EXIT_PENDING and refused
    assert any("still in use" in line and "make cleanup" in line for line in lines)
    assert "EdgePersistStack-kvs" in viewer_side(cf)[1]


def leave_log_delivery(stack="EdgePersistStack"):
    """A standard logging (v2) chain a failed deletion left, and someone else's."""
    logs = boto3.client("logs", region_name="us-east-1")
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="logs-bucket")
    for name in (f"{stack}-access-logs", "Other-access-logs"):
        logs.put_delivery_source(name=name, logType="ACCESS_LOGS",
                                 resourceArn=f"arn:aws:cloudfront::123456789012:distribution/"
                                             f"{DIST if name.startswith(stack) else 'EOTHER'}")
        destination = logs.put_delivery_destination(
            name=f"{name}-s3", outputFormat="parquet",
            deliveryDestinationConfiguration={
                "destinationResourceArn": "arn:aws:s3:::logs-bucket"})["deliveryDestination"]
        logs.create_delivery(deliverySourceName=name,
                             deliveryDestinationArn=destination["arn"])


def test_a_left_standard_logging_v2_chain_is_listed_then_deleted_deliveries_first(aws,
                                                                                   tmp_path):
    deploy_leftovers()
    leave_log_delivery()
    code, lines = run(tmp_path)
    assert code == 0
    assert any("would delete log delivery" in line for line in lines), lines
    assert "would delete delivery destination EdgePersistStack-access-logs-s3" in lines
    assert "would delete delivery source EdgePersistStack-access-logs" in lines
    code, lines = run(tmp_path, "--yes")
    assert code == 0
    chain = [line for line in lines if "deliver" in line]
    assert chain[0].startswith("deleted log delivery ") and chain[1:] == [
        "deleted delivery destination EdgePersistStack-access-logs-s3",
        "deleted delivery source EdgePersistStack-access-logs"], lines  # the delivery first
    logs = boto3.client("logs", region_name="us-east-1")
    assert [s["name"] for s in logs.describe_delivery_sources()["deliverySources"]] == [
        "Other-access-logs"]
    assert [d["deliverySourceName"] for d in logs.describe_deliveries()["deliveries"]] == [
        "Other-access-logs"]
