"""Where standard logging (v2) puts its files in S3, and how the emulator reads a stack's
deliveries: the examples of "Configure standard logging (v2)" (Send logs to Amazon S3:
partitioning, Hive-compatible file names, example paths to access logs)."""
import pytest

from edge_persist.cfn_values import ACCOUNT
from edge_persist.emulator.cloudfront.log_delivery import (LogDeliveryWriter, parquet_file,
                                                            rendered, s3_folder, s3_root)
from edge_persist.emulator.template import LogDelivery, read_stacks
from edge_persist.errors import UsageError
from tests.conftest import edited_copy

HOUR = "2025-03-04-05"


def delivery(prefix="", suffix=None, hive=False):
    return LogDelivery("s3", "amzn-s3-demo-bucket", "json", ("date",), prefix=prefix,
                       suffix_path=suffix, hive=hive)


@pytest.mark.parametrize("prefix,suffix,hive,folder", [
    # Amazon S3 bucket with a prefix
    ("MyLogPrefix", None, False, "MyLogPrefix"),
    ("MyLogPrefix", "myFolderA/", False, "MyLogPrefix/myFolderA"),
    ("MyLogPrefix", "myFolderA/{yyyy}", True, "MyLogPrefix/myFolderA/year=2025"),
    # Amazon S3 bucket without a prefix: AWSLogs/{account-id}/CloudFront first
    ("", None, False, f"AWSLogs/{ACCOUNT}/CloudFront"),
    ("", "myFolderA/", False, f"AWSLogs/{ACCOUNT}/CloudFront/myFolderA"),
    ("", "myFolderA/", True, f"AWSLogs/aws-account-id={ACCOUNT}/CloudFront/myFolderA"),
    ("", "myFolderA/{yyyy}", True, f"AWSLogs/aws-account-id={ACCOUNT}/CloudFront/myFolderA/"
                                   "year=2025"),
    # AWS account ID as a partition
    ("", None, True, f"AWSLogs/aws-account-id={ACCOUNT}/CloudFront"),
    ("", "myFolderA/{accountid}", True, f"AWSLogs/aws-account-id={ACCOUNT}/CloudFront/"
                                        f"myFolderA/accountid={ACCOUNT}"),
    # Partitioning examples, either spelling of the distribution id
    ("", "my_distribution_log_data/{DistributionId}/logs", False,
     f"AWSLogs/{ACCOUNT}/CloudFront/my_distribution_log_data/E1/logs"),
    ("p", "/cloudfront/{distributionid}/d/{yyyy}/{MM}/{dd}/{HH}/logs", False,
     "p/cloudfront/E1/d/2025/03/04/05/logs"),
    # Hive-compatible: every variable named; a path that names one already keeps its name
    ("p", "/cloudfront/{DistributionId}/d/{yyyy}/{MM}/{dd}/{HH}/logs", True,
     "p/cloudfront/DistributionId=E1/d/year=2025/month=03/day=04/hour=05/logs"),
    ("p", "/cloudfront/DistributionId={DistributionId}/year={yyyy}/logs", True,
     "p/cloudfront/DistributionId=E1/year=2025/logs"),
])
def test_the_guide_s_example_paths(prefix, suffix, hive, folder):
    assert s3_folder(delivery(prefix, suffix, hive), "E1", HOUR) == folder


@pytest.mark.parametrize("prefix,suffix,hive,root", [
    ("MyLogPrefix", "{DistributionId}/{yyyy}/{MM}", True, "MyLogPrefix/DistributionId=E1/"),
    ("", "x/{yyyy}", False, f"AWSLogs/{ACCOUNT}/CloudFront/x/"),
    ("p", None, False, "p/"),
    ("p", "a{yyyy}", False, "p/"),
])
def test_the_root_holds_every_hour(prefix, suffix, hive, root):
    d = delivery(prefix, suffix, hive)
    assert s3_root(d, "E1") == root
    assert s3_folder(d, "E1", HOUR).startswith(root.rstrip("/"))


def test_formats_write_the_fields_in_the_delivery_s_order():
    records = [{"time": "01:02:03", "date": "2025-03-04"}, {"time": "-", "date": "2025-03-05"}]
    w3c = LogDelivery("s3", "b", "w3c", ("time", "date"), delimiter="|")
    assert rendered(w3c, records) == ["#Fields: time date\n", "01:02:03|2025-03-04\n",
                                      "-|2025-03-05\n"]
    plain = LogDelivery("s3", "b", "plain", ("time", "date"), delimiter=",")
    assert rendered(plain, records) == ["01:02:03,2025-03-04\n", "-,2025-03-05\n"]
    json_ = LogDelivery("s3", "b", "json", ("time", "date"))
    assert rendered(json_, records)[0] == '{"time": "01:02:03", "date": "2025-03-04"}\n'
    import io

    import pyarrow.parquet as pq
    table = pq.read_table(io.BytesIO(parquet_file(json_, records)))
    assert table.column_names == ["time", "date"] and table.to_pylist() == records


def test_the_emulator_s_forecast_arguments_name_the_root():
    d = LogDelivery("s3", "logs-bucket", "parquet", ("date",), prefix="v2",
                    suffix_path="{DistributionId}/{yyyy}", hive=True)
    writer = LogDeliveryWriter("E1", "127.0.0.1:1", d, "http://127.0.0.1:9", "logs-bucket")
    try:
        assert writer.replay_args() == ["--from-access-logs",
                                        "s3://logs-bucket/v2/DistributionId=E1/"]
    finally:
        writer.close()


def _deliveries(cdk_out, tmp_path, edit):
    (model,) = read_stacks(edited_copy(cdk_out, tmp_path / "cdk.out", edit))
    return next(iter(model.distributions.values())).deliveries


def _destination(arn, output_format="w3c"):
    def edit(template):
        for resource in template["Resources"].values():
            if resource["Type"] == "AWS::Logs::DeliveryDestination":
                resource["Properties"].update({"DestinationResourceArn": arn,
                                               "OutputFormat": output_format})
    return edit


def test_a_stack_s_delivery_as_the_emulator_reads_it(cloud_assembly_with_logs, tmp_path):
    (found,) = _deliveries(cloud_assembly_with_logs, tmp_path, lambda t: None)
    assert (found.kind, found.output_format, found.prefix, found.hive) == (
        "s3", "parquet", "cloudfront-v2", True)
    assert found.suffix_path == "{DistributionId}/{yyyy}/{MM}/{dd}/{HH}"
    assert found.include_cookies  # the distribution's cookie logging, for v2 too


def test_destinations_named_by_arn(cloud_assembly_with_logs, tmp_path):
    (s3,) = _deliveries(cloud_assembly_with_logs, tmp_path / "a",
                        _destination("arn:aws:s3:::other-bucket/some/prefix"))
    assert (s3.kind, s3.target, s3.prefix, s3.output_format) == (
        "s3", "other-bucket", "some/prefix", "w3c")
    (group,) = _deliveries(cloud_assembly_with_logs, tmp_path / "b", _destination(
        "arn:aws:logs:eu-west-1:123456789012:log-group:cf-logs:*", "json"))
    assert (group.kind, group.target, group.region) == ("logs", "cf-logs", "eu-west-1")


def test_a_destination_the_emulator_cannot_write_to_is_one_line(cloud_assembly_with_logs,
                                                                tmp_path):
    with pytest.raises(UsageError) as err:
        _deliveries(cloud_assembly_with_logs, tmp_path, _destination(
            "arn:aws:firehose:us-east-1:123456789012:deliverystream/cf"))
    assert "firehose" in str(err.value) and "\n" not in str(err.value)
