"""Regions, in one place."""
from edge_persist.contract import HOME_REGION

# Lambda@Edge runs in the regional edge caches and logs in their regions. These are the 17
# commercial regions enabled by default in every account (no opt-in): the ones worth scanning.
EDGE_LOG_REGIONS = (
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "sa-east-1",
    "eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-north-1",
    "ap-south-1", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
    "ap-southeast-1", "ap-southeast-2",
)
assert HOME_REGION in EDGE_LOG_REGIONS


def parse_regions(text):
    """'all' or a comma list; unknown names are a usage error, reported by the caller."""
    if text.strip().lower() == "all":
        return list(EDGE_LOG_REGIONS)
    regions = [r.strip() for r in text.split(",") if r.strip()]
    unknown = [r for r in regions if r not in EDGE_LOG_REGIONS]
    if unknown or not regions:
        raise ValueError(f"unknown region(s) {', '.join(unknown) or '(none given)'}; "
                         f"use 'all' or some of: {', '.join(EDGE_LOG_REGIONS)}")
    return regions
